// SPDX-License-Identifier: Apache-2.0
/** KEEPALIVE: a header with no body. @see RFC 4271 §4.4 */
import type { Codec, Decoded } from '../../../../../lib/codec.js';
import type { BgpProtocolError } from '../errors.js';
import { decodeWhole, encodeHeader, HEADER_LENGTH, MessageType } from './header.js';

export interface KeepaliveMessage {
  readonly type: 'keepalive';
}

export function encodeKeepalive(): Buffer {
  return encodeHeader(MessageType.Keepalive, new Uint8Array(0));
}

export function keepaliveLength(): number {
  return HEADER_LENGTH;
}

export function decodeKeepaliveBody(_body: Uint8Array): KeepaliveMessage {
  return { type: 'keepalive' };
}

export function decodeKeepalive(b: Uint8Array): Decoded<KeepaliveMessage, BgpProtocolError> {
  return decodeWhole(b, MessageType.Keepalive, decodeKeepaliveBody);
}

export const keepaliveCodec: Codec<KeepaliveMessage, BgpProtocolError> = { encode: encodeKeepalive, encodingLength: keepaliveLength, decode: decodeKeepalive };
