// SPDX-License-Identifier: Apache-2.0
/**
 * Path attributes: flags/type/length framing, one table of what each type is and what a malformed one costs,
 * and the RFC 7606 handling of errors in the attribute list (attribute discard, treat-as-withdraw, session reset).
 * @see RFC 4271 §4.3, §5, §6.3; RFC 7606 §3–§7
 */
import { BgpProtocolError, ErrorHandling, updateError, UpdateSubcode } from '../errors.js';
import type { CodecContext } from '../messages/header.js';
import { decodeAggregator, encodeAggregator, type AggregatorAttribute } from './aggregator.js';
import { decodeAsPath, encodeAsPath, SegmentType, type AsPathAttribute } from './as-path.js';
import { decodeAtomicAggregate, encodeAtomicAggregate, type AtomicAggregateAttribute } from './atomic-aggregate.js';
import { decodeCommunities, encodeCommunities, type CommunitiesAttribute } from './communities.js';
import { decodeExtendedCommunities, encodeExtendedCommunities, type ExtendedCommunitiesAttribute } from './extended-communities.js';
import { decodeLargeCommunities, encodeLargeCommunities, type LargeCommunitiesAttribute } from './large-communities.js';
import { decodeMpReach, encodeMpReach, type MpReachAttribute } from './mp-reach.js';
import { decodeMpUnreach, encodeMpUnreach, type MpUnreachAttribute } from './mp-unreach.js';
import { decodeNextHop, encodeNextHop, type NextHopAttribute } from './next-hop.js';
import { decodeOrigin, encodeOrigin, type OriginAttribute } from './origin.js';
import { decodeClusterList, decodeOriginatorId, encodeClusterList, encodeOriginatorId, type ClusterListAttribute, type OriginatorIdAttribute } from './route-reflector.js';
import { decodeU32, encodeU32, type U32Attribute } from './u32.js';
import type { UnknownAttribute } from './unknown.js';

export type PathAttribute =
  | OriginAttribute | AsPathAttribute | NextHopAttribute | U32Attribute | AtomicAggregateAttribute | AggregatorAttribute
  | CommunitiesAttribute | OriginatorIdAttribute | ClusterListAttribute | MpReachAttribute | MpUnreachAttribute
  | ExtendedCommunitiesAttribute | LargeCommunitiesAttribute | UnknownAttribute;

export const AttrType = {
  Origin: 1, AsPath: 2, NextHop: 3, Med: 4, LocalPref: 5, AtomicAggregate: 6, Aggregator: 7, Communities: 8,
  OriginatorId: 9, ClusterList: 10, MpReach: 14, MpUnreach: 15, ExtendedCommunities: 16, As4Path: 17, As4Aggregator: 18,
  Ipv6ExtendedCommunities: 25, LargeCommunities: 32, OnlyToCustomer: 35,
} as const;

export const Flag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const;

const WELL_KNOWN = Flag.Transitive;
const OPT_TRANS = Flag.Optional | Flag.Transitive;
const OPT = Flag.Optional;
const { AttributeDiscard: DISCARD, TreatAsWithdraw: WITHDRAW, SessionReset: RESET } = ErrorHandling;

type Kind = Exclude<PathAttribute['kind'], 'unknown'>;
export type AttributeKind = Kind;
/** The attribute type whose kind includes K (AS_PATH and AS4_PATH share one). */
type Of<K extends Kind> = PathAttribute extends infer A ? (A extends { kind: infer X } ? (K extends X ? A : never) : never) : never;

/** What one attribute type is on the wire. */
interface Spec<K extends Kind> {
  readonly code: number;
  /** The Optional and Transitive bits the type must carry. */
  readonly flags: number;
  /** What a malformed one costs: RFC 7606 §7, RFC 6793 §6 (AS4_*), RFC 8092 §6, RFC 9234 §5. */
  readonly malformed: ErrorHandling;
  /** A zero-length value is valid (RFC 7606 §4: only AS_PATH and ATOMIC_AGGREGATE). */
  readonly empty?: true;
  /** Why this session discards the attribute whatever its value, if it does. */
  readonly unwanted?: (ctx: CodecContext) => string | undefined;
  readonly decode: (v: Uint8Array, ctx: CodecContext) => Of<K>;
  readonly encode: (a: Of<K>, ctx: CodecContext) => Uint8Array;
}

const fromExternal = (what: string) => (ctx: CodecContext) => (ctx.ebgp ? `${what} from an external peer` : undefined);
const fromFourOctet = (what: string) => (ctx: CodecContext) => (ctx.ebgp !== undefined && ctx.fourOctetAs ? `${what} from a 4-octet AS speaker` : undefined);

