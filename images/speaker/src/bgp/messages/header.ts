// SPDX-License-Identifier: Apache-2.0
/** The 19-byte BGP message header. @see RFC 4271 §4.1 */
import { decoded, failed, type CodecError, type Decoded } from '../../../../../lib/codec.js';
import { BgpProtocolError, ErrorCode, HeaderSubcode } from '../errors.js';

export const MessageType = { Open: 1, Update: 2, Notification: 3, Keepalive: 4, RouteRefresh: 5 } as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;

/** What the session negotiated that changes how messages are encoded and decoded. */
export interface CodecContext {
  /** Both sides sent the 4-octet AS capability: AS_PATH carries 4-byte AS numbers. */
  readonly fourOctetAs: boolean;
  /** The peer is in another AS: attributes meant for iBGP are discarded. Unset before the session is up. */
  readonly ebgp?: boolean;
}

export interface Header {
  readonly length: number;
  readonly type: number;
}

/** Wraps a body in a header. */
export function encodeHeader(type: MessageType, body: Uint8Array): Buffer {
  const len = HEADER_LENGTH + body.length;
  if (len > MAX_MESSAGE_LENGTH) throw new RangeError(`BGP message of ${len} bytes exceeds ${MAX_MESSAGE_LENGTH}`);
  const out = Buffer.alloc(len, 0xff);
  out.writeUInt16BE(len, 16);
  out[18] = type;
  out.set(body, HEADER_LENGTH);
  return out;
}

/** Reads and checks a header from the first 19 bytes; takes those 19. */
export function decodeHeader(b: Uint8Array): Decoded<Header, BgpProtocolError> {
  if (b.length < HEADER_LENGTH) return failed(new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `${b.length} bytes, header needs ${HEADER_LENGTH}`));
  for (let i = 0; i < 16; i++) {
    if (b[i] !== 0xff) return failed(new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, 'marker is not all ones'));
  }
  const length = ((b[16] ?? 0) << 8) | (b[17] ?? 0);
  const type = b[18] ?? 0;
  const lenData = Uint8Array.of(b[16] ?? 0, b[17] ?? 0);
  if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
    return failed(new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `length ${length}`, lenData));
  }
  if (type < MessageType.Open || type > MessageType.RouteRefresh) {
    return failed(new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, `type ${type}`, Uint8Array.of(type)));
  }
  const min = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 }[type as MessageType];
  if (length < min || (type === MessageType.Keepalive && length !== 19)) {
    return failed(new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `length ${length} for type ${type}`, lenData));
  }
  return decoded({ length, type }, HEADER_LENGTH);
}

const TYPE_NAMES: Readonly<Record<MessageType, string>> = { 1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH' };

/** The error decodeWhole gives for a decoder's own exception: a bug, which no input should reach. */
export function isDecoderBug(e: CodecError): boolean {
  return e instanceof BgpProtocolError && e.code === ErrorCode.MessageHeader && e.subcode === 0;
}

/**
 * Decodes one whole message (header and body, exactly `b`) with `body`, which reads the body of a message of
 * `type` (any type when undefined) and throws only BgpProtocolError. Never throws: a decoder's own exception is
 * reported as a malformed message, so that a bug cannot crash the speaker.
 */
export function decodeWhole<T>(b: Uint8Array, type: MessageType | undefined, body: (body: Uint8Array, type: MessageType) => T): Decoded<T, BgpProtocolError> {
  const h = decodeHeader(b);
  if (!h.ok) return h;
  const { length } = h.value;
  const t = h.value.type as MessageType;
  if (length !== b.length) return failed(new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `header says ${length}, got ${b.length} bytes`));
  if (type !== undefined && t !== type) return failed(new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, `expected ${TYPE_NAMES[type]}, got ${TYPE_NAMES[t]}`, Uint8Array.of(t)));
  try {
    return decoded(body(b.subarray(HEADER_LENGTH, length), t), length);
  } catch (e) {
    if (e instanceof BgpProtocolError) return failed(e);
    return failed(new BgpProtocolError(ErrorCode.MessageHeader, 0, `cannot decode message type ${t}: ${(e as Error).message}`));
  }
}
