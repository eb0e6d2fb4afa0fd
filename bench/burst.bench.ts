// SPDX-License-Identifier: Apache-2.0
/**
 * Bursts in the lab (4 nodes, the documented L2 class on 3 of them, BIRD): N single-IP L2 Services created at
 * once, until every one has its IP in its status and the client's own kernel resolves it (NDP), against the same
 * N through the BGP path in the same run, until every one has its IP and its route from every node at the router.
 * N = 100 and 1,000 (BURST_SIZES overrides). Besides the times, how the work grows from the smallest N to the
 * largest: the module runtime's hook time and chart render time during the burst, the speakers' CPU and RSS.
 * IPv6, because a burst of 1,000 needs more addresses than a documentation /24 has.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { apiVersionOf, BGP_POOL_ANNOTATION, METAL_LOAD_BALANCER_CLASS, METAL_LOAD_BALANCER_POOL, resourcePath, SDN_INTERNAL_L2LB_SERVICE } from '../lib/api/index.js';
import { eachLimited } from '../lib/each-limited.js';
import { labAgentReport } from '../lab/agent/agent.js';
import { takeDown } from '../lab/cli/down.js';
import { bringUp } from '../lab/cli/up.js';
import { KubeError, type Kube, type KubeObject } from '../lab/kube.js';
import { labKube } from '../lab/observe.js';
import { readJson, readState, writeState, type LabState } from '../lab/state.js';
import { run as runCmd, sleep, spawnDetached } from '../lab/sys.js';
import { nodesOf } from '../lab/topology/plan.js';
import { routerNextHops } from '../lab/topology/router.js';
import type { ResolverReport, ResolverTargets } from '../lab/traffic/resolver.js';
import { runPrefix } from '../test/helpers/netns.js';
import { treeCpuMs, treeRssMiB } from './proc.js';
import { result, type BenchResult } from './result.js';

const NS = 'burst';
const L2_CLASS = 'burst-l2';
const BGP_POOL = 'burst-bgp';
const L2_ADDRESSES = '2001:db8:0:1::1:0/116';
const BGP_ADDRESSES = '2001:db8:0:2::1:0/116';
const BGP_PREFIX = '2001:db8:0:2::1:';
const TIMEOUT_MS = 15 * 60_000;
/** Creates and deletes in flight, as a GitOps tool or `kubectl apply` with parallelism would send them. */
const IN_FLIGHT = 16;

type Path = 'l2' | 'bgp';

/** What the bench adds to the demo: a class and a BGP pool large enough for the bursts. */
function setupObjects(): KubeObject[] {
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
    { apiVersion: apiVersionOf(METAL_LOAD_BALANCER_CLASS), kind: METAL_LOAD_BALANCER_CLASS.kind, metadata: { name: L2_CLASS }, spec: { type: 'L2', addressPool: [L2_ADDRESSES], nodeSelector: { 'node-role.kubernetes.io/frontend': '' } } },
    { apiVersion: apiVersionOf(METAL_LOAD_BALANCER_POOL), kind: METAL_LOAD_BALANCER_POOL.kind, metadata: { name: BGP_POOL }, spec: { addresses: [BGP_ADDRESSES], autoAssign: false } },
  ];
}

/** One single-IP IPv6 Service of a burst. */
export function burstService(p: Path, i: number): KubeObject {
  const name = `${p}-${String(i).padStart(5, '0')}`;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: NS, ...(p === 'bgp' ? { annotations: { [BGP_POOL_ANNOTATION]: BGP_POOL } } : {}) },
    spec: {
      type: 'LoadBalancer',
      ...(p === 'l2' ? { loadBalancerClass: L2_CLASS } : {}),
      ipFamilyPolicy: 'SingleStack',
      ipFamilies: ['IPv6'],
      selector: { app: name },
      ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }],
    },
  };
}

