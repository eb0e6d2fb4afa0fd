// SPDX-License-Identifier: Apache-2.0
/**
 * The node lifecycle controller: a Node whose kubelet has posted neither a Lease renewal (in
 * kube-node-lease) nor a Ready heartbeat within the grace period gets every condition Unknown
 * ("Kubelet stopped posting node status."), the unreachable taints, and its Pods marked not Ready,
 * so their endpoints leave the Services. A Ready node loses the taints again. The decisions are pure
 * (nodeVerdict, nodeStatusPatch, taintsFor); the controller applies them through the Api.
 */
import type { Api } from './api.js';
import { targetOf, type Controller } from './controllers.js';
import { isRecord, sameJson, type KObject } from './types.js';

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';
const LEASES = 'leases.coordination.k8s.io';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const arr = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(rec) : []);
const ms = (t: unknown): number => (typeof t === 'string' ? Date.parse(t) || 0 : 0);
const stamp = (now: number): string => new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');

/** The last sign of life of a node's kubelet: its Lease renewal or Ready heartbeat, else its creation. */
export function lastHeard(node: KObject, lease: KObject | undefined): number {
  const ready = arr(rec(node.status).conditions).find((c) => c.type === 'Ready');
  return Math.max(ms(rec(lease?.spec).renewTime), ms(ready?.lastHeartbeatTime), ms(node.metadata.creationTimestamp));
}

/** Whether the controller should mark the node Unknown now. */
export function nodeVerdict(node: KObject, lease: KObject | undefined, now: number, graceMs: number): 'heard' | 'silent' {
  return now - lastHeard(node, lease) > graceMs ? 'silent' : 'heard';
}

/** The conditions of a silent node: each Unknown, with the kube-controller-manager's reason and message. */
export function silentConditions(node: KObject, now: number): Record<string, unknown>[] {
  const conds = arr(rec(node.status).conditions);
  const out = conds.map((c) => (c.status === 'Unknown' ? c : { ...c, status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: stamp(now) }));
  if (!conds.some((c) => c.type === 'Ready')) out.push({ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: node.metadata.creationTimestamp, lastTransitionTime: stamp(now) });
  return out;
}

/** The node's taints with the unreachable/not-ready ones as its Ready condition asks. */
export function taintsFor(node: KObject, now: number): Record<string, unknown>[] {
  const ready = arr(rec(node.status).conditions).find((c) => c.type === 'Ready')?.status;
  const key = ready === 'Unknown' ? UNREACHABLE : ready === 'False' ? NOT_READY : undefined;
  const kept = arr(rec(node.spec).taints).filter((t) => (t.key !== UNREACHABLE && t.key !== NOT_READY) || t.key === key);
  if (!key) return kept;
  for (const effect of ['NoSchedule', 'NoExecute']) {
    if (!kept.some((t) => t.key === key && t.effect === effect)) kept.push({ key, effect, ...(effect === 'NoExecute' ? { timeAdded: stamp(now) } : {}) });
  }
  return kept;
}

export function nodeLifecycle(api: Api, graceMs: number): Controller {
  return {
    name: 'node-lifecycle',
    watches: ['nodes', LEASES],
    everyMs: Math.max(200, Math.floor(graceMs / 8)),
    reconcile() {
      const now = api.now();
      for (const node of api.store.list('nodes')) {
        const name = node.metadata.name ?? '';
        const lease = api.store.get(LEASES, NODE_LEASE_NAMESPACE, name);
        const ready = arr(rec(node.status).conditions).find((c) => c.type === 'Ready');
        let current = node;
        if (nodeVerdict(node, lease, now, graceMs) === 'silent' && ready?.status !== 'Unknown') {
          const t = { ...targetOf(api, '', 'nodes', undefined, name), subresource: 'status' };
          current = api.update(t, { ...node, status: { ...rec(node.status), conditions: silentConditions(node, now) } }, {}).object;
          markPodsNotReady(api, name, now);
        }
        const taints = taintsFor(current, now);
        if (!sameJson(taints, arr(rec(current.spec).taints))) {
          const spec = { ...rec(current.spec) };
          if (taints.length) spec.taints = taints;
          else delete spec.taints;
          api.update(targetOf(api, '', 'nodes', undefined, name), { ...current, spec }, {});
        }
      }
    },
  };
}

/** The Pods of a silent node are no longer Ready (their kubelet cannot say otherwise). */
function markPodsNotReady(api: Api, node: string, now: number): void {
  for (const pod of api.store.list('pods')) {
    if (rec(pod.spec).nodeName !== node) continue;
    const conds = arr(rec(pod.status).conditions);
    if (!conds.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
    const next = conds.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: stamp(now) } : c));
    const t = { ...targetOf(api, '', 'pods', pod.metadata.namespace ?? '', pod.metadata.name ?? ''), subresource: 'status' };
    api.update(t, { ...pod, status: { ...rec(pod.status), conditions: next } }, {});
  }
}
