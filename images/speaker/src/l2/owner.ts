// SPDX-License-Identifier: Apache-2.0
/**
 * Who announces an address: the preferred node while it is alive and eligible, else the first
 * live eligible node in an order every speaker computes alike. Pure.
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
