// SPDX-License-Identifier: Apache-2.0
/**
 * Controller at scale against the embedded API server: N Services with 1-3 L2 instances each
 * (instance i of Service s exists for i < s mod 3 + 1). The controller runs as its own process, as in
 * a cluster; the API server runs here. Figures:
 *  - time from controller start until every instance status is written (and writes/s), vs a bare client
 *    loop that lists the instances and writes precomputed statuses with the same client and concurrency;
 *  - the CPU time each of them and the API server spent in that window, per status: on a busy machine
 *    the wall time follows the other tenants, the CPU time much less;
 *  - the controller's peak RSS and its time per status at 2.5k / 5k / 10k / 50k Services (reference: 2.5k), to show
 *    how both grow (the bare loop is compared at 10k);
 *  - allocator operations per second (in this process), vs plain Map inserts of the same addresses;
 *  - a burst: the controller running and leading over an empty cluster while the largest set of Services and
 *    instances is created at once, until every status is written, against its start over the same objects
 *    already there: the work queue under a burst of creations as against one full resync.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { apiVersionOf, NAMESPACE, SDN_INTERNAL_L2LB_SERVICE as INSTANCES } from '../lib/api/index.js';
import { formatIpNumber } from '../lib/ip.js';
import { startApiServer, type ApiServer } from '../lab/apiserver/index.js';
import { BENCH_SERVICE_NETWORK } from './services.js';
import { Allocator } from '../images/controller/src/ipam/allocator.js';
import type { Claim } from '../images/controller/src/ipam/claim.js';
import { poolFromSpec } from '../lib/config/pool.js';
import { apiClient } from '../images/controller/src/k8s.js';
import { result, type BenchResult } from './result.js';
import { APP_DIR, loadContents } from '../scripts/images/contents.js';

const ROOT = path.resolve(__dirname, '../..');
const POOL = '2001:db8:0:1::/108';

interface Setup {
  server: ApiServer;
  dir: string;
  total: number;
}

/** A fresh API server with the CRDs, the pool, and N Services with their instances (created in-process, unless `empty`). */
async function setup(n: number, empty = false): Promise<Setup> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-bench-ctl-'));
  const server = await startApiServer({ kubeconfigPath: path.join(dir, 'kubeconfig'), historyWindow: 200_000 });
  const api = server.api;
  const crdType = api.find('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
  if (!crdType) throw new Error('the API server has no CRD type');
  for (const f of ['crds/internal/l2lbservices.yaml', 'crds/native/ipaddresspools.yaml']) {
    api.create({ type: crdType, version: 'v1' }, yaml.load(fs.readFileSync(path.join(ROOT, f), 'utf8')), {});
  }
  const nsType = api.find('', 'v1', 'namespaces');
  const poolType = api.find('metallb.io', 'v1beta1', 'ipaddresspools');
  if (!nsType || !poolType) throw new Error('the API server lacks a type the bench needs');
  for (const name of ['d8-metallb', 'bench']) api.create({ type: nsType, version: 'v1' }, { metadata: { name } }, {});
  api.create({ type: poolType, version: 'v1beta1', namespace: 'd8-metallb' }, {
    apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool',
    metadata: { name: 'bench', namespace: 'd8-metallb', labels: { heritage: 'deckhouse', module: 'metallb', app: 'l2' } },
    spec: { addresses: [POOL] },
  }, {});
  const setup: Setup = { server, dir, total: instancesOf(n) };
  if (!empty) createServices(setup, n);
  return setup;
}

/** Instances of N Services: instance i of Service s exists for i < s mod 3 + 1. */
function instancesOf(n: number): number {
  let total = 0;
  for (let s = 0; s < n; s++) total += (s % 3) + 1;
  return total;
}

