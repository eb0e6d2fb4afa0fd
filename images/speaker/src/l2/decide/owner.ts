// SPDX-License-Identifier: Apache-2.0
/**
 * Who announces an address: the first member of its chain (the preferred node, then its backups in
 * an order every speaker computes alike) that is alive and usable. "Alive" is agreed among the
 * chain: a member is a candidate only if no deciding member reports not hearing it. Pure.
 */
import { createHash } from 'node:crypto';
import type { PeerStatus } from '../../health/heartbeat.js';

/** Why this node does not announce an address. */
export type NotOwner = 'notOwner' | 'notEligible' | 'noLiveNode';

/** Nodes by sha256(node + "#" + ip), as MetalLB orders its candidates. */
export function fallbackOrder(ip: string, nodes: Iterable<string>): string[] {
  const keyed = [...new Set(nodes)].map((n) => ({ n, h: createHash('sha256').update(`${n}#${ip}`).digest('hex') }));
  keyed.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  return keyed.map((k) => k.n);
}

export interface Election {
  readonly ip: string;
  /** The nodes that may announce it, in election order (see topology.ts). */
  readonly chain: readonly string[];
  /** Whether a node is alive and has a usable interface for this address. */
  readonly usable: (node: string) => boolean;
}

/** The announcing node, or undefined when no member is usable. */
export function electOwner(e: Election): string | undefined {
  return e.chain.find((n) => e.usable(n));
}

/** True when `self` announces; else the reason it does not. */
export function shouldAnnounce(e: Election, self: string): true | NotOwner {
  if (!e.chain.includes(self)) return 'notEligible';
  const owner = electOwner(e);
  if (owner === undefined) return 'noLiveNode';
  return owner === self ? true : 'notOwner';
}

/** What is known of one node for the election: ours from our own state, a peer's from its latest heartbeat. */
export interface NodeReport {
  /** It does not decide yet (starting, link just back): no candidate, and its reports do not count. */
  readonly holding: boolean;
  /** A deciding peer it hears reports not hearing it. */
  readonly accused: boolean;
  /** It elects itself among its candidates. */
  readonly candidate: boolean;
  /** What it hears of another node (undefined: it does not watch it, or not for long: no opinion). */
  readonly status: (node: string) => PeerStatus | undefined;
  /** A deciding peer it hears reports not hearing that node (passed on, first-hand reports only). */
  readonly accuses: (node: string) => boolean;
  /** That node is one of its candidates. */
  readonly elects: (node: string) => boolean;
}

/** The nodes a report says it hears deciding. */
function deciding(self: string, reports: ReadonlyMap<string, NodeReport>, among: Iterable<string>): string[] {
  const me = reports.get(self);
  return [...among].filter((n) => n !== self && me?.status(n) === 'live');
}

/**
 * What `self` passes on: the nodes a deciding peer it hears reports not hearing (first-hand reports
 * only, so nothing is passed on in a circle), and whether one reports not hearing `self`.
 */
export function accusations(self: string, peers: Iterable<string>, reports: ReadonlyMap<string, NodeReport>): { accused: boolean; accuses: Set<string> } {
  const accuses = new Set<string>();
  let accused = false;
  const names = [...peers];
  for (const k of deciding(self, reports, names)) {
    const r = reports.get(k);
    if (r?.status(self) === 'silent') accused = true;
    for (const n of names) if (n !== k && r?.status(n) === 'silent') accuses.add(n);
  }
  return { accused, accuses };
}

/**
 * The nodes `self` elects among: itself unless holding, and the deciding peers it hears, kept only if
 * no deciding peer it hears reports not hearing them, passes such a report on, or (for a peer) says a
 * peer it hears reports not hearing it. A node any live speaker has declared down stops being a
 * candidate for every speaker that hears it or one that hears the accuser, itself included, so it
 * stands back as soon as it learns it and the members of its chains elect alike.
 */
export function candidates(self: string, peers: Iterable<string>, reports: ReadonlyMap<string, NodeReport>): Set<string> {
  const me = reports.get(self);
  const live = deciding(self, reports, peers);
  const pool = me?.holding !== false ? live : [self, ...live];
  const accused = (n: string): boolean => (n !== self && reports.get(n)?.accused === true) || live.some((k) => k !== n && (reports.get(k)?.status(n) === 'silent' || reports.get(k)?.accuses(n) === true));
  return new Set(pool.filter((n) => !accused(n)));
}

/**
 * Whether every deciding member of the chain `self` hears, electing among the candidates it reported,
 * elects `self` too. Announcing only then turns a disagreement (reports not yet exchanged, a member
 * that does not hear another) into a short gap instead of two nodes answering. `usable` tells whether
 * a node has a link allowed for the address.
 */
export function agreedBy(e: Election, self: string, reports: ReadonlyMap<string, NodeReport>): boolean {
  for (const m of deciding(self, reports, e.chain)) {
    const r = reports.get(m);
    const theirs = (n: string): boolean => (n === m ? r?.candidate === true : r?.elects(n) === true);
    if (electOwner({ ...e, usable: (n) => theirs(n) && e.usable(n) }) !== self) return false;
  }
  return true;
}
