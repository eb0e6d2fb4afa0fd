// SPDX-License-Identifier: Apache-2.0
/**
 * What the kubelet and the workload controllers would show through the API: a Pod per running pod (phase,
 * readiness, restarts) and the ready counts of Deployments and DaemonSets, so `kubectl get pods,ds` tells
 * the truth about the lab. The object builders are pure; `publish` is the I/O.
 */
import type { V1Pod } from '@kubernetes/client-node';
import type { Kube } from '../kube.js';
import type { ClusterView } from './desired.js';
import { daemonSetNodes } from './schedule.js';
import type { UnitStatus } from './supervisor.js';

/** Label on every Pod the agent publishes, so it finds and prunes exactly its own. */
export const AGENT_LABEL = 'lab.metallb/node-agent';

/** Pods from the agent's units: containers grouped by pod, Running when all of them run. */
export function podObjects(units: readonly UnitStatus[]): V1Pod[] {
  const byPod = new Map<string, UnitStatus[]>();
  for (const u of units) {
    if (!u.pod) continue;
    const k = `${u.pod.namespace}/${u.pod.name}`;
    byPod.set(k, [...(byPod.get(k) ?? []), u]);
  }
  const pods: V1Pod[] = [];
  for (const us of byPod.values()) {
    const p = us[0]?.pod;
    if (!p) continue;
    const running = us.every((u) => u.state === 'running');
    const ready = running && us.every((u) => u.ready);
    pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: p.name,
        namespace: p.namespace,
        labels: { ...p.labels, [AGENT_LABEL]: 'true' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: p.owner.kind, name: p.owner.name, uid: '', controller: true }],
      },
      spec: { nodeName: p.node, hostNetwork: p.hostNetwork, containers: us.map((u) => ({ name: u.pod?.container ?? '', image: u.pod?.container ?? '' })) },
      status: {
        phase: running ? 'Running' : 'Pending',
        podIP: p.podIP,
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: us.map((u) => ({
          name: u.pod?.container ?? '',
          image: u.pod?.container ?? '',
          imageID: '',
          ready: u.ready,
          restartCount: u.restarts,
          state: u.state === 'running' ? { running: {} } : { waiting: { reason: u.restarts ? 'CrashLoopBackOff' : 'ContainerCreating', ...(u.lastExit ? { message: u.lastExit } : {}) } },
        })),
      },
    });
  }
  return pods.sort((a, b) => `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`));
}

/** Status patches for every Deployment and DaemonSet, from the Pods. */
export function workloadStatuses(view: ClusterView, pods: readonly V1Pod[]): Array<{ path: string; status: Record<string, number> }> {
  const owned = (kind: string, ns: string, name: string): V1Pod[] => pods.filter((p) => p.metadata?.namespace === ns && p.metadata.ownerReferences?.[0]?.kind === kind && p.metadata.ownerReferences[0].name === name);
  const readyOf = (ps: V1Pod[]): number => ps.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
  const out: Array<{ path: string; status: Record<string, number> }> = [];
  for (const d of view.deployments) {
    const ns = d.metadata?.namespace ?? 'default';
    const name = d.metadata?.name ?? '';
    const ps = owned('Deployment', ns, name);
    const ready = readyOf(ps);
    out.push({ path: `/apis/apps/v1/namespaces/${ns}/deployments/${name}/status`, status: { observedGeneration: d.metadata?.generation ?? 1, replicas: ps.length, updatedReplicas: ps.length, readyReplicas: ready, availableReplicas: ready, unavailableReplicas: Math.max(0, (d.spec?.replicas ?? 1) - ready) } });
  }
  for (const d of view.daemonSets) {
    const ns = d.metadata?.namespace ?? 'default';
    const name = d.metadata?.name ?? '';
    const ps = owned('DaemonSet', ns, name);
    const ready = readyOf(ps);
    const want = d.spec?.template.spec ? daemonSetNodes(d.spec.template.spec, view.nodes).length : 0;
    out.push({ path: `/apis/apps/v1/namespaces/${ns}/daemonsets/${name}/status`, status: { observedGeneration: d.metadata?.generation ?? 1, desiredNumberScheduled: want, currentNumberScheduled: ps.length, updatedNumberScheduled: ps.length, numberReady: ready, numberAvailable: ready, numberMisscheduled: 0, numberUnavailable: Math.max(0, want - ready) } });
  }
  return out;
}

/** Writes Pods and workload status to the API, skipping what has not changed since the last call. */
export class Publisher {
  readonly #written = new Map<string, string>();

  constructor(readonly kube: Kube) {}

  async publish(view: ClusterView, units: readonly UnitStatus[]): Promise<void> {
    const pods = podObjects(units);
    const existing = await this.kube.list<V1Pod>(`/api/v1/pods?labelSelector=${encodeURIComponent(`${AGENT_LABEL}=true`)}`);
    const want = new Set(pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
    for (const p of existing) {
      const k = `${p.metadata?.namespace}/${p.metadata?.name}`;
      if (!want.has(k)) {
        await this.kube.delete(`/api/v1/namespaces/${p.metadata?.namespace}/pods/${p.metadata?.name}`);
        this.#written.delete(k);
      }
    }
    const have = new Set(existing.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`));
    for (const p of pods) {
      const k = `${p.metadata?.namespace}/${p.metadata?.name}`;
      const base = `/api/v1/namespaces/${p.metadata?.namespace}/pods`;
      if (!have.has(k)) await this.kube.request('POST', base, p);
      const text = JSON.stringify(p.status);
      if (this.#written.get(k) === text && have.has(k)) continue;
      await this.kube.mergePatch(`${base}/${p.metadata?.name}/status`, { status: p.status });
      this.#written.set(k, text);
    }
    for (const w of workloadStatuses(view, pods)) {
      const text = JSON.stringify(w.status);
      if (this.#written.get(w.path) === text) continue;
      await this.kube.mergePatch(w.path, { status: w.status });
      this.#written.set(w.path, text);
    }
  }
}
