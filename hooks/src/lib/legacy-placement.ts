// SPDX-License-Identifier: Apache-2.0
/**
 * Today's placement in the Deckhouse module, kept as the reference for benchmarks and comparisons:
 * nodes sorted by sha256(class + "#" + node), instance i goes to node i mod n. Every Service's
 * instance 0 lands on the same node, and one node joining reshuffles many instances.
 */
import { createHash } from 'node:crypto';
import type { Placement, ServiceDemand } from './placement.js';

/** Nodes in today's order for a class. */
export function legacyNodeOrder(className: string, nodes: readonly string[]): string[] {
  const keyed = nodes.map((n) => [createHash('sha256').update(`${className}#${n}`).digest('hex'), n] as const);
  return keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((k) => k[1]);
}

/** Today's placement: round-robin over the hash-sorted nodes, starting at the first node for every Service. */
export function legacyPlace(className: string, nodes: readonly string[], services: readonly ServiceDemand[]): Placement {
  const order = legacyNodeOrder(className, nodes);
  const out: Placement = new Map();
  if (order.length === 0) return out;
  for (const s of services) out.set(s.key, Array.from({ length: s.count }, (_, i) => order[i % order.length] as string));
  return out;
}
