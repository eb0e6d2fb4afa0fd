// SPDX-License-Identifier: Apache-2.0
/** The node agent: the lab's kubelet and kube-proxy. Reads the cluster, runs its pods as processes, holds service IPs. */
import * as fs from 'node:fs';
import { desiredState, type ClusterView, type Desired, type Layout, type Problem, type Unit } from './desired.js';
import type { NodeHeartbeat } from './heartbeat.js';
import { syncServiceIps } from './kubeproxy.js';
import { agentFiles, readJson } from '../state.js';
import type { StaticUnit, Supervisor, UnitStatus } from './supervisor.js';

/** What the agent publishes for `status` and the chaos checker. */
export interface AgentReport {
  readonly pid: number;
  readonly updatedAt: string;
  readonly apiReachable: boolean;
  readonly units: UnitStatus[];
  readonly podNamespaces: string[];
  readonly problems: Problem[];
  readonly serviceIps: string[];
}

/** The reports of every agent of the lab (control plane and nodes) as one: all units, namespaces and problems. */
export function labAgentReport(dir: string): AgentReport | undefined {
  const reports = agentFiles(dir).map((f) => readJson<AgentReport>(f)).filter((r): r is AgentReport => r !== undefined);
  if (!reports.length) return undefined;
  return {
    pid: reports[0]?.pid ?? 0,
    updatedAt: reports.map((r) => r.updatedAt).sort()[0] ?? '',
    apiReachable: reports.every((r) => r.apiReachable),
    units: reports.flatMap((r) => r.units),
    podNamespaces: reports.flatMap((r) => r.podNamespaces),
    problems: reports.flatMap((r) => r.problems),
    serviceIps: [...new Set(reports.flatMap((r) => r.serviceIps))].sort(),
  };
}

export interface AgentOptions {
  /** Reads the cluster; rejects when the API server is unreachable. */
  readonly source: () => Promise<ClusterView>;
  readonly layout: Layout;
  readonly supervisor: Supervisor;
  /** Static pods: always run, on the host. */
  readonly statics: readonly StaticUnit[];
  /** Node namespaces that get the service IPs. */
  readonly nodeNamespaces: readonly string[];
  /** Where to write the AgentReport after each pass. */
  readonly reportFile?: string;
  /**
   * Readies the API side of the pods before they start (Pod objects, service-account credentials): returns
   * the pod units that may start, as they should run, and why others cannot; the Pods of `keep` (running, their
   * slot's turn in a rolling update still to come) stay. Without it pods start as they are.
   */
  readonly admit?: (pods: readonly Unit[], view: ClusterView, keep: readonly Unit[]) => Promise<{ units: Unit[]; problems: Problem[] }>;
  /** Shows the pods' status through the API after each pass. */
  readonly publish?: (units: UnitStatus[]) => Promise<void>;
  /** The kubelet heartbeats (node Lease, Ready) of the nodes this agent serves. */
  readonly heartbeats?: () => readonly NodeHeartbeat[];
}

export class NodeAgent {
  #last: Desired = { units: [], problems: [], held: [], serviceIps: [] };
  /** The units as admitted, kept while the API is unreachable (a kubelet keeps running what it runs). */
  #admitted: Unit[] = [];
  #admitProblems: Problem[] = [];
  #apiReachable = false;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #stopped = false;

  constructor(readonly opts: AgentOptions) {}

  /** One pass: read the cluster (keeping the last state when the API is down, as a kubelet does) and reconcile. */
  async tick(): Promise<void> {
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    // The heartbeats run on their own timer from the first pass on (they start once the API is known).
    for (const hb of this.opts.heartbeats?.() ?? []) hb.start();
    try {
      let view: ClusterView | undefined;
      try {
        view = await this.opts.source();
        const desired = desiredState(view, this.opts.layout);
        const pods = desired.units.filter((u) => u.kind === 'pod');
        // A slot waiting for its turn in a rolling update keeps the pod it runs (as admitted before).
        const keep = this.#admitted.filter((u) => u.pod && desired.held.some((h) => h.ownerUid === u.pod?.owner.uid && h.slot === u.pod.slot));
        const admitted = this.opts.admit ? await this.opts.admit(pods, view, keep) : { units: pods, problems: [] };
        this.#last = desired;
        this.#admitted = [...admitted.units, ...keep, ...desired.units.filter((u) => u.kind !== 'pod')];
        this.#admitProblems = admitted.problems;
        this.#apiReachable = true;
      } catch {
        this.#apiReachable = false;
      }
      const units = [...this.opts.statics, ...this.#admitted];
      const podNs = [...new Set(this.#admitted.filter((u) => u.pod && !u.pod.hostNetwork).map((u) => u.netns))];
      await this.opts.supervisor.reconcile(units, podNs);
      if (this.#apiReachable) {
        for (const ns of this.opts.nodeNamespaces) await syncServiceIps(ns, this.#last.serviceIps).catch(() => undefined);
      }
      if (view && this.opts.publish) await this.opts.publish(this.opts.supervisor.status()).catch(() => undefined);
      this.#writeReport();
    } finally {
      this.#busy = false;
    }
  }

  report(): AgentReport {
    return {
      pid: process.pid,
      updatedAt: new Date().toISOString(),
      apiReachable: this.#apiReachable,
      units: this.opts.supervisor.status(),
      podNamespaces: this.opts.supervisor.podNamespaces(),
      problems: [...this.#last.problems, ...this.#admitProblems],
      serviceIps: this.#last.serviceIps,
    };
  }

  #writeReport(): void {
    if (!this.opts.reportFile) return;
    const tmp = `${this.opts.reportFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.report(), null, 2));
    fs.renameSync(tmp, this.opts.reportFile);
  }

  /** Ticks every `everyMs` until stop(). */
  start(everyMs: number): void {
    const loop = (): void => {
      void this.tick().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(loop, everyMs);
      });
    };
    loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const hb of this.opts.heartbeats?.() ?? []) hb.stop();
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#busy) await new Promise((r) => setTimeout(r, 20));
    await this.opts.supervisor.shutdown();
    this.#writeReport();
  }
}