function decodePath(v: Uint8Array, ctx: CodecContext): AsPathAttribute {
  const a = decodeAsPath(v, 'asPath', ctx.fourOctetAs);
  // RFC 7606 §7.2 (RFC 5065 §5.3): confederation segments only come from confederation peers, which we never are.
  if (ctx.ebgp && a.segments.some((s) => s.type === SegmentType.ConfedSequence || s.type === SegmentType.ConfedSet)) {
    throw updateError(UpdateSubcode.MalformedAsPath, 'confederation segment from an external peer');
  }
  return a;
}

const specs: { readonly [K in Kind]: Spec<K> } = {
  origin: { code: AttrType.Origin, flags: WELL_KNOWN, malformed: WITHDRAW, decode: decodeOrigin, encode: encodeOrigin },
  asPath: { code: AttrType.AsPath, flags: WELL_KNOWN, malformed: WITHDRAW, empty: true, decode: decodePath, encode: (a, c) => encodeAsPath(a, c.fourOctetAs) },
  nextHop: { code: AttrType.NextHop, flags: WELL_KNOWN, malformed: WITHDRAW, decode: decodeNextHop, encode: encodeNextHop },
  med: { code: AttrType.Med, flags: OPT, malformed: WITHDRAW, decode: (v) => decodeU32(v, 'med'), encode: encodeU32 },
  localPref: { code: AttrType.LocalPref, flags: WELL_KNOWN, malformed: WITHDRAW, unwanted: fromExternal('LOCAL_PREF'), decode: (v) => decodeU32(v, 'localPref'), encode: encodeU32 },
  atomicAggregate: { code: AttrType.AtomicAggregate, flags: WELL_KNOWN, malformed: DISCARD, empty: true, decode: decodeAtomicAggregate, encode: encodeAtomicAggregate },
  aggregator: { code: AttrType.Aggregator, flags: OPT_TRANS, malformed: DISCARD, decode: (v, c) => decodeAggregator(v, 'aggregator', c.fourOctetAs), encode: (a, c) => encodeAggregator(a, c.fourOctetAs) },
  communities: { code: AttrType.Communities, flags: OPT_TRANS, malformed: WITHDRAW, decode: decodeCommunities, encode: encodeCommunities },
  originatorId: { code: AttrType.OriginatorId, flags: OPT, malformed: WITHDRAW, unwanted: fromExternal('ORIGINATOR_ID'), decode: decodeOriginatorId, encode: encodeOriginatorId },
  clusterList: { code: AttrType.ClusterList, flags: OPT, malformed: WITHDRAW, unwanted: fromExternal('CLUSTER_LIST'), decode: decodeClusterList, encode: encodeClusterList },
  mpReach: { code: AttrType.MpReach, flags: OPT, malformed: RESET, decode: decodeMpReach, encode: encodeMpReach },
  mpUnreach: { code: AttrType.MpUnreach, flags: OPT, malformed: RESET, decode: decodeMpUnreach, encode: encodeMpUnreach },
  extendedCommunities: { code: AttrType.ExtendedCommunities, flags: OPT_TRANS, malformed: WITHDRAW, decode: (v) => decodeExtendedCommunities(v, 'extendedCommunities'), encode: encodeExtendedCommunities },
  as4Path: { code: AttrType.As4Path, flags: OPT_TRANS, malformed: DISCARD, unwanted: fromFourOctet('AS4_PATH'), decode: (v) => decodeAsPath(v, 'as4Path', true), encode: (a) => encodeAsPath(a, true) },
  as4Aggregator: { code: AttrType.As4Aggregator, flags: OPT_TRANS, malformed: DISCARD, unwanted: fromFourOctet('AS4_AGGREGATOR'), decode: (v) => decodeAggregator(v, 'as4Aggregator', true), encode: (a) => encodeAggregator(a, true) },
  ipv6ExtendedCommunities: { code: AttrType.Ipv6ExtendedCommunities, flags: OPT_TRANS, malformed: WITHDRAW, decode: (v) => decodeExtendedCommunities(v, 'ipv6ExtendedCommunities'), encode: encodeExtendedCommunities },
  largeCommunities: { code: AttrType.LargeCommunities, flags: OPT_TRANS, malformed: WITHDRAW, decode: decodeLargeCommunities, encode: encodeLargeCommunities },
  onlyToCustomer: { code: AttrType.OnlyToCustomer, flags: OPT_TRANS, malformed: WITHDRAW, decode: (v) => decodeU32(v, 'onlyToCustomer'), encode: encodeU32 },
};

