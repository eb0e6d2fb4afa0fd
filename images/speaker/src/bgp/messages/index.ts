// SPDX-License-Identifier: Apache-2.0
/** One entry point for decoding any BGP message: switch on the header type. */
import { BgpProtocolError, ErrorCode, HeaderSubcode } from '../errors.js';
import { decodeHeader, HEADER_LENGTH, MessageType, type CodecContext } from './header.js';
import { decodeKeepalive, type KeepaliveMessage } from './keepalive.js';
import { decodeNotification, type NotificationMessage } from './notification.js';
import { decodeOpen, type OpenMessage } from './open.js';
import { decodeRouteRefresh, type RouteRefreshMessage } from './route-refresh.js';
import { decodeUpdate, type UpdateMessage } from './update.js';

export type BgpMessage = OpenMessage | UpdateMessage | NotificationMessage | KeepaliveMessage | RouteRefreshMessage;

/** Decodes one whole message (header included). Throws only BgpProtocolError. */
export function decodeMessage(b: Uint8Array, ctx: CodecContext): BgpMessage {
  const h = decodeHeader(b);
  if (h.length !== b.length) throw new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `header says ${h.length}, got ${b.length} bytes`);
  const body = b.subarray(HEADER_LENGTH, h.length);
  try {
    switch (h.type) {
      case MessageType.Open: return decodeOpen(body);
      case MessageType.Update: return decodeUpdate(body, ctx);
      case MessageType.Notification: return decodeNotification(body);
      case MessageType.Keepalive: return decodeKeepalive(body);
      default: return decodeRouteRefresh(body);
    }
  } catch (e) {
    if (e instanceof BgpProtocolError) throw e;
    // A decoder bug must not crash the speaker: report it as a malformed message.
    throw new BgpProtocolError(ErrorCode.MessageHeader, 0, `cannot decode message type ${h.type}: ${(e as Error).message}`);
  }
}

/** Splits a byte stream into whole messages; returns them and the unconsumed tail. */
export function splitMessages(buf: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let i = 0;
  while (buf.length - i >= HEADER_LENGTH) {
    const h = decodeHeader(buf.subarray(i, i + HEADER_LENGTH));
    if (buf.length - i < h.length) break;
    messages.push(buf.subarray(i, i + h.length));
    i += h.length;
  }
  return { messages, rest: buf.subarray(i) };
}
