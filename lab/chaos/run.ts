// SPDX-License-Identifier: Apache-2.0
/** Runs chaos against a running lab: injects faults at a set rate, samples the invariants, checks leaks, summarises. */
import * as fs from 'node:fs';
import type { V1Service } from '@kubernetes/client-node';
import { apiVersionOf, COUNT_ANNOTATION, METAL_LOAD_BALANCER_CLASS, resourcePath } from '../../lib/api/index.js';
import { labAgentReport, type AgentReport } from '../agent/agent.js';
import type { Kube } from '../kube.js';
import { labKube, serviceInfo } from '../observe.js';
import { type LabState } from '../state.js';
import { alive, listNamespaces, runAsync, signal, sleep } from '../sys.js';
import { setPort } from '../topology/netns.js';
import { nodeByName, nodesOf } from '../topology/plan.js';
import { applyToWorld, CHAOS_CLASS, describeFault, pickFault, rng, type ChaosWorld, type Fault } from './faults.js';
import { InvariantChecker, type ChaosSample, type ChaosSummary } from './invariants.js';

export interface ChaosOptions {
  readonly minutes: number;
  /** Faults per minute. */
  readonly rate: number;
  readonly seed: number;
  /** Longest tolerated double announcement, ms. */
  readonly failoverMs: number;
  /** Longest tolerated time without convergence, ms. */
  readonly convergeMs: number;
  readonly out: (line: string) => void;
}

const CLASSES = resourcePath(METAL_LOAD_BALANCER_CLASS);
const SERVICES = '/api/v1/namespaces/default/services';

function agentReport(state: LabState): AgentReport | undefined {
  return labAgentReport(state.dir);
}

function unit(state: LabState, match: (u: AgentReport['units'][number]) => boolean): AgentReport['units'][number] | undefined {
  return agentReport(state)?.units.find((u) => u.state === 'running' && u.proc && match(u));
}

async function applyFault(state: LabState, kube: Kube, f: Fault): Promise<string> {
  switch (f.kind) {
    case 'kill-speaker':
    case 'kill-controller':
    case 'kill-module':
    case 'restart-apiserver': {
      const u = f.kind === 'kill-speaker' ? unit(state, (x) => x.pod?.container === 'speaker' && x.pod.node === f.node)
        : f.kind === 'kill-controller' ? unit(state, (x) => x.pod?.container === 'controller')
        : unit(state, (x) => x.key === (f.kind === 'kill-module' ? 'static:module' : 'static:apiserver'));
      if (!u?.proc) return 'no such process running';
      signal(u.proc, f.kind === 'restart-apiserver' ? 'SIGTERM' : 'SIGKILL');
      return `pid ${u.proc.pid}`;
    }
    case 'link-down':
    case 'link-up':
      setPort(state.plan, nodeByName(state.plan, f.node), f.kind === 'link-up');
      return '';
    case 'service-create':
      await kube.request('POST', SERVICES, {
        apiVersion: 'v1', kind: 'Service',
        metadata: { name: f.name, namespace: 'default', annotations: { [COUNT_ANNOTATION]: String(f.count) } },
        spec: { type: 'LoadBalancer', loadBalancerClass: f.cls, selector: { app: f.name }, ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] },
      });
      return '';
    case 'service-edit':
      await kube.mergePatch(`${SERVICES}/${f.name}`, { metadata: { annotations: { [COUNT_ANNOTATION]: String(f.count) } } });
      return '';
    case 'service-delete':
      await kube.delete(`${SERVICES}/${f.name}`);
      return '';
    case 'class-create':
      await kube.apply(CLASSES, { apiVersion: apiVersionOf(METAL_LOAD_BALANCER_CLASS), kind: METAL_LOAD_BALANCER_CLASS.kind, metadata: { name: CHAOS_CLASS }, spec: { type: 'L2', addressPool: ['192.0.2.150-192.0.2.169'], nodeSelector: { 'node-role.kubernetes.io/frontend': '' } } });
      return '';
    case 'class-edit':
      await kube.mergePatch(`${CLASSES}/${CHAOS_CLASS}`, { spec: { nodeSelector: f.allNodes ? null : { 'node-role.kubernetes.io/frontend': '' } } });
      return '';
    case 'class-delete':
      await kube.delete(`${CLASSES}/${CHAOS_CLASS}`);
      return '';
  }
}

/** MACs answering an ARP probe for `ip` from the client. */
async function arpOwners(client: string, ip: string): Promise<string[]> {
  const out = await runAsync('ip', ['netns', 'exec', client, 'arping', '-c', '1', '-w', '0.4', '-i', 'eth0', ip], 5000).catch((e: Error) => e.message);
  return [...out.matchAll(/bytes from ([0-9a-f:]{17})/g)].map((m) => m[1] ?? '');
}

async function sampleOnce(state: LabState, kube: Kube): Promise<ChaosSample | undefined> {
  let services: V1Service[];
  try {
    services = (await kube.list<V1Service>('/api/v1/services')).filter((s) => s.spec?.type === 'LoadBalancer');
  } catch {
    return undefined;
  }
  const infos = services.map(serviceInfo);
  const client = state.plan.hosts.find((h) => h.role === 'client')?.ns ?? '';
  const v4 = infos.filter((s) => s.mode.startsWith('L2')).flatMap((s) => s.ips).filter((ip) => !ip.includes(':'));
  const macs = Object.fromEntries(await Promise.all(v4.map(async (ip) => [ip, await arpOwners(client, ip)] as const)));
  return { at: Date.now(), services: infos.map((s) => ({ key: `${s.namespace}/${s.name}`, wanted: s.wanted, ips: s.ips })), macs };
}

