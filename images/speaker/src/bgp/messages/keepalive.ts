// SPDX-License-Identifier: Apache-2.0
/** KEEPALIVE: a header with no body. @see RFC 4271 §4.4 */
import { encodeHeader, MessageType } from './header.js';

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export function encodeKeepalive(): Buffer {
  return encodeHeader(MessageType.Keepalive, new Uint8Array(0));
}

export function decodeKeepalive(_body: Uint8Array): KeepaliveMessage {
  return { type: 'keepalive' };
}