/** Creates N Services and their instances, in-process. */
function createServices(setup: Setup, n: number): void {
  const api = setup.server.api;
  const svcType = api.find('', 'v1', 'services');
  const instType = api.find(INSTANCES.group, INSTANCES.version, INSTANCES.plural);
  if (!svcType || !instType) throw new Error('the API server lacks a type the bench needs');
  const ports = [{ protocol: 'TCP', port: 80 }];
  for (let s = 0; s < n; s++) {
    const name = `svc-${s}`;
    api.create({ type: svcType, version: 'v1', namespace: 'bench' }, { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'bench' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'bench', ...BENCH_SERVICE_NETWORK, ports } }, {});
    for (let i = 0; i < (s % 3) + 1; i++) {
      api.create({ type: instType, version: INSTANCES.version, namespace: 'bench' }, {
        apiVersion: apiVersionOf(INSTANCES), kind: INSTANCES.kind,
        metadata: { name: `${name}-bench-${i}`, namespace: 'bench', labels: { 'parent-service': name }, annotations: { 'metallb.io/address-pool': 'bench' } },
        spec: { type: 'LoadBalancer', loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io', serviceRef: { name, namespace: 'bench' }, ports },
      }, {});
    }
  }
}

/** Resolves with ms since `start` once `total` instances have a status ingress (counted from a watch). */
function statusesWritten(s: Setup, start: () => number): { done: Promise<number>; count: () => number; cancel: () => void } {
  const type = s.server.api.find(INSTANCES.group, INSTANCES.version, INSTANCES.plural);
  if (!type) throw new Error('no instance type');
  const seen = new Set<string>();
  let cancel = (): void => undefined;
  const done = new Promise<number>((resolve) => {
    cancel = s.server.api.watch({ type, version: INSTANCES.version }, undefined, {}, (ev, o) => {
      const ingress = (o as { status?: { loadBalancer?: { ingress?: unknown[] } } }).status?.loadBalancer?.ingress ?? [];
      if (ev === 'MODIFIED' && ingress.length) seen.add(o.metadata.name ?? '');
      if (seen.size >= s.total) resolve(performance.now() - start());
    });
  });
  return { done, count: () => seen.size, cancel: () => cancel() };
}

/** Peak resident set of a process, in MiB. */
function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m?.[1] ? Number(m[1]) / 1024 : NaN;
}

/** User + system CPU seconds a process has used (clock ticks of /proc/PID/stat at USER_HZ 100). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** CPU seconds of this process (the API server's), user + system. */
function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** One timed run: `ms` is undefined when the deadline came first. */
interface Run {
  ms: number | undefined;
  written: number;
  total: number;
  /** Statuses written per second. */
  rate: number;
  /** From the child's first line to the last status (or the deadline). */
  elapsedMs: number;
  rssMiB: number;
  /** CPU seconds of the child and of the API server from the child's first line to the end. */
  cpu: number;
  serverCpu: number;
  /** 1-minute load average at the end: how busy the machine was. */
  load: number;
}

/** Each run stops here at the latest (4 ms per Service, at least this), so the bench stays bounded on a busy machine. */
const DEADLINE_MS = Number(process.env.CONTROLLER_BENCH_DEADLINE_MS ?? 40_000);
const deadlineFor = (services: number): number => Math.max(DEADLINE_MS, services * 4);

