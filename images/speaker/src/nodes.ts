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

/** Taints that say a node is being taken out of the cluster (not restarted). */
const LEAVING_TAINTS = ['node.kubernetes.io/out-of-service', 'ToBeDeletedByClusterAutoscaler', 'node.kubernetes.io/unschedulable'];

/**
 * Why a speaker told to stop (SIGTERM) goes away for good, from its own Node as the API last showed it; undefined
 * when it comes back on this node (a rolling update replaces it), which is the case unless the Node says
 * otherwise: deleted or being deleted, cordoned (drained), tainted as leaving, or shutting down (the kubelet's
 * graceful node shutdown sets Ready False, "node is shutting down"). `listed`: the node cache holds the
 * cluster's nodes (without it nothing is known, and the stop counts as a restart). Pure.
 */
export function leavingReason(node: V1Node | undefined, listed: boolean): string | undefined {
  if (!listed) return undefined;
  if (!node) return 'its Node is gone';
  if (node.metadata?.deletionTimestamp) return 'its Node is being deleted';
  if (node.spec?.unschedulable) return 'its Node is cordoned (drained)';
  const taint = (node.spec?.taints ?? []).find((t) => LEAVING_TAINTS.includes(t.key));
  if (taint) return `its Node has the taint ${taint.key}`;
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  if (ready && ready.status !== 'True' && /shutting down/i.test(ready.message ?? '')) return 'its Node is shutting down';
  return undefined;
}
