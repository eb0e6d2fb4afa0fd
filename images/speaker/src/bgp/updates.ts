// SPDX-License-Identifier: Apache-2.0
/**
 * Builds the UPDATEs that move a peer from what it has to what it should have.
 * Prefixes with equal attributes share one UPDATE (up to 4096 bytes). Pure.
 * @see RFC 4271 §4.3, §9.2; RFC 4760 (IPv6); RFC 4724 §2 (End-of-RIB)
 */
import { familyOf } from '../../../../lib/ip.js';
import type { PathAttribute } from './attributes/index.js';
import { AS_TRANS } from './capabilities/index.js';
import type { LargeCommunity } from '../../../../lib/config/community.js';
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH, type CodecContext } from './messages/header.js';
import { encodeUpdate } from './messages/update.js';
import { Afi, prefixesLength, Safi } from './wire.js';

/** One prefix to announce and the attributes it carries. */
export interface Route {
  readonly prefix: string;
  /** Sent to iBGP peers only (RFC 4271 §5.1.5); 100 when unset. */
  readonly localPref?: number;
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
}

/** What the UPDATEs need to know about the session. */
export interface UpdateContext extends CodecContext {
  readonly localAs: number;
  readonly ibgp: boolean;
  /** Our address on the session: IPv4 NEXT_HOP. */
  readonly nextHop4?: string;
  /** IPv6 next hops: global, then link-local when known. */
  readonly nextHop6?: readonly string[];
}

/** Key of a route's attributes: routes with equal keys share an UPDATE. */
export function attributeKey(r: Route): string {
  return JSON.stringify([familyOf(r.prefix.split('/')[0] ?? ''), r.localPref ?? null, [...r.communities].sort(), [...r.largeCommunities].map(String).sort()]);
}

function pathAttributes(r: Route, c: UpdateContext): PathAttribute[] {
  const attrs: PathAttribute[] = [{ kind: 'origin', value: 0 }];
  if (c.ibgp) {
    attrs.push({ kind: 'asPath', segments: [] }, { kind: 'localPref', value: r.localPref ?? 100 });
  } else if (c.fourOctetAs || c.localAs <= 0xffff) {
    attrs.push({ kind: 'asPath', segments: [{ type: 2, asns: [c.localAs] }] });
  } else {
    // A 2-byte peer sees AS_TRANS, and the real AS travels in AS4_PATH (RFC 6793 §4.2.2).
    attrs.push({ kind: 'asPath', segments: [{ type: 2, asns: [AS_TRANS] }] }, { kind: 'as4Path', segments: [{ type: 2, asns: [c.localAs] }] });
  }
  if (r.communities.length) attrs.push({ kind: 'communities', values: [...r.communities] });
  if (r.largeCommunities.length) attrs.push({ kind: 'largeCommunities', values: [...r.largeCommunities] });
  return attrs;
}

/** Splits prefixes into chunks whose encoding fits `room` bytes. */
function chunks(prefixes: readonly string[], room: number): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let used = 0;
  for (const p of prefixes) {
    const len = prefixesLength([p]);
    if (cur.length && used + len > room) {
      out.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(p);
    used += len;
  }
  if (cur.length) out.push(cur);
  return out;
}

const BUDGET = MAX_MESSAGE_LENGTH - HEADER_LENGTH - 4;

/** UPDATEs that announce `routes` (grouped by attributes). Routes of a family the context has no next hop for are skipped. */
export function announceUpdates(routes: readonly Route[], c: UpdateContext): Buffer[] {
  const groups = new Map<string, Route[]>();
  for (const r of routes) {
    const k = attributeKey(r);
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  const out: Buffer[] = [];
  for (const g of groups.values()) {
    const first = g[0];
    if (!first) continue;
    const v6 = first.prefix.includes(':');
    const attrs = pathAttributes(first, c);
    const prefixes = g.map((r) => r.prefix);
    if (!v6) {
      if (!c.nextHop4) continue;
      const full = [...attrs, { kind: 'nextHop', address: c.nextHop4 } as const];
      const room = BUDGET - encodeUpdate({ withdrawn: [], attributes: full, nlri: [] }, c).length + HEADER_LENGTH + 4;
      for (const nlri of chunks(prefixes, room)) out.push(encodeUpdate({ withdrawn: [], attributes: full, nlri }, c));
    } else {
      if (!c.nextHop6?.length) continue;
      const base = [...attrs, { kind: 'mpReach', afi: Afi.IPv6, safi: Safi.Unicast, nextHops: c.nextHop6, nlri: [] } as const];
      // Leave room for the extended-length attribute header.
      const room = BUDGET - encodeUpdate({ withdrawn: [], attributes: base, nlri: [] }, c).length + HEADER_LENGTH + 4 - 1;
      for (const nlri of chunks(prefixes, room)) {
        out.push(encodeUpdate({ withdrawn: [], attributes: [...attrs, { kind: 'mpReach', afi: Afi.IPv6, safi: Safi.Unicast, nextHops: c.nextHop6, nlri }], nlri: [] }, c));
      }
    }
  }
  return out;
}

/** UPDATEs that withdraw `prefixes` (IPv4 in the withdrawn field, IPv6 in MP_UNREACH). */
export function withdrawUpdates(prefixes: readonly string[], c: CodecContext): Buffer[] {
  const v4 = prefixes.filter((p) => !p.includes(':'));
  const v6 = prefixes.filter((p) => p.includes(':'));
  const out: Buffer[] = [];
  for (const w of chunks(v4, BUDGET)) out.push(encodeUpdate({ withdrawn: w, attributes: [], nlri: [] }, c));
  for (const w of chunks(v6, BUDGET - 4 - 3)) out.push(encodeUpdate({ withdrawn: [], attributes: [{ kind: 'mpUnreach', afi: Afi.IPv6, safi: Safi.Unicast, withdrawn: w }], nlri: [] }, c));
  return out;
}

/** End-of-RIB marker of a family. @see RFC 4724 §2 */
export function endOfRib(family: 'ipv4' | 'ipv6', c: CodecContext): Buffer {
  if (family === 'ipv4') return encodeUpdate({ withdrawn: [], attributes: [], nlri: [] }, c);
  return encodeUpdate({ withdrawn: [], attributes: [{ kind: 'mpUnreach', afi: Afi.IPv6, safi: Safi.Unicast, withdrawn: [] }], nlri: [] }, c);
}

/** What to send to go from `sent` to `want` (by prefix; a changed attribute re-announces). */
export function diffRoutes(sent: ReadonlyMap<string, Route>, want: ReadonlyMap<string, Route>): { announce: Route[]; withdraw: string[] } {
  const announce: Route[] = [];
  const withdraw: string[] = [];
  for (const [p, r] of want) {
    const old = sent.get(p);
    if (!old || attributeKey(old) !== attributeKey(r)) announce.push(r);
  }
  for (const p of sent.keys()) if (!want.has(p)) withdraw.push(p);
  return { announce, withdraw };
}
