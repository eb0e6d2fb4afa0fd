// SPDX-License-Identifier: Apache-2.0
/**
 * Which nodes may announce, by their Ready condition: a node the node lifecycle controller marked
 * Unknown (its kubelet stopped posting status) or NotReady hands its addresses to the others, unless no
 * node is Ready at all (the API server unreachable, a cluster-wide kubelet problem), when readiness is
 * ignored so that nothing is withdrawn everywhere at once. Pure.
 */
import type { V1Node } from '@kubernetes/client-node';

/** Ready True, or no Ready condition reported at all. */
export function nodeReady(n: V1Node): boolean {
  const ready = (n.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return !ready || ready.status === 'True';
}

/** The Ready nodes among `nodes`, or all of them when none is Ready. */
export function readyOrAll<T extends V1Node>(nodes: readonly T[]): T[] {
  const ready = nodes.filter(nodeReady);
  return ready.length ? ready : [...nodes];
}
