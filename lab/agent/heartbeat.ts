// SPDX-License-Identifier: Apache-2.0
/**
 * The kubelet's heartbeats for its node: the node Lease in kube-node-lease renewed every quarter of its
 * duration, and the Node's Ready condition posted True when it is anything else (after the node
 * lifecycle controller marked it Unknown, say). Stop beating and the Node goes Unknown after the grace.
 */
import type { Kube, KubeObject } from '../kube.js';
import { KubeError } from '../kube.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/**
 * The lab's node Lease duration, also its node grace period: a node whose agent stops goes Unknown this
 * long after its last renewal (kube's defaults are 40 s for both; the lab is shorter so a failure shows).
 */
export const LAB_LEASE_SECONDS = 12;

/** MicroTime, as Leases carry it. */
function micro(now: number): string {
  return `${new Date(now).toISOString().slice(0, -1)}000Z`;
}

/** The node's Lease as the kubelet writes it. Pure. */
export function leaseObject(node: string, durationSeconds: number, now: number): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
    metadata: { name: node, namespace: NODE_LEASE_NAMESPACE, ownerReferences: [] },
    spec: { holderIdentity: node, leaseDurationSeconds: durationSeconds, renewTime: micro(now) },
  } as KubeObject;
}

/** The status patch that posts Ready, or undefined when the node is already Ready. Pure. */
export function readyPatch(node: KubeObject, now: number): Record<string, unknown> | undefined {
  const conds = ((node as { status?: { conditions?: Array<Record<string, unknown>> } }).status?.conditions ?? []);
  const ready = conds.find((c) => c.type === 'Ready');
  if (ready?.status === 'True') return undefined;
  const t = new Date(now).toISOString().replace(/\.\d+Z$/, 'Z');
  const others = conds.filter((c) => c.type !== 'Ready').map((c) => ({ ...c, status: 'False', reason: `KubeletHasSufficient${String(c.type).replace(/Pressure$/, '')}`, lastHeartbeatTime: t, lastTransitionTime: t }));
  return { status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'lab node agent is posting ready status', lastHeartbeatTime: t, lastTransitionTime: t }, ...others] } };
}

/**
 * The heartbeats of one node, on their own timer: a kubelet keeps renewing while it is busy starting pods
 * (unpacking an image, say), so a slow pass never makes its node look dead.
 */
export class NodeHeartbeat {
  #lastRenew = 0;
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy = false;

  constructor(readonly kube: Kube, readonly node: string, readonly leaseSeconds: number, readonly now: () => number = Date.now) {}

  /** Renews the Lease when a quarter of its duration has passed, and posts Ready when the Node is not. */
  async beat(): Promise<void> {
    const now = this.now();
    if (now - this.#lastRenew >= (this.leaseSeconds * 1000) / 4) {
      const path = `/apis/coordination.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/leases`;
      try {
        await this.kube.mergePatch(`${path}/${this.node}`, { spec: { holderIdentity: this.node, leaseDurationSeconds: this.leaseSeconds, renewTime: micro(now) } });
      } catch (e) {
        if (!(e instanceof KubeError) || e.code !== 404) throw e;
        await this.kube.request('POST', path, leaseObject(this.node, this.leaseSeconds, now));
      }
      this.#lastRenew = now;
      const patch = readyPatch(await this.kube.get(`/api/v1/nodes/${this.node}`), now);
      if (patch) await this.kube.mergePatch(`/api/v1/nodes/${this.node}/status`, patch);
    }
  }

  /** Beats every second until stop(); failures (the API away) are retried on the next beat. */
  start(): void {
    this.#timer ??= setInterval(() => {
      if (this.#busy) return;
      this.#busy = true;
      void this.beat().catch(() => undefined).finally(() => (this.#busy = false));
    }, 1000);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
