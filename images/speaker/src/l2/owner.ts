// SPDX-License-Identifier: Apache-2.0
/**
 * Who announces an address: the preferred node while it is alive and eligible, else the first
 * live eligible node in an order every speaker computes alike. "Alive" is agreed: a node is a
 * candidate only if every speaker we hear hears it too (their heartbeats carry their views). Pure.
 */
import { createHash } from 'node:crypto';

/** Why this node does not announce an address. */
export type NotOwner = 'notOwner' | 'notEligible' | 'noLiveNode';

/** Eligible nodes by sha256(node + "#" + ip), as MetalLB orders its candidates. */
export function fallbackOrder(ip: string, nodes: Iterable<string>): string[] {
  const keyed = [...new Set(nodes)].map((n) => ({ n, h: createHash('sha256').update(`${n}#${ip}`).digest('hex') }));
  keyed.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  return keyed.map((k) => k.n);
}

export interface Election {
  readonly ip: string;
  /** The preferred node (annotation metallb.io/preferredL2SpeakerNode), if any. */
  readonly preferred?: string | undefined;
  /** Nodes allowed to announce: class node selector, and for ETP Local only nodes with ready endpoints. */
  readonly eligible: readonly string[];
  /** Whether a node is alive and has a usable interface for this address. */
  readonly usable: (node: string) => boolean;
}

/** The announcing node, or undefined when no eligible node is usable. */
export function electOwner(e: Election): string | undefined {
  const eligible = new Set(e.eligible);
  if (e.preferred !== undefined && eligible.has(e.preferred) && e.usable(e.preferred)) return e.preferred;
  return fallbackOrder(e.ip, eligible).find((n) => e.usable(n));
}

/** True when `self` announces; else the reason it does not. */
export function shouldAnnounce(e: Election, self: string): true | NotOwner {
  if (!e.eligible.includes(self)) return 'notEligible';
  const owner = electOwner(e);
  if (owner === undefined) return 'noLiveNode';
  return owner === self ? true : 'notOwner';
}

/** What a speaker knows of one peer for the election. */
export interface PeerReport {
  /** We hear it. */
  readonly up: boolean;
  /** It does not decide yet (starting, link just back): no candidate, and its view does not count. */
  readonly holding: boolean;
  /** The peers it hears, itself excluded (from its latest heartbeat). */
  readonly view: readonly string[];
  /** The nodes it elects among (its `candidates`, from its latest heartbeat). */
  readonly cands: readonly string[];
}

/**
 * The nodes that may be elected: ourselves (unless holding) and the peers we hear that are not holding,
 * kept only where every deciding peer we hear hears them too. A node that any live speaker has declared
 * down stops being a candidate for everyone, itself included, so it stands back as soon as it learns it,
 * and all speakers that hear each other elect among the same nodes.
 */
export function candidates(self: string, selfHolding: boolean, peers: ReadonlyMap<string, PeerReport>): Set<string> {
  const live = [...peers].filter(([, p]) => p.up);
  const deciding = live.filter(([, p]) => !p.holding);
  const pool = [...(selfHolding ? [] : [self]), ...deciding.map(([n]) => n)];
  return new Set(pool.filter((n) => deciding.every(([m, p]) => m === n || p.view.includes(n))));
}

/**
 * Whether every deciding peer we hear, electing among the candidates it reported, elects `self` for
 * the address too. Announcing only then turns a disagreement (views not yet exchanged, a peer we hear
 * that does not hear another) into a short gap instead of two nodes answering. `usable` tells whether
 * a node has a link allowed for the address.
 */
export function agreedBy(e: Election, self: string, peers: ReadonlyMap<string, PeerReport>): boolean {
  for (const p of peers.values()) {
    if (!p.up || p.holding) continue;
    const theirs = new Set(p.cands);
    if (electOwner({ ...e, usable: (n) => theirs.has(n) && e.usable(n) }) !== self) return false;
  }
  return true;
}
