// SPDX-License-Identifier: Apache-2.0
/** Reads what the lab shows: Services from the API, the client's neighbour table, the router's next hops, client traffic. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { V1DaemonSet, V1Deployment, V1Pod, V1Service } from '@kubernetes/client-node';
import { BGP_POOL_ANNOTATION, CLASS_ANNOTATION, COUNT_ANNOTATION } from '../lib/api/index.js';
import { labAgentReport, type AgentReport } from './agent/agent.js';
import { ownedPods, podReady } from './apiserver/workload-status.js';
import { Kube } from './kube.js';
import { proberFile, readJson, type LabState } from './state.js';
import { runAsync } from './sys.js';
import { nodesOf, primaryAddrs } from './topology/plan.js';
import { routerNextHops } from './topology/router.js';
import type { ProberReport, Target } from './traffic/prober.js';
import type { Observation, ServiceInfo } from './view/table.js';

/** How the lab reads a Service: its mode, how many IPs it asked for, and the IPs it has. */
export function serviceInfo(s: V1Service): ServiceInfo {
  const ann = s.metadata?.annotations ?? {};
  const cls = s.spec?.loadBalancerClass ?? ann[CLASS_ANNOTATION];
  const bgp = !cls || ann[BGP_POOL_ANNOTATION] !== undefined;
  const count = Number(ann[COUNT_ANNOTATION] ?? '1');
  const families = s.spec?.ipFamilies?.length ?? 1;
  return {
    namespace: s.metadata?.namespace ?? 'default',
    name: s.metadata?.name ?? '',
    mode: bgp ? 'BGP' : `L2 ${cls}`,
    wanted: bgp ? families : Number.isInteger(count) && count > 0 ? count : 1,
    ips: (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter((ip) => ip !== ''),
  };
}

/**
 * What keeps the module's workloads from being rolled out, as `kubectl rollout status` would say it: a
 * workload whose status is behind its spec, fewer Ready Pods than it wants, or a Pod still terminating. Pure.
 */
export function rolloutPending(workloads: ReadonlyArray<V1DaemonSet | V1Deployment>, pods: readonly V1Pod[]): string[] {
  const out: string[] = [];
  for (const w of workloads) {
    const name = `${w.kind ?? 'workload'} ${w.metadata?.name ?? ''}`;
    const owned = ownedPods(w, pods);
    if ((w.status?.observedGeneration ?? 0) < (w.metadata?.generation ?? 1)) out.push(`${name}: status not observed yet`);
    const want = 'desiredNumberScheduled' in (w.status ?? {}) ? (w as V1DaemonSet).status?.desiredNumberScheduled ?? 0 : (w as V1Deployment).spec?.replicas ?? 1;
    const ready = owned.filter((p) => !p.metadata?.deletionTimestamp && podReady(p)).length;
    if (ready < want) out.push(`${name}: ${ready}/${want} Pods ready`);
    const leaving = owned.filter((p) => p.metadata?.deletionTimestamp).length;
    if (leaving) out.push(`${name}: ${leaving} Pod(s) terminating`);
    if (owned.length > want) out.push(`${name}: ${owned.length} Pods for ${want} wanted`);
  }
  return out;
}

/** rolloutPending for the workloads of each namespace, read from the API server. */
export async function rolloutsPending(kube: Kube, namespaces: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const ns of namespaces) {
    const [daemonSets, deployments, pods] = await Promise.all([
      kube.list<V1DaemonSet>(`/apis/apps/v1/namespaces/${ns}/daemonsets`),
      kube.list<V1Deployment>(`/apis/apps/v1/namespaces/${ns}/deployments`),
      kube.list<V1Pod>(`/api/v1/namespaces/${ns}/pods`),
    ]);
    const workloads = [...daemonSets.map((d) => ({ ...d, kind: 'DaemonSet' })), ...deployments.map((d) => ({ ...d, kind: 'Deployment' }))];
    out.push(...rolloutPending(workloads, pods).map((p) => `${ns}/${p}`));
  }
  return out;
}