/** The parent of a process, from /proc (undefined once it is gone). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** Whether a process is one of `known` or a child of one (a speaker's capture helper); an orphan is not. */
function descendsFrom(pid: number, known: ReadonlySet<number>): boolean {
  for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 32; p = parentOf(p), hops++) if (known.has(p)) return true;
  return false;
}

/** Processes in the lab's namespaces that nobody accounts for, namespaces with the prefix nobody made, and runaway memory. */
async function findLeaks(state: LabState, rssBefore: Map<number, number>): Promise<string[]> {
  const leaks: string[] = [];
  const report = agentReport(state);
  const known = new Set([...Object.values(state.processes).flat(), ...(report?.units ?? []).flatMap((u) => (u.proc ? [u.proc] : []))].filter(alive).map((p) => p.pid));
  const ours = new Set([...state.plan.hosts.map((h) => h.ns), ...(report?.podNamespaces ?? [])]);
  for (const ns of listNamespaces().filter((n) => n.startsWith(state.plan.prefix))) if (!ours.has(ns)) leaks.push(`namespace ${ns} is not the lab's`);
  const strays = async (): Promise<Set<string>> => {
    const out = new Set<string>();
    for (const ns of ours) {
      const pids = (await runAsync('ip', ['netns', 'pids', ns]).catch(() => '')).split('\n').filter(Boolean).map(Number);
      for (const pid of pids) if (!descendsFrom(pid, known)) out.add(`${pid} in ${ns}`);
    }
    return out;
  };
  const first = await strays();
  await sleep(2000);
  const second = await strays();
  for (const s of first) if (second.has(s)) leaks.push(`process ${s} is not one the lab runs: ${fs.readFileSync(`/proc/${s.split(' ')[0]}/cmdline`, 'utf8').replace(/\0/g, ' ').trim()}`);
  for (const [pid, before] of rssBefore) {
    const after = rss(pid);
    if (after !== undefined && after > before * 2 + 64 * 1024) leaks.push(`process ${pid} grew from ${Math.round(before / 1024)} to ${Math.round(after / 1024)} MiB`);
  }
  return leaks;
}

/** Resident memory of a PID, KiB. */
function rss(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs the chaos and returns the summary; the lab is put back (links up, chaos objects removed) afterwards. */
export async function runChaos(state: LabState, o: ChaosOptions): Promise<ChaosSummary> {
  const kube = labKube(state);
  if (!kube) throw new Error('the lab has no API server kubeconfig yet');
  const r = rng(o.seed);
  const checker = new InvariantChecker(o.failoverMs, o.convergeMs);
  const rssBefore = new Map((agentReport(state)?.units ?? []).filter((u) => u.pod && u.proc).flatMap((u) => { const v = rss(u.proc?.pid ?? 0); return v === undefined || !u.proc ? [] : [[u.proc.pid, v] as const]; }));
  let world: ChaosWorld = { nodes: nodesOf(state.plan).map((n) => n.nodeName ?? ''), linksDown: [], services: [], chaosClass: false, serial: 0 };
  const start = Date.now();
  const end = start + o.minutes * 60_000;
  const every = 60_000 / o.rate;
  let next = start + every;
  try {
    while (Date.now() < end) {
      if (Date.now() >= next) {
        const f = pickFault(world, r);
        next += every;
        try {
          const note = await applyFault(state, kube, f);
          checker.fault(Date.now(), f.kind);
          world = applyToWorld(world, f);
          o.out(`${((Date.now() - start) / 1000).toFixed(1).padStart(6)} s  ${describeFault(f)}${note ? ` (${note})` : ''}`);
        } catch (e) {
          o.out(`${((Date.now() - start) / 1000).toFixed(1).padStart(6)} s  ${describeFault(f)} could not be injected: ${(e as Error).message}`);
        }
      }
      const s = await sampleOnce(state, kube);
      if (s) checker.add(s);
      await sleep(250);
    }
  } finally {
    for (const n of world.linksDown) setPort(state.plan, nodeByName(state.plan, n), true);
  }
  o.out('chaos over: links restored; waiting for the lab to settle');
  let last: ChaosSample | undefined;
  const settle = Date.now() + o.convergeMs;
  while (Date.now() < settle) {
    last = await sampleOnce(state, kube);
    if (last) {
      checker.add(last);
      if (last.services.every((x) => x.ips.length === x.wanted)) break;
    }
    await sleep(500);
  }
  const leaks = await findLeaks(state, rssBefore);
  const summary = checker.finish(last ?? { at: Date.now(), services: [], macs: {} }, leaks);
  for (const svc of world.services) await kube.delete(`${SERVICES}/${svc.name}`).catch(() => undefined);
  if (world.chaosClass) await kube.delete(`${CLASSES}/${CHAOS_CLASS}`).catch(() => undefined);
  return summary;
}

/** The summary as text. */
export function summaryText(s: ChaosSummary): string {
  const conv = [...s.convergence].sort((a, b) => a - b);
  const q = (p: number): number => conv[Math.min(conv.length - 1, Math.floor(p * conv.length))] ?? NaN;
  const lines = [
    `faults injected: ${Object.values(s.faults).reduce((a, b) => a + b, 0)} (${Object.entries(s.faults).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'})`,
    `convergence after a fault: ${conv.length ? `min ${conv[0]} ms, median ${q(0.5)} ms, max ${conv[conv.length - 1]} ms (n=${conv.length})` : 'no samples'}`,
    `samples: ${s.samples}`,
    `violations: ${s.violations.length}`,
    ...s.violations.map((v) => `  ${new Date(v.at).toISOString()} ${v.invariant}: ${v.detail}`),
  ];
  return lines.join('\n');
}
