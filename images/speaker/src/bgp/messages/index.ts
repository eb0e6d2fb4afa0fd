// SPDX-License-Identifier: Apache-2.0
/** One entry point for decoding any BGP message: switch on the header type. */
import { decoded, type Decoded } from '../../../../../lib/codec.js';
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

/** Splits a byte stream into whole messages; takes them, and leaves a partial one for more bytes to complete. */
export function splitMessages(buf: Buffer): Decoded<Buffer[], BgpProtocolError> {
  const messages: Buffer[] = [];
  let i = 0;
  while (buf.length - i >= HEADER_LENGTH) {
    const h = decodeHeader(buf.subarray(i, i + HEADER_LENGTH));
    if (!h.ok) return h;
    if (buf.length - i < h.value.length) break;
    messages.push(buf.subarray(i, i + h.value.length));
    i += h.value.length;
  }
  return decoded(messages, i);
}