/** The prober's targets: every Service IP on its first TCP port. */
export function targetsOf(services: readonly V1Service[]): Target[] {
  const out: Target[] = [];
  for (const s of services) {
    if (s.spec?.type !== 'LoadBalancer') continue;
    const port = (s.spec.ports ?? []).find((p) => (p.protocol ?? 'TCP') === 'TCP')?.port;
    if (!port) continue;
    for (const i of s.status?.loadBalancer?.ingress ?? []) if (i.ip) out.push({ ip: i.ip, port, service: `${s.metadata?.namespace}/${s.metadata?.name}` });
  }
  return out.sort((a, b) => a.ip.localeCompare(b.ip));
}

/** MAC and address of every node -> node name. */
export function nodeNames(state: LabState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of nodesOf(state.plan)) {
    const name = h.nodeName ?? h.ns;
    for (const i of h.ifaces) out[i.mac] = name;
    const a = primaryAddrs(h);
    out[a.v4] = name;
    out[a.v6] = name;
  }
  return out;
}

export async function clientNeighbours(state: LabState): Promise<Record<string, string>> {
  const client = state.plan.hosts.find((h) => h.role === 'client');
  if (!client) return {};
  const out: Record<string, string> = {};
  for (const fam of ['-4', '-6']) {
    const text = await runAsync('ip', ['-n', client.ns, fam, '-j', 'neigh', 'show', 'dev', 'eth0']).catch(() => '[]');
    for (const n of JSON.parse(text || '[]') as Array<{ dst: string; lladdr?: string; state?: string[] }>) {
      if (n.lladdr && !(n.state ?? []).includes('FAILED')) out[n.dst] = n.lladdr;
    }
  }
  return out;
}

/** A client for the lab's API server, or undefined while it has not written its kubeconfig. */
export function labKube(state: LabState): Kube | undefined {
  if (!fs.existsSync(state.api.kubeconfig)) return undefined;
  return Kube.fromKubeconfig(state.api.kubeconfig);
}

export interface Snapshot {
  readonly observation: Observation;
  readonly services: V1Service[];
  readonly agent?: AgentReport;
  readonly prober?: ProberReport;
  readonly apiError?: string;
}

/** One look at the lab. Also refreshes the prober's target list. */
export async function snapshot(state: LabState): Promise<Snapshot> {
  let services: V1Service[] = [];
  let apiError: string | undefined;
  try {
    const kube = labKube(state);
    if (!kube) throw new Error('the API server has not started yet');
    services = (await kube.list<V1Service>('/api/v1/services')).filter((s) => s.spec?.type === 'LoadBalancer');
    const targets = JSON.stringify(targetsOf(services));
    const tf = path.join(state.dir, 'targets.json');
    if (!fs.existsSync(tf) || fs.readFileSync(tf, 'utf8') !== targets) fs.writeFileSync(tf, targets);
  } catch (e) {
    apiError = (e as Error).message;
  }
  const [neighbours, hops] = await Promise.all([clientNeighbours(state), routerNextHops(state.plan).catch(() => new Map<string, string[]>())]);
  const prober = readJson<ProberReport>(proberFile(state.dir));
  const agent = labAgentReport(state.dir);
  const traffic: Observation['traffic'] = Object.fromEntries((prober?.targets ?? []).map((t) => {
    const last = t.outages[t.outages.length - 1];
    return [t.ip, { rps: t.rps, nodes: t.nodes, outages: t.outages.length, ...(last ? { lastOutageMs: last.ms } : {}) }];
  }));
  const observation: Observation = { at: Date.now(), services: services.map(serviceInfo), neighbours, nextHops: Object.fromEntries(hops), traffic, nodeOf: nodeNames(state) };
  return { observation, services, ...(agent ? { agent } : {}), ...(prober ? { prober } : {}), ...(apiError ? { apiError } : {}) };
}
