// SPDX-License-Identifier: Apache-2.0
/** One entry point for decoding any BGP message: switch on the header type. */
import type { Decoded } from '../../../../../lib/codec.js';
import type { BgpProtocolError } from '../errors.js';
import { decodeHeader, decodeWhole, HEADER_LENGTH, MessageType, type CodecContext } from './header.js';
import { decodeKeepaliveBody, type KeepaliveMessage } from './keepalive.js';
import { decodeNotificationBody, type NotificationMessage } from './notification.js';
import { decodeOpenBody, type OpenMessage } from './open.js';
import { decodeRouteRefreshBody, type RouteRefreshMessage } from './route-refresh.js';
import { decodeUpdateBody, type UpdateMessage } from './update.js';

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** Decodes one whole message (header included), of any type. */
export function decodeMessage(b: Uint8Array, ctx: CodecContext): Decoded<BgpMessage, BgpProtocolError> {
  return decodeWhole<BgpMessage>(b, undefined, (body, type) => {
    switch (type) {
      case MessageType.Open: return decodeOpenBody(body);
      case MessageType.Update: return decodeUpdateBody(body, ctx);
      case MessageType.Notification: return decodeNotificationBody(body);
      case MessageType.Keepalive: return decodeKeepaliveBody(body);
      default: return decodeRouteRefreshBody(body);
    }
  });
}

/** What a stream holds so far: its whole messages, the bytes they take, and the bad header that stopped the reading, if any. */
export interface Split {
  readonly messages: Buffer[];
  readonly bytes: number;
  readonly error?: BgpProtocolError;
}

/** Splits a byte stream into whole messages, leaving a partial one for more bytes to complete. Never throws. */
export function splitMessages(buf: Buffer): Split {
  const messages: Buffer[] = [];
  let i = 0;
  while (buf.length - i >= HEADER_LENGTH) {
    const h = decodeHeader(buf.subarray(i, i + HEADER_LENGTH));
    if (!h.ok) return { messages, bytes: i, error: h.error };
    if (buf.length - i < h.value.length) break;
    messages.push(buf.subarray(i, i + h.value.length));
    i += h.value.length;
  }
  return { messages, bytes: i };
}
