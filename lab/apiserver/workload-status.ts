// SPDX-License-Identifier: Apache-2.0
/**
 * The status the Deployment and DaemonSet controllers keep: replica and ready counts from the Pods a
 * workload owns (the node agents create and run them), so `kubectl get deploy,ds` and `kubectl rollout
 * status` tell the truth. The counting is pure (workloadStatus); the controller writes what changed.
 */
import type { V1Node, V1PodSpec } from '@kubernetes/client-node';
import { daemonSetNodes } from '../agent/schedule.js';
import type { Api } from './api.js';
import { targetOf, type Controller } from './controllers.js';
import { isRecord, sameJson, type KObject } from './types.js';

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});

interface Owned {
  readonly kind?: string;
  readonly metadata?: { readonly name?: string; readonly uid?: string; readonly ownerReferences?: ReadonlyArray<{ readonly kind: string; readonly name: string; readonly uid?: string }> };
  readonly status?: unknown;
}

/** A Pod's Ready condition is True. */
export function podReady(p: Owned): boolean {
  const conds = rec(p.status).conditions;
  return Array.isArray(conds) && conds.some((c) => rec(c).type === 'Ready' && rec(c).status === 'True');
}

/** The Pods among `pods` that workload `w` owns. */
export function ownedPods<P extends Owned>(w: Owned, pods: readonly P[]): P[] {
  return pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.kind === w.kind && o.name === w.metadata?.name && (!o.uid || o.uid === w.metadata?.uid)));
}

/** The status of a Deployment or DaemonSet from the Pods it owns and the nodes. */
export function workloadStatus(w: KObject, pods: readonly KObject[], nodes: readonly KObject[]): Record<string, number> {
  const owned = ownedPods(w, pods);
  const n = owned.length;
  const r = owned.filter(podReady).length;
  const gen = w.metadata.generation ?? 1;
  if (w.kind === 'DaemonSet') {
    const spec = rec(rec(rec(w.spec).template).spec) as unknown as V1PodSpec;
    const want = daemonSetNodes(spec, nodes as unknown as V1Node[]).length;
    return { observedGeneration: gen, desiredNumberScheduled: want, currentNumberScheduled: n, updatedNumberScheduled: n, numberReady: r, numberAvailable: r, numberMisscheduled: 0, numberUnavailable: Math.max(0, want - r) };
  }
  const want = Number(rec(w.spec).replicas ?? 1);
  return { observedGeneration: gen, replicas: n, updatedReplicas: n, readyReplicas: r, availableReplicas: r, unavailableReplicas: Math.max(0, want - r) };
}

export function workloadStatusController(api: Api): Controller {
  return {
    name: 'workload-status',
    watches: ['pods', 'deployments.apps', 'daemonsets.apps', 'nodes'],
    reconcile() {
      const nodes = api.store.list('nodes');
      for (const [resource, kind] of [['deployments', 'Deployment'], ['daemonsets', 'DaemonSet']] as const) {
        for (const w of api.store.list(`${resource}.apps`)) {
          const ns = w.metadata.namespace ?? '';
          const status = workloadStatus({ ...w, kind }, api.store.list('pods', ns), nodes);
          if (sameJson({ ...rec(w.status), ...status }, rec(w.status))) continue;
          api.update({ ...targetOf(api, 'apps', resource, ns, w.metadata.name ?? ''), subresource: 'status' }, { ...w, status: { ...rec(w.status), ...status } }, {});
        }
      }
    },
  };
}
