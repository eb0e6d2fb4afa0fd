// SPDX-License-Identifier: Apache-2.0
/** NOTIFICATION: error code, subcode and data; the session closes after it. @see RFC 4271 §4.5 */
import { BgpProtocolError, ErrorCode, HeaderSubcode } from '../errors.js';
import type { Codec, Decoded } from '../../../../../lib/codec.js';
import { decodeWhole, encodeHeader, HEADER_LENGTH, MessageType } from './header.js';

export interface NotificationMessage {
  readonly type: 'notification';
  readonly code: number;
  readonly subcode: number;
  readonly data: Uint8Array;
}

export function encodeNotification(m: Omit<NotificationMessage, 'type'>): Buffer {
  const body = Buffer.alloc(2 + m.data.length);
  body[0] = m.code;
  body[1] = m.subcode;
  body.set(m.data, 2);
  return encodeHeader(MessageType.Notification, body);
}

export function notificationLength(m: Omit<NotificationMessage, 'type'>): number {
  return HEADER_LENGTH + 2 + m.data.length;
}

export function decodeNotificationBody(body: Uint8Array): NotificationMessage {
  if (body.length < 2) throw new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, 'NOTIFICATION shorter than 2 bytes');
  return { type: 'notification', code: body[0] ?? 0, subcode: body[1] ?? 0, data: Uint8Array.from(body.subarray(2)) };
}

export function decodeNotification(b: Uint8Array): Decoded<NotificationMessage, BgpProtocolError> {
  return decodeWhole(b, MessageType.Notification, decodeNotificationBody);
}

export const notificationCodec: Codec<NotificationMessage, BgpProtocolError> = { encode: encodeNotification, encodingLength: notificationLength, decode: decodeNotification };

/** The NOTIFICATION that reports an error. */
export function notificationOf(err: BgpProtocolError): Buffer {
  return encodeNotification({ code: err.code, subcode: err.subcode, data: err.data });
}