/** Resolves once the controller holds the Lease. */
async function leading(s: Setup): Promise<void> {
  const type = s.server.api.find('coordination.k8s.io', 'v1', 'leases');
  if (!type) throw new Error('the API server has no Lease type');
  for (;;) {
    try {
      const lease = s.server.api.get({ type, version: 'v1', namespace: 'd8-metallb', name: 'metallb-controller' }) as { spec?: { holderIdentity?: string } };
      if (lease.spec?.holderIdentity === CONTROLLER_ENV.POD_NAME) return;
    } catch {
      // not there yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs a child until all statuses are written or the deadline; times from the child's first stdout line
 * (it prints one once its modules are loaded, so the figure leaves out Node's start-up), or with `burst`, from
 * when the burst starts, once the child leads.
 */
async function timeChild(s: Setup, args: string[], env: NodeJS.ProcessEnv, deadlineMs: number, burst?: () => void): Promise<Run> {
  let start = performance.now();
  let cpu0 = 0;
  let serverCpu0 = ownCpuSeconds();
  const w = statusesWritten(s, () => start);
  const child = spawn(process.execPath, args, { env: { ...process.env, KUBECONFIG: path.join(s.dir, 'kubeconfig'), ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.once('data', () => {
    const begin = (): void => {
      start = performance.now();
      cpu0 = cpuSeconds(child.pid ?? 0);
      serverCpu0 = ownCpuSeconds();
    };
    if (!burst) return begin();
    void leading(s).then(() => {
      begin();
      burst();
    });
  });
  child.stdout.resume();
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`))));
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), deadlineMs)));
  try {
    const ms = await Promise.race([w.done, exited, deadline]);
    const elapsed = ms ?? performance.now() - start;
    const pid = child.pid ?? 0;
    return {
      ms, written: w.count(), total: s.total, rate: w.count() / (elapsed / 1000), elapsedMs: elapsed, rssMiB: peakRssMiB(pid),
      cpu: cpuSeconds(pid) - cpu0, serverCpu: ownCpuSeconds() - serverCpu0, load: os.loadavg()[0] ?? NaN,
    };
  } finally {
    clearTimeout(timer);
    w.cancel();
    child.kill('SIGKILL');
  }
}

async function teardown(s: Setup): Promise<void> {
  await s.server.close();
  fs.rmSync(s.dir, { recursive: true, force: true });
}

/** The controller as its image runs it: images/contents.yaml's command, /app being this repository. */
const CONTROLLER = ((): string[] => {
  const [node, ...args] = loadContents(ROOT).images.controller?.entrypoint ?? [];
  if (node !== 'node') throw new Error('images/contents.yaml: the controller does not run under node');
  return args.map((a) => a.replace(`${APP_DIR}/`, `${ROOT}/`));
})();
const CONTROLLER_ENV = { POD_NAME: 'bench-controller', POD_NAMESPACE: NAMESPACE, METRICS_PORT: '0', LOG_LEVEL: 'info' };

/** The reference writer: list instances, then write precomputed statuses, 64 in flight (the controller's default). */
async function bareWriter(): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const api = apiClient(kc, CustomObjectsApi);
  console.log('bare writer starting');
  const list = (await api.listNamespacedCustomObject({ ...INSTANCES, namespace: 'bench' })) as { items: Array<{ metadata: { name: string } }> };
  const items = list.items;
  let next = 0;
  const base = 0x20010db8000000010000000000000000n;
  await Promise.all(Array.from({ length: 64 }, async () => {
    for (let i = next++; i < items.length; i = next++) {
      const o = items[i];
      if (!o) continue;
      const body = { ...o, status: { loadBalancer: { ingress: [{ ip: formatIpNumber(base + BigInt(i), 6) }] } } };
      await api.replaceNamespacedCustomObjectStatus({ ...INSTANCES, namespace: 'bench', name: o.metadata.name, body });
    }
  }));
}

/** Allocator ops/s over `n` claims in one IPv6 pool, and plain Map inserts of the same addresses. */
function allocatorRate(n: number): { ops: number; ref: number } {
  const a = new Allocator();
  a.setPools([poolFromSpec('bench', { addresses: [POOL] }, { l2: true, bgp: false })]);
  const claims: Claim[] = Array.from({ length: n }, (_, i) => ({
    key: `l2/bench/i-${i}`, scope: 'l2', namespace: 'bench', namespaceLabels: {}, labels: {}, familyPolicy: 'SingleStack', families: [],
    pool: 'bench', desired: [], backendKey: '', ports: [{ protocol: 'TCP', port: 80 }],
  }));
  let t = performance.now();
  const ips: string[] = [];
  for (const c of claims) {
    const r = a.allocate(c);
    if (r.ok) ips.push(r.allocation.ips[0] ?? '');
  }
  const ops = n / ((performance.now() - t) / 1000);
  const m = new Map<string, string>();
  t = performance.now();
  for (let i = 0; i < n; i++) m.set(ips[i] ?? '', claims[i]?.key ?? '');
  const ref = n / ((performance.now() - t) / 1000);
  return { ops, ref };
}

/** Service counts; CONTROLLER_BENCH_SERVICES="2500,5000,10000,50000" by default. */
const SIZES = (process.env.CONTROLLER_BENCH_SERVICES ?? '2500,5000,10000,50000').split(',').map(Number).filter((n) => n > 0);

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const runs = new Map<number, Run>();
  for (const n of SIZES) {
    const s = await setup(n);
    try {
      runs.set(n, await timeChild(s, CONTROLLER, CONTROLLER_ENV, deadlineFor(n)));
    } finally {
      await teardown(s);
    }
  }
  // The bare loop at 10k when measured (the figures' names carry it), else at the largest size.
  const largest = SIZES.includes(10_000) ? 10_000 : (SIZES[SIZES.length - 1] ?? 0);
  const s = await setup(largest);
  let bare: Run;
  try {
    bare = await timeChild(s, [__filename, '--bare-writer'], {}, deadlineFor(largest));
  } finally {
    await teardown(s);
  }
  const ctl = runs.get(largest);
  const bareName = 'bare client loop writing the same statuses, no allocation, same client and concurrency';
  if (ctl?.ms !== undefined && bare.ms !== undefined) {
    const load = ` (load average ${ctl.load.toFixed(1)} / ${bare.load.toFixed(1)})`;
    out.push(result(`controller: all ${ctl.total} instance statuses of ${largest} Services written${load}`, ctl.ms / 1000, 's', bare.ms / 1000, { referenceName: bareName }));
  }
  if (ctl && ctl.written > 0 && bare.written > 0) {
    const perWrite = (cpu: number, n: number) => (cpu * 1000) / n;
    out.push(result(`controller: its CPU per status written at ${largest} Services`, perWrite(ctl.cpu, ctl.written), 'ms', perWrite(bare.cpu, bare.written), { referenceName: `${bareName}: its CPU` }));
    out.push(result(`controller: API server CPU per status written at ${largest} Services`, perWrite(ctl.serverCpu, ctl.written), 'ms', perWrite(bare.serverCpu, bare.written), { referenceName: `${bareName}: API server CPU` }));
  }
  if (ctl) {
    const note = ctl.ms === undefined ? ` (${ctl.written} of ${ctl.total} by the ${deadlineFor(largest) / 1000} s deadline)` : '';
    out.push(result(`controller: status writes/s at ${largest} Services${note}`, ctl.rate, 'writes/s', bare.rate, { referenceName: bareName }));
  }
  if (ctl?.ms !== undefined) {
    const empty = await setup(largest, true);
    let burst: Run;
    try {
      burst = await timeChild(empty, CONTROLLER, CONTROLLER_ENV, deadlineFor(largest), () => createServices(empty, largest));
    } finally {
      await teardown(empty);
    }
    const note = burst.ms === undefined ? ` (${burst.written} of ${burst.total} by the ${deadlineFor(largest) / 1000} s deadline)` : '';
    out.push(result(`controller: all ${burst.total} instance statuses written when ${largest} Services and their instances are created at once${note}`, (burst.ms ?? deadlineFor(largest)) / 1000, 's', ctl.ms / 1000, { referenceName: 'the controller starting over the same objects already there, same run' }));
  }
  const smallest = SIZES[0] ?? 0;
  const first = runs.get(smallest);
  for (const [n, r] of runs) {
    out.push(result(`controller peak RSS at ${n} Services (${r.written} of ${r.total} statuses written)`, r.rssMiB, 'MiB', first?.rssMiB ?? NaN, { referenceName: `peak RSS at ${smallest} Services` }));
  }
  // Linear work keeps the time per status flat; n log n lets it grow by log n / log smallest.
  const perStatus = (r: Run | undefined): number => (r && r.written > 0 ? r.elapsedMs / r.written : NaN);
  for (const [n, r] of runs) {
    const bound = Math.log(n) / Math.log(smallest);
    out.push(result(`controller: time per status written at ${n} Services (${r.written} of ${r.total} statuses written)`, perStatus(r), 'ms', perStatus(first), {
      referenceName: `time per status at ${smallest} Services; n log n growth would allow ${bound.toFixed(2)}x`,
    }));
  }
  const rate = allocatorRate(20000);
  out.push(result('allocator allocate() for 20k instances', rate.ops, 'ops/s', rate.ref, { referenceName: 'Map.set of the same addresses' }));
  return out;
}

if (require.main === module && process.argv[2] === '--bare-writer') {
  bareWriter().then(
    () => setTimeout(() => process.exit(0), 60_000).unref(),
    (e: unknown) => {
      console.error((e as Error).stack ?? String(e));
      process.exit(1);
    },
  );
}
