// SPDX-License-Identifier: Apache-2.0
/** OPEN: version, AS, hold time, BGP identifier and capabilities. @see RFC 4271 §4.2, RFC 5492, RFC 9072 */
import { AS_TRANS, decodeCapabilities, encodeCapabilities, type Capability } from '../capabilities/index.js';
import { BgpProtocolError, ErrorCode, HeaderSubcode, OpenSubcode } from '../errors.js';
import type { Codec, Decoded } from '../../../../../lib/codec.js';
import { decodeWhole, encodeHeader, HEADER_LENGTH, MessageType } from './header.js';

export interface OpenMessage {
  readonly type: 'open';
  readonly version: number;
  /** The 2-byte "My Autonomous System" field (AS_TRANS for 4-byte AS numbers). */
  readonly myAs: number;
  readonly holdTime: number;
  /** BGP identifier in dotted-quad form. */
  readonly routerId: string;
  readonly capabilities: readonly Capability[];
}

/** OPEN fields from the local AS and settings; the 4-octet AS capability carries the real AS. */
export function openFor(asn: number, holdTime: number, routerId: string, capabilities: readonly Capability[]): OpenMessage {
  return { type: 'open', version: 4, myAs: asn > 0xffff ? AS_TRANS : asn, holdTime, routerId, capabilities };
}

/** The AS the peer speaks for: the 4-octet AS capability when present, else My AS. */
export function peerAsOf(m: OpenMessage): number {
  for (const c of m.capabilities) if (c.kind === 'fourOctetAs') return c.asn;
  return m.myAs;
}

/** The optional parameters: one capabilities parameter, none without capabilities. */
function encodeParameters(capabilities: readonly Capability[]): Buffer {
  const caps = encodeCapabilities(capabilities);
  if (caps.length > 253) throw new RangeError(`capabilities of ${caps.length} bytes do not fit one OPEN parameter`);
  return caps.length ? Buffer.concat([Uint8Array.of(2, caps.length), caps]) : Buffer.alloc(0);
}

export function openLength(m: Omit<OpenMessage, 'type'>): number {
  return HEADER_LENGTH + 10 + encodeParameters(m.capabilities).length;
}

/** The whole message, header included, as decodeOpen reads it. */
export function encodeOpen(m: Omit<OpenMessage, 'type'>): Buffer {
  const params = encodeParameters(m.capabilities);
  const body = Buffer.alloc(10 + params.length);
  body[0] = m.version;
  body.writeUInt16BE(m.myAs, 1);
  body.writeUInt16BE(m.holdTime, 3);
  m.routerId.split('.').forEach((o, i) => { body[5 + i] = Number(o); });
  body[9] = params.length;
  body.set(params, 10);
  return encodeHeader(MessageType.Open, body);
}

/** The body after the header; decodeMessage reads it once it has checked the header. */
export function decodeOpenBody(body: Uint8Array): OpenMessage {
  const b = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (b.length < 10) throw new BgpProtocolError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, 'OPEN shorter than 10 bytes');
  const version = b[0] ?? 0;
  if (version !== 4) throw new BgpProtocolError(ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersion, `version ${version}`, Uint8Array.of(0, 4));
  let paramsLen = b[9] ?? 0;
  let i = 10;
  let extended = false;
  // RFC 9072: non-extended length 255 and type 255 mark 2-byte parameter lengths.
  if (paramsLen === 255 && b[10] === 255) {
    if (b.length < 13) throw new BgpProtocolError(ErrorCode.OpenMessage, 0, 'truncated extended optional parameters');
    paramsLen = b.readUInt16BE(11);
    i = 13;
    extended = true;
  }
  if (i + paramsLen !== b.length) throw new BgpProtocolError(ErrorCode.OpenMessage, 0, `optional parameters length ${paramsLen} does not match the message`);
  const capabilities: Capability[] = [];
  const end = i + paramsLen;
  while (i < end) {
    const ptype = b[i] ?? 0;
    const hl = extended ? 3 : 2;
    if (i + hl > end) throw new BgpProtocolError(ErrorCode.OpenMessage, 0, 'truncated optional parameter');
    const plen = extended ? b.readUInt16BE(i + 1) : (b[i + 1] ?? 0);
    if (i + hl + plen > end) throw new BgpProtocolError(ErrorCode.OpenMessage, 0, `optional parameter of ${plen} bytes overruns the OPEN`);
    const value = b.subarray(i + hl, i + hl + plen);
    if (ptype !== 2) throw new BgpProtocolError(ErrorCode.OpenMessage, OpenSubcode.UnsupportedOptionalParameter, `parameter type ${ptype}`);
    const caps = decodeCapabilities(value);
    if (!caps) throw new BgpProtocolError(ErrorCode.OpenMessage, 0, 'capability overruns its parameter');
    capabilities.push(...caps);
    i += hl + plen;
  }
  return {
    type: 'open',
    version,
    myAs: b.readUInt16BE(1),
    holdTime: b.readUInt16BE(3),
    routerId: `${b[5]}.${b[6]}.${b[7]}.${b[8]}`,
    capabilities,
  };
}

/** The whole message, header included, as encodeOpen writes it. */
export function decodeOpen(b: Uint8Array): Decoded<OpenMessage, BgpProtocolError> {
  return decodeWhole(b, MessageType.Open, decodeOpenBody);
}

export const openCodec: Codec<OpenMessage, BgpProtocolError> = { encode: encodeOpen, encodingLength: openLength, decode: decodeOpen };