/** The PIDs of the lab's processes, from the node agent's report. */
function processes(state: LabState): { speakers: number[]; others: Record<string, number[]> } {
  const units = labAgentReport(state.dir)?.units ?? [];
  const pids = (f: (u: (typeof units)[number]) => boolean) => units.filter((u) => u.proc && f(u)).map((u) => u.proc?.pid ?? 0);
  return {
    speakers: pids((u) => u.pod?.owner.name === 'speaker'),
    others: { module: pids((u) => u.key === 'static:module'), apiserver: pids((u) => u.key === 'static:apiserver'), controller: pids((u) => u.pod?.owner.name === 'controller') },
  };
}

/** The module runtime's log lines written from `from` to `to` (ms since the epoch). */
function runtimeLog(state: LabState, from: number, to: number): Array<{ msg: string; ms?: number; renderMs?: number }> {
  const file = path.join(state.dir, 'logs', 'static_module.log');
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').flatMap((l) => {
    try {
      const j = JSON.parse(l) as { time?: string; msg: string; ms?: number; renderMs?: number };
      const t = Date.parse(j.time ?? '');
      return t >= from && t <= to ? [j] : [];
    } catch {
      return [];
    }
  });
}

export interface BurstFigures {
  path: Path;
  n: number;
  /** ms from the first create until every Service has its IP and answers (L2: NDP; BGP: routes at the router). */
  doneMs: number;
  /** ms until every Service had its IP in its status. */
  ipsMs: number;
  /** ms the creates took. */
  createMs: number;
  /** CPU ms of the speakers and of the other parts, during the burst. */
  speakerCpuMs: number;
  cpuMs: Record<string, number>;
  speakerRssMiB: number;
  /** The module runtime during the burst: hook runs and their time, chart renders and the longest. */
  hookRuns: number;
  hookMs: number;
  renders: number;
  renderMs: number;
}

async function listIps(kube: Kube, prefix: string): Promise<Map<string, string[]>> {
  const svcs = await kube.list<KubeObject & { status?: { loadBalancer?: { ingress?: { ip?: string }[] } } }>(`/api/v1/namespaces/${NS}/services`);
  const out = new Map<string, string[]>();
  for (const s of svcs) {
    const name = s.metadata?.name ?? '';
    if (name.startsWith(prefix)) out.set(name, (s.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])));
  }
  return out;
}

/** Retries a request the busy API server timed out on; `done` tells an error that means an earlier attempt went through. */
async function retried(fn: () => Promise<unknown>, done: (e: unknown) => boolean = () => false): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await fn();
      return;
    } catch (e) {
      if (attempt > 1 && done(e)) return;
      if (attempt >= 5) throw e;
      await sleep(500 * attempt);
    }
  }
}

function writeTargets(file: string, t: ResolverTargets): void {
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(t));
  fs.renameSync(`${file}.tmp`, file);
}

