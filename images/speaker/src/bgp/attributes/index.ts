// SPDX-License-Identifier: Apache-2.0
/**
 * Path attributes: flags/type/length framing, dispatch per type, and RFC 7606 error handling.
 * @see RFC 4271 §4.3, §6.3; RFC 7606 §3–§5
 */
import { BgpProtocolError, ErrorCode, ErrorHandling, stronger, UpdateSubcode } from '../errors.js';
import type { CodecContext } from '../messages/header.js';
import { decodeAsPath, encodeAsPath, type AsPathAttribute } from './as-path.js';
import { decodeCommunities, encodeCommunities, type CommunitiesAttribute } from './communities.js';
import { decodeLargeCommunities, encodeLargeCommunities, type LargeCommunitiesAttribute } from './large-communities.js';
import { decodeMpReach, encodeMpReach, type MpReachAttribute } from './mp-reach.js';
import { decodeMpUnreach, encodeMpUnreach, type MpUnreachAttribute } from './mp-unreach.js';
import { decodeNextHop, encodeNextHop, type NextHopAttribute } from './next-hop.js';
import { decodeOrigin, encodeOrigin, type OriginAttribute } from './origin.js';
import { decodeU32, encodeU32, type U32Attribute } from './u32.js';
import type { UnknownAttribute } from './unknown.js';

export type PathAttribute =
  | OriginAttribute | AsPathAttribute | NextHopAttribute | U32Attribute | CommunitiesAttribute
  | LargeCommunitiesAttribute | MpReachAttribute | MpUnreachAttribute | UnknownAttribute;

export const AttrType = {
  Origin: 1, AsPath: 2, NextHop: 3, Med: 4, LocalPref: 5, AtomicAggregate: 6, Aggregator: 7,
  Communities: 8, MpReach: 14, MpUnreach: 15, As4Path: 17, As4Aggregator: 18, LargeCommunities: 32,
} as const;

export const Flag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const;

const WELL_KNOWN = Flag.Transitive;
const OPT_TRANS = Flag.Optional | Flag.Transitive;
const OPT = Flag.Optional;

/** Type code and the Optional/Transitive flags each attribute must carry. */
const layout: Record<Exclude<PathAttribute['kind'], 'unknown'>, [number, number]> = {
  origin: [AttrType.Origin, WELL_KNOWN],
  asPath: [AttrType.AsPath, WELL_KNOWN],
  nextHop: [AttrType.NextHop, WELL_KNOWN],
  med: [AttrType.Med, OPT],
  localPref: [AttrType.LocalPref, WELL_KNOWN],
  communities: [AttrType.Communities, OPT_TRANS],
  mpReach: [AttrType.MpReach, OPT],
  mpUnreach: [AttrType.MpUnreach, OPT],
  as4Path: [AttrType.As4Path, OPT_TRANS],
  largeCommunities: [AttrType.LargeCommunities, OPT_TRANS],
};

/** Expected Optional/Transitive bits per known type code. */
const expectedFlags = new Map<number, number>(Object.values(layout).map(([t, f]) => [t, f]));

function codeFlagsValue(a: PathAttribute, ctx: CodecContext): [number, number, Uint8Array] {
  if (a.kind === 'unknown') return [a.code, a.flags & 0xe0, a.value];
  const [code, flags] = layout[a.kind];
  switch (a.kind) {
    case 'origin': return [code, flags, encodeOrigin(a)];
    case 'asPath':
    case 'as4Path': return [code, flags, encodeAsPath(a, ctx.fourOctetAs)];
    case 'nextHop': return [code, flags, encodeNextHop(a)];
    case 'med':
    case 'localPref': return [code, flags, encodeU32(a)];
    case 'communities': return [code, flags, encodeCommunities(a)];
    case 'largeCommunities': return [code, flags, encodeLargeCommunities(a)];
    case 'mpReach': return [code, flags, encodeMpReach(a)];
    case 'mpUnreach': return [code, flags, encodeMpUnreach(a)];
  }
}