/** The table by type code; the per-kind types meet here as one. */
const byCode = new Map<number, Spec<Kind>>(Object.values(specs).map((s) => [s.code, s as unknown as Spec<Kind>]));

/** Type code of an attribute kind. */
export function codeOf(kind: AttributeKind): number {
  return specs[kind].code;
}

function codeFlagsValue(a: PathAttribute, ctx: CodecContext): [number, number, Uint8Array] {
  if (a.kind === 'unknown') return [a.code, a.flags & 0xe0, a.value];
  const s = specs[a.kind] as unknown as Spec<Kind>;
  return [s.code, s.flags, s.encode(a as Of<Kind>, ctx)];
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

/** The attributes that decoded, and every error met on the way that does not reset the session (RFC 7606). */
export interface DecodedAttributes {
  readonly attributes: PathAttribute[];
  readonly errors: BgpProtocolError[];
}

/** One known attribute, or the error it is, handled as its table row says. */
function decodeKnown(s: Spec<Kind>, flags: number, value: Uint8Array, ctx: CodecContext): PathAttribute | BgpProtocolError {
  if ((flags & OPT_TRANS) !== s.flags) return updateError(UpdateSubcode.AttributeFlags, `attribute ${s.code} with flags 0x${flags.toString(16)}`);
  if (!value.length && !s.empty) return updateError(UpdateSubcode.AttributeLength, `attribute ${s.code} of 0 bytes`);
  try {
    return s.decode(value, ctx);
  } catch (e) {
    if (e instanceof BgpProtocolError) return e;
    throw e;
  }
}

/** Decodes the path attributes field. Throws only the errors that reset the session. */
export function decodeAttributes(b: Uint8Array, ctx: CodecContext): DecodedAttributes {
  const attributes: PathAttribute[] = [];
  const errors: BgpProtocolError[] = [];
  const seen = new Set<number>();
  let i = 0;
  while (i < b.length) {
    const flags = b[i] ?? 0;
    const hl = flags & Flag.ExtendedLength ? 4 : 3;
    if (i + hl > b.length) {
      // RFC 7606 §4: too few bytes left for an attribute header. The total length still locates the NLRI.
      errors.push(updateError(UpdateSubcode.MalformedAttributeList, `${b.length - i} bytes at offset ${i} are too few for an attribute`).as(WITHDRAW));
      break;
    }
    const code = b[i + 1] ?? 0;
    const len = hl === 4 ? ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0) : (b[i + 2] ?? 0);
    const whole = b.subarray(i, i + hl + len);
    const mp = code === AttrType.MpReach || code === AttrType.MpUnreach;
    if (i + hl + len > b.length) {
      // RFC 7606 §4: an attribute overrunning the list is treat-as-withdraw, unless it is the one that holds NLRI.
      const e = updateError(UpdateSubcode.AttributeLength, `attribute ${code} of ${len} bytes overruns the attribute list`).as(mp ? RESET : WITHDRAW, whole);
      if (mp) throw e;
      errors.push(e);
      break;
    }
    const value = b.subarray(i + hl, i + hl + len);
    i += hl + len;
    if (seen.has(code)) {
      // RFC 7606 §3g: repeats are discarded; a repeated MP_(UN)REACH_NLRI resets the session.
      const e = updateError(UpdateSubcode.MalformedAttributeList, `repeated attribute ${code}`).as(mp ? RESET : DISCARD, whole);
      if (mp) throw e;
      errors.push(e);
      continue;
    }
    seen.add(code);
    const s = byCode.get(code);
    if (!s) {
      if (!(flags & Flag.Optional)) throw updateError(UpdateSubcode.UnrecognizedWellKnown, `attribute type ${code}`).as(RESET, whole);
      attributes.push({ kind: 'unknown', code, flags, value: Uint8Array.from(value) });
      continue;
    }
    const unwanted = s.unwanted?.(ctx);
    if (unwanted) {
      errors.push(updateError(UpdateSubcode.MalformedAttributeList, unwanted).as(DISCARD, whole));
      continue;
    }
    const a = decodeKnown(s, flags, value, ctx);
    if (!(a instanceof BgpProtocolError)) {
      attributes.push(a);
      continue;
    }
    const e = a.as(s.malformed, whole);
    if (e.handling === RESET) throw e;
    errors.push(e);
  }
  return { attributes, errors };
}