async function burst(state: LabState, kube: Kube, p: Path, n: number, generation: number, say: (l: string) => void): Promise<BurstFigures> {
  const targets = path.join(state.dir, 'resolver-targets.json');
  const report = path.join(state.dir, 'resolver.json');
  const objs = Array.from({ length: n }, (_, i) => burstService(p, i));
  const procs = processes(state);
  const cpu = () => ({ speakers: procs.speakers.reduce((a, x) => a + treeCpuMs(x), 0), ...Object.fromEntries(Object.entries(procs.others).map(([k, ps]) => [k, ps.reduce((a, x) => a + treeCpuMs(x), 0)])) });
  const cpu0 = cpu();
  const nodes = nodesOf(state.plan).length;
  let rss = 0;
  const t0 = Date.now();
  await eachLimited(objs, IN_FLIGHT, (o) => retried(() => kube.request('POST', `/api/v1/namespaces/${NS}/services`, o), (e) => e instanceof KubeError && e.code === 409));
  const createMs = Date.now() - t0;
  let ipsMs = NaN;
  // address -> when it first answered (L2) or had a route from every node (BGP)
  const answered = new Map<string, number>();
  let lastSay = 0;
  for (;;) {
    const svcs = await listIps(kube, `${p}-`);
    const now = Date.now();
    const ips = [...svcs.values()].flat();
    const withIp = [...svcs.values()].filter((x) => x.length > 0).length;
    if (withIp === n && Number.isNaN(ipsMs)) ipsMs = now - t0;
    if (p === 'l2') {
      writeTargets(targets, { generation, ips });
      const r = readJson<ResolverReport>(report);
      if (r?.generation === generation) for (const ip of ips) if (r.answered[ip] && !answered.has(ip)) answered.set(ip, r.answered[ip]?.[0] ?? now);
    } else {
      const hops = await routerNextHops(state.plan);
      for (const ip of ips) if ((hops.get(`${ip}/128`)?.length ?? 0) >= nodes && !answered.has(ip)) answered.set(ip, now);
    }
    for (const pid of procs.speakers) rss = Math.max(rss, treeRssMiB(pid));
    const done = ips.filter((ip) => answered.has(ip)).length;
    if (now - lastSay > 5000) {
      say(`${p} ${n}: ${((now - t0) / 1000).toFixed(1)} s: ${withIp} with an IP, ${done} ${p === 'l2' ? 'answering' : 'routed'}`);
      lastSay = now;
    }
    if (withIp === n && done === n) break;
    if (now - t0 > TIMEOUT_MS) throw new Error(`${p} burst of ${n}: after ${TIMEOUT_MS} ms ${withIp} have IPs and ${done} answer`);
    await sleep(100);
  }
  const doneMs = Math.max(ipsMs, ...[...answered.values()].map((t) => t - t0));
  const cpu1 = cpu();
  const cpuMs = Object.fromEntries(Object.entries(cpu1).map(([k, v]) => [k, v - (cpu0[k as keyof typeof cpu0] ?? 0)]));
  const log = runtimeLog(state, t0, t0 + doneMs);
  const hooks = log.filter((l) => l.msg === 'hook run');
  const renders = log.filter((l) => l.msg === 'chart applied');
  const f: BurstFigures = {
    path: p, n, doneMs, ipsMs, createMs, cpuMs, speakerCpuMs: cpuMs.speakers ?? 0, speakerRssMiB: rss,
    hookRuns: hooks.length, hookMs: hooks.reduce((a, l) => a + (l.ms ?? 0), 0), renders: renders.length, renderMs: Math.max(0, ...renders.map((l) => l.renderMs ?? 0)),
  };
  say(`${p} ${n}: done in ${doneMs} ms (all IPs at ${ipsMs} ms, created in ${createMs} ms); CPU ms ${JSON.stringify(cpuMs)}; speaker RSS ${rss.toFixed(0)} MiB; ${f.hookRuns} hook runs (${f.hookMs} ms), ${f.renders} renders (longest ${f.renderMs} ms)`);
  await cleanUp(state, kube, objs);
  return f;
}

/** Deletes the burst and waits until its instances and routes are gone, and the client forgot its neighbours. */
async function cleanUp(state: LabState, kube: Kube, objs: readonly KubeObject[]): Promise<void> {
  await eachLimited(objs, IN_FLIGHT, (o) => retried(() => kube.delete(`/api/v1/namespaces/${NS}/services/${o.metadata?.name}`), (e) => e instanceof KubeError && e.code === 404));
  const end = Date.now() + TIMEOUT_MS;
  for (;;) {
    const instances = await kube.list(resourcePath(SDN_INTERNAL_L2LB_SERVICE, NS)).catch(() => [{}]);
    const routes = [...(await routerNextHops(state.plan)).keys()].filter((k) => k.startsWith(BGP_PREFIX)).length;
    if (instances.length === 0 && routes === 0) return;
    if (Date.now() > end) throw new Error(`cleaning up after a burst: ${instances.length} instances and ${routes} routes left`);
    await sleep(500);
  }
}

/** BURST_LOGS=DIR keeps the lab's logs: the module runtime's hook runs and renders, and the pods' (speakers, controllers). */
function keepLogs(dir: string, to: string): void {
  fs.cpSync(path.join(dir, 'logs'), to, { recursive: true });
  const pods = path.join(dir, 'pods');
  if (!fs.existsSync(pods)) return;
  for (const pod of fs.readdirSync(pods)) {
    for (const f of fs.readdirSync(path.join(pods, pod)).filter((x) => x.endsWith('.log'))) fs.copyFileSync(path.join(pods, pod, f), path.join(to, `pod_${pod}_${f}`));
  }
}

