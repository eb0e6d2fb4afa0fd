// SPDX-License-Identifier: Apache-2.0
/** UPDATE: withdrawn IPv4 prefixes, path attributes, IPv4 NLRI. @see RFC 4271 §4.3; RFC 7606 */
import { decodeAttributes, encodeAttributes, type PathAttribute } from '../attributes/index.js';
import { BgpProtocolError, ErrorCode, ErrorHandling, UpdateSubcode } from '../errors.js';
import { decodePrefixes, encodePrefix } from '../wire.js';
import { encodeHeader, MessageType, type CodecContext } from './header.js';

export interface UpdateMessage {
  readonly type: 'update';
  readonly withdrawn: readonly string[];
  readonly attributes: readonly PathAttribute[];
  readonly nlri: readonly string[];
  /** Set when a malformed attribute made the whole UPDATE a withdrawal (RFC 7606 treat-as-withdraw). */
  readonly treatAsWithdraw?: BgpProtocolError;
}

/** Body bytes (without the header). */
export function encodeUpdateBody(m: Omit<UpdateMessage, 'type'>, ctx: CodecContext): Buffer {
  const withdrawn = Buffer.concat(m.withdrawn.map(encodePrefix));
  const attrs = encodeAttributes(m.attributes, ctx);
  const head = Buffer.alloc(2);
  head.writeUInt16BE(withdrawn.length, 0);
  const alen = Buffer.alloc(2);
  alen.writeUInt16BE(attrs.length, 0);
  return Buffer.concat([head, withdrawn, alen, attrs, ...m.nlri.map(encodePrefix)]);
}

export function encodeUpdate(m: Omit<UpdateMessage, 'type'>, ctx: CodecContext): Buffer {
  return encodeHeader(MessageType.Update, encodeUpdateBody(m, ctx));
}

export function decodeUpdate(body: Uint8Array, ctx: CodecContext): UpdateMessage {
  const fail = (why: string) => new BgpProtocolError(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, why);
  if (body.length < 4) throw fail('UPDATE shorter than 4 bytes');
  const wlen = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
  if (2 + wlen + 2 > body.length) throw fail(`withdrawn routes length ${wlen} overruns the UPDATE`);
  const withdrawn = decodePrefixes(body.subarray(2, 2 + wlen), 4);
  const alen = ((body[2 + wlen] ?? 0) << 8) | (body[3 + wlen] ?? 0);
  const aStart = 4 + wlen;
  if (aStart + alen > body.length) throw fail(`total path attribute length ${alen} overruns the UPDATE`);
  const nlri = decodePrefixes(body.subarray(aStart + alen), 4);
  const decoded = decodeAttributes(body.subarray(aStart, aStart + alen), ctx);
  let error = decoded.handling === ErrorHandling.TreatAsWithdraw ? decoded.errors.find((e) => e.handling === ErrorHandling.TreatAsWithdraw) : undefined;
  // RFC 7606 §3d: a missing well-known mandatory attribute withdraws the announced prefixes.
  if (!error && nlri.length) {
    const kinds = new Set(decoded.attributes.map((a) => a.kind));
    const missing = (['origin', 'asPath', 'nextHop'] as const).find((k) => !kinds.has(k));
    if (missing) error = new BgpProtocolError(ErrorCode.UpdateMessage, UpdateSubcode.MissingWellKnown, `missing ${missing}`, new Uint8Array(0), ErrorHandling.TreatAsWithdraw);
  }
  if (error) return { type: 'update', withdrawn: [...withdrawn, ...nlri], attributes: decoded.attributes, nlri: [], treatAsWithdraw: error };
  return { type: 'update', withdrawn, attributes: decoded.attributes, nlri };
}
