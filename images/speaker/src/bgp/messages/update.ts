// SPDX-License-Identifier: Apache-2.0
/** UPDATE: withdrawn IPv4 prefixes, path attributes, IPv4 NLRI; malformed parts handled as RFC 7606 says. @see RFC 4271 §4.3; RFC 7606 §3, §5 */
import { codeOf, decodeAttributes, encodeAttributes, type AttributeKind, type PathAttribute } from '../attributes/index.js';
import type { MpUnreachAttribute } from '../attributes/mp-unreach.js';
import { BgpProtocolError, ErrorHandling, strongest, updateError, UpdateSubcode } from '../errors.js';
import { decodePrefixes, encodePrefix, prefixesLength } from '../wire.js';
import type { Codec, Decoded } from '../../../../../lib/codec.js';
import { decodeWhole, encodeHeader, HEADER_LENGTH, MessageType, type CodecContext } from './header.js';

export interface UpdateMessage {
  readonly type: 'update';
  readonly withdrawn: readonly string[];
  readonly attributes: readonly PathAttribute[];
  readonly nlri: readonly string[];
  /**
   * Malformed or unwanted parts that did not reset the session, each with its handling. When one is treat-as-withdraw,
   * the message has already been turned into the withdrawal of everything it announced.
   */
  readonly errors?: readonly BgpProtocolError[];
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

export function updateLength(m: Omit<UpdateMessage, 'type'>, ctx: CodecContext): number {
  return HEADER_LENGTH + 4 + prefixesLength(m.withdrawn) + encodeAttributes(m.attributes, ctx).length + prefixesLength(m.nlri);
}

export function encodeUpdate(m: Omit<UpdateMessage, 'type'>, ctx: CodecContext): Buffer {
  return encodeHeader(MessageType.Update, encodeUpdateBody(m, ctx));
}

/** RFC 7606 §3d: ORIGIN and AS_PATH come with any announcement, NEXT_HOP with IPv4 NLRI (RFC 4760 §3 for the rest). */
function missingWellKnown(attributes: readonly PathAttribute[], nlri: readonly string[]): BgpProtocolError[] {
  const announces = nlri.length > 0 || attributes.some((a) => a.kind === 'mpReach' && a.nlri.length > 0);
  if (!announces) return [];
  const kinds = new Set(attributes.map((a) => a.kind));
  const need: AttributeKind[] = ['origin', 'asPath', ...(nlri.length ? (['nextHop'] as const) : [])];
  return need.filter((k) => !kinds.has(k)).map((k) => updateError(UpdateSubcode.MissingWellKnown, `missing ${k}`).as(ErrorHandling.TreatAsWithdraw, Uint8Array.of(codeOf(k))));
}

/** Treat-as-withdraw: everything announced (NLRI and MP_REACH_NLRI) is withdrawn, other attributes are dropped. */
function asWithdrawal(withdrawn: readonly string[], nlri: readonly string[], attributes: readonly PathAttribute[], errors: BgpProtocolError[]): UpdateMessage {
  const unreach: MpUnreachAttribute[] = [];
  for (const a of attributes) {
    if (a.kind === 'mpUnreach') unreach.push(a);
    if (a.kind === 'mpReach' && a.nlri.length) unreach.push({ kind: 'mpUnreach', afi: a.afi, safi: a.safi, withdrawn: a.nlri });
  }
  return { type: 'update', withdrawn: [...withdrawn, ...nlri], attributes: unreach, nlri: [], errors };
}

/** The body after the header. */
export function decodeUpdateBody(body: Uint8Array, ctx: CodecContext): UpdateMessage {
  // Lengths that leave the NLRI unlocatable, and malformed prefixes, reset the session (RFC 7606 §3i, §5.3).
  if (body.length < 4) throw updateError(UpdateSubcode.MalformedAttributeList, 'UPDATE shorter than 4 bytes');
  const wlen = ((body[0] ?? 0) << 8) | (body[1] ?? 0);
  if (2 + wlen + 2 > body.length) throw updateError(UpdateSubcode.MalformedAttributeList, `withdrawn routes length ${wlen} overruns the UPDATE`);
  const withdrawn = decodePrefixes(body.subarray(2, 2 + wlen), 4);
  const alen = ((body[2 + wlen] ?? 0) << 8) | (body[3 + wlen] ?? 0);
  const aStart = 4 + wlen;
  if (aStart + alen > body.length) throw updateError(UpdateSubcode.MalformedAttributeList, `total path attribute length ${alen} overruns the UPDATE`);
  const nlri = decodePrefixes(body.subarray(aStart + alen), 4);
  const { attributes, errors } = decodeAttributes(body.subarray(aStart, aStart + alen), ctx);
  if (strongest(errors) < ErrorHandling.TreatAsWithdraw) errors.push(...missingWellKnown(attributes, nlri));
  if (strongest(errors) === ErrorHandling.TreatAsWithdraw) return asWithdrawal(withdrawn, nlri, attributes, errors);
  return { type: 'update', withdrawn, attributes, nlri, ...(errors.length ? { errors } : {}) };
}

export function decodeUpdate(b: Uint8Array, ctx: CodecContext): Decoded<UpdateMessage, BgpProtocolError> {
  return decodeWhole(b, MessageType.Update, (body) => decodeUpdateBody(body, ctx));
}

export const updateCodec: Codec<UpdateMessage, BgpProtocolError, CodecContext> = { encode: encodeUpdate, encodingLength: updateLength, decode: decodeUpdate };