export async function runBursts(sizes: readonly number[], paths: readonly Path[], say: (l: string) => void): Promise<BurstFigures[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbu-'));
  const out: BurstFigures[] = [];
  try {
    const { state } = await bringUp({ nodes: 4, router: 'bird', dir, prefix: runPrefix('u'), viewSeconds: 0, timeoutMs: 240_000, headless: true, failover: false, out: say });
    const kube = labKube(state);
    if (!kube) throw new Error('the lab has no API server');
    const file = path.join(dir, 'burst-setup.yaml');
    fs.writeFileSync(file, setupObjects().map((o) => yaml.dump(o)).join('---\n'));
    runCmd('kubectl', ['--kubeconfig', state.api.kubeconfig, 'apply', '-f', file]);
    // The demo's configuration (its peer) advertises the burst pool too: a second configuration would open a second session to the same router.
    runCmd('kubectl', ['--kubeconfig', state.api.kubeconfig, 'patch', 'metalloadbalancerconfiguration', 'edge', '--type', 'json', '-p', JSON.stringify([{ op: 'add', path: '/spec/advertisements/-', value: { poolNames: [BGP_POOL] } }])]);
    const client = state.plan.hosts.find((h) => h.role === 'client');
    if (!client) throw new Error('the plan has no client');
    state.processes.resolver = [spawnDetached('ip', ['netns', 'exec', client.ns, process.execPath, path.join(state.appRoot, 'dist/lab/traffic/resolver.js'), path.join(dir, 'resolver-targets.json'), path.join(dir, 'resolver.json'), '100'], { logFile: path.join(dir, 'logs/resolver.log') })];
    writeState(state);
    // Let the class and the pool reach the controller and the speakers.
    await sleep(5000);
    let generation = 0;
    for (const n of sizes) for (const p of paths) out.push(await burst(state, kube, p, n, ++generation, say));
    return out;
  } finally {
    if (process.env.BURST_LOGS) keepLogs(dir, process.env.BURST_LOGS);
    const s = readState(dir);
    if (s) await takeDown(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const sizes = (process.env.BURST_SIZES ?? '100,1000').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
  const figs = await runBursts(sizes, ['bgp', 'l2'], (l) => console.log(`  ${l}`));
  const of = (p: Path, n: number) => figs.find((f) => f.path === p && f.n === n) as BurstFigures;
  const out: BenchResult[] = [];
  for (const n of sizes) {
    out.push(result(`lab burst: ${n} L2 Services created at once until every one has its IP and answers NDP`, of('l2', n).doneMs, 'ms', of('bgp', n).doneMs, { referenceName: `the same ${n} Services through BGP until every one has its IP and its route from every node at the router, same run` }));
  }
  const [small, large] = [sizes[0] ?? 0, sizes[sizes.length - 1] ?? 0];
  if (large > small) {
    const k = large / small;
    const grow = (name: string, unit: string, get: (f: BurstFigures) => number, p: Path = 'l2') =>
      out.push(result(`lab burst growth: ${name} at ${large} ${p === 'l2' ? 'L2' : 'BGP'} Services`, get(of(p, large)), unit, get(of(p, small)), { referenceName: `the same at ${small} Services (${k}x fewer), same run` }));
    grow('time until all answer', 'ms', (f) => f.doneMs);
    grow('time until all are routed', 'ms', (f) => f.doneMs, 'bgp');
    grow('module runtime hook time', 'ms', (f) => f.hookMs);
    grow('longest chart render', 'ms', (f) => f.renderMs);
    grow('speaker CPU (4 speakers)', 'ms', (f) => f.speakerCpuMs);
    grow('largest speaker RSS', 'MiB', (f) => f.speakerRssMiB);
  }
  return out;
}