/** Encodes attributes in ascending type order, using the extended length flag when a value exceeds 255 bytes. */
export function encodeAttributes(attrs: readonly PathAttribute[], ctx: CodecContext): Buffer {
  const parts = attrs.map((a) => codeFlagsValue(a, ctx)).sort((x, y) => x[0] - y[0]);
  const out: Uint8Array[] = [];
  for (const [code, flags, value] of parts) {
    if (value.length > 255) {
      const h = Buffer.alloc(4);
      h[0] = flags | Flag.ExtendedLength;
      h[1] = code;
      h.writeUInt16BE(value.length, 2);
      out.push(h, value);
    } else {
      out.push(Uint8Array.of(flags, code, value.length), value);
    }
  }
  return Buffer.concat(out);
}

/** Decoded attributes plus the strongest recoverable error met (RFC 7606), if any. */
export interface DecodedAttributes {
  readonly attributes: PathAttribute[];
  readonly handling: ErrorHandling;
  readonly errors: BgpProtocolError[];
}

function decodeOne(code: number, flags: number, v: Uint8Array, ctx: CodecContext): PathAttribute {
  switch (code) {
    case AttrType.Origin: return decodeOrigin(v);
    case AttrType.AsPath: return decodeAsPath(v, 'asPath', ctx.fourOctetAs);
    case AttrType.As4Path: return decodeAsPath(v, 'as4Path', true);
    case AttrType.NextHop: return decodeNextHop(v);
    case AttrType.Med: return decodeU32(v, 'med');
    case AttrType.LocalPref: return decodeU32(v, 'localPref');
    case AttrType.Communities: return decodeCommunities(v);
    case AttrType.LargeCommunities: return decodeLargeCommunities(v);
    case AttrType.MpReach: return decodeMpReach(v);
    case AttrType.MpUnreach: return decodeMpUnreach(v);
    default:
      if (!(flags & Flag.Optional)) {
        throw new BgpProtocolError(ErrorCode.UpdateMessage, UpdateSubcode.UnrecognizedWellKnown, `attribute type ${code}`, Uint8Array.of(flags, code));
      }
      return { kind: 'unknown', code, flags, value: Uint8Array.from(v) };
  }
}

/** Decodes the path attributes field. Throws only for errors that reset the session. */
export function decodeAttributes(b: Uint8Array, ctx: CodecContext): DecodedAttributes {
  const attributes: PathAttribute[] = [];
  const errors: BgpProtocolError[] = [];
  const seen = new Set<number>();
  let handling: ErrorHandling = ErrorHandling.None;
  let i = 0;
  while (i < b.length) {
    const flags = b[i] ?? 0;
    const code = b[i + 1];
    const ext = (flags & Flag.ExtendedLength) !== 0;
    const hl = ext ? 4 : 3;
    if (code === undefined || i + hl > b.length) {
      throw new BgpProtocolError(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, `truncated attribute header at offset ${i}`);
    }
    const len = ext ? ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0) : (b[i + 2] ?? 0);
    if (i + hl + len > b.length) {
      throw new BgpProtocolError(ErrorCode.UpdateMessage, UpdateSubcode.AttributeLength, `attribute ${code} of ${len} bytes overruns the attribute list`);
    }
    const value = b.subarray(i + hl, i + hl + len);
    i += hl + len;
    const isMp = code === AttrType.MpReach || code === AttrType.MpUnreach;
    if (seen.has(code)) {
      // RFC 7606 §3g: repeated attributes are discarded, repeated MP_(UN)REACH reset the session.
      if (isMp) throw new BgpProtocolError(ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList, `repeated attribute ${code}`);
      handling = stronger(handling, ErrorHandling.AttributeDiscard);
      continue;
    }
    seen.add(code);
    const want = expectedFlags.get(code);
    if (want !== undefined && (flags & OPT_TRANS) !== want) {
      const err = new BgpProtocolError(ErrorCode.UpdateMessage, UpdateSubcode.AttributeFlags, `attribute ${code} flags 0x${flags.toString(16)}`, Uint8Array.of(flags, code), isMp ? ErrorHandling.SessionReset : ErrorHandling.TreatAsWithdraw);
      if (isMp) throw err;
      errors.push(err);
      handling = stronger(handling, err.handling);
      continue;
    }
    try {
      attributes.push(decodeOne(code, flags, value, ctx));
    } catch (e) {
      if (!(e instanceof BgpProtocolError) || e.handling === ErrorHandling.SessionReset) throw e;
      errors.push(e);
      handling = stronger(handling, e.handling);
    }
  }
  return { attributes, handling, errors };
}
