// SPDX-License-Identifier: Apache-2.0
/**
 * `metallb-lab up`: builds the lab, starts the control plane, applies the documented examples, waits with
 * progress, shows the live view, fails one node and measures it, writes the report, and leaves the lab running.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { busiestNode, runFailover } from '../failover.js';
import type { Kube, KubeObject } from '../kube.js';
import { labKube, snapshot } from '../observe.js';
import { REPO_ROOT } from '../paths.js';
import type { FailoverResult } from '../report/failover.js';
import { reportMarkdown, type LabReport } from '../report/markdown.js';
import { timelineSvg } from '../report/svg.js';
import { DEMO, exampleBfd, exampleNodeLabels, examplePassword, pickExamples } from '../scenario/examples.js';
import { DEFAULT_DIR, readState, writeState, type LabState } from '../state.js';
import { run, sleep, spawnDetached, waitFor } from '../sys.js';
import { createTopology } from '../topology/netns.js';
import { nodesOf, planTopology, primaryAddrs, type Plan, type RouterKind } from '../topology/plan.js';
import { startRouter } from '../topology/router.js';
import { pending, renderTable, rows } from '../view/table.js';
import { intFlag, parseArgs } from './args.js';

const USAGE = 'usage: metallb-lab up [--nodes N] [--router bird|frr|gobgp] [--no-bfd] [--probe-ms MS] [--dir DIR] [--prefix P] [--view-seconds S] [--timeout S] [--headless] [--no-failover]';

export interface UpOptions {
  readonly nodes: number;
  readonly router: RouterKind;
  readonly dir: string;
  readonly prefix: string;
  readonly viewSeconds: number;
  readonly timeoutMs: number;
  readonly headless: boolean;
  readonly failover: boolean;
  /** BFD at the router (BIRD) with the example peer's timers: on unless false, so a dead node's routes go within the detection time. */
  readonly bfd?: boolean;
  /** Client probe interval per IP, ms. */
  readonly probeMs?: number;
  /** Stop after applying the examples (the control plane keeps converging in the background). */
  readonly applyOnly?: boolean;
  readonly out: (line: string) => void;
}

export interface UpResult {
  readonly state: LabState;
  readonly report: LabReport;
  readonly failover?: FailoverResult;
}

const APP_ROOT = REPO_ROOT;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Progress on one rewritten line on a terminal, one line per change otherwise. */
function progress(o: UpOptions): (text: string) => void {
  let last = '';
  return (text) => {
    if (text === last) return;
    last = text;
    if (!o.headless && process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${text.slice(0, (process.stdout.columns || 120) - 1)}`);
    else o.out(text);
  };
}

function nodeObject(plan: Plan, i: number, labels: Record<string, string>): KubeObject {
  const h = nodesOf(plan)[i];
  if (!h?.nodeName) throw new Error(`no node ${i}`);
  const a = primaryAddrs(h);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: h.nodeName, labels: { 'kubernetes.io/hostname': h.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...labels } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'lab node agent is posting ready status', lastHeartbeatTime: new Date().toISOString(), lastTransitionTime: new Date().toISOString() }],
      addresses: [{ type: 'InternalIP', address: a.v4 }, { type: 'InternalIP', address: a.v6 }, { type: 'Hostname', address: h.nodeName }],
    },
  };
}

async function registerNodes(kube: Kube, plan: Plan, labels: Map<string, Record<string, string>>): Promise<void> {
  for (const ns of ['default', 'kube-system']) await kube.apply('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }).catch(() => undefined);
  for (let i = 0; i < nodesOf(plan).length; i++) {
    const obj = nodeObject(plan, i, labels.get(nodesOf(plan)[i]?.nodeName ?? '') ?? {});
    await kube.apply('/api/v1/nodes', obj);
    await kube.mergePatch(`/api/v1/nodes/${obj.metadata?.name}/status`, { status: obj.status }).catch(() => undefined);
  }
}

/** Applies the scenario with the real kubectl, retrying while the module's CRDs are not there yet. */
async function applyScenario(state: LabState, objs: readonly KubeObject[], timeoutMs: number, say: (t: string) => void): Promise<void> {
  const file = path.join(state.dir, 'demo.yaml');
  fs.writeFileSync(file, objs.map((o) => yaml.dump(o)).join('---\n'));
  await waitFor('kubectl apply of the examples (are the module CRDs registered? see logs/static_module.log)', () => {
    try {
      run('kubectl', ['--kubeconfig', state.api.kubeconfig, 'apply', '-f', file]);
      return true;
    } catch (e) {
      say(`waiting for the module's CRDs: ${(e as Error).message.split('\n').slice(-1)[0]?.slice(0, 100) ?? ''}`);
      return undefined;
    }
  }, timeoutMs, 1000);
}

/** Builds the lab and runs the demo; the lab stays up afterwards. */
export async function bringUp(o: UpOptions): Promise<UpResult> {
  if (readState(o.dir)) throw new Error(`a lab is already up (${o.dir}/state.json); take it down with "make lab-down"`);
  const say = progress(o);
  const phases: Array<[string, number]> = [];
  let t = Date.now();
  const phase = (name: string): void => {
    phases.push([name, Date.now() - t]);
    t = Date.now();
  };
  const md = fs.readFileSync(path.join(APP_ROOT, 'docs/EXAMPLES.md'), 'utf8');
  const objs = pickExamples(md, DEMO);
  const password = examplePassword(objs);
  const bfd = exampleBfd(objs);
  const plan = planTopology({ prefix: o.prefix, nodes: o.nodes, router: o.router, ...(password ? { password } : {}), ...(bfd && o.bfd !== false && o.router === 'bird' ? { bfd } : {}) });
  fs.mkdirSync(path.join(o.dir, 'logs'), { recursive: true });
  const port = await freePort();
  const state: LabState = {
    version: 1, createdAt: new Date().toISOString(), dir: o.dir, appRoot: APP_ROOT, plan,
    api: { port, socket: path.join(o.dir, 'api.sock'), kubeconfig: path.join(o.dir, 'kubeconfig'), data: path.join(o.dir, 'apiserver.json') },
    processes: {},
  };
  for (const f of [state.api.kubeconfig, state.api.data]) fs.rmSync(f, { force: true });
  writeState(state);
  say(`building ${plan.hosts.length} namespaces`);
  createTopology(plan);
  phase('topology (namespaces, switch, veths, addresses)');
  state.processes.router = await startRouter(plan, path.join(o.dir, 'router'));
  writeState(state);
  phase(`router (${plan.router})`);
  state.processes.agent = [spawnDetached(process.execPath, [path.join(APP_ROOT, 'dist/lab/agent/main.js'), o.dir], { logFile: path.join(o.dir, 'logs/agent.log') })];
  writeState(state);
  say('starting the API server and the module runtime');
  const kube = await waitFor('the API server (see logs/static_apiserver.log)', async () => {
    const k = labKube(state);
    return k && (await k.healthy()) ? k : undefined;
  }, o.timeoutMs, 200);
  phase('API server');
  await registerNodes(kube, plan, exampleNodeLabels(md));
  await applyScenario(state, objs, o.timeoutMs, say);
  phase('module CRDs registered, examples applied');
  const client = plan.hosts.find((h) => h.role === 'client');
  if (!client) throw new Error('the plan has no client');
  state.processes.prober = [spawnDetached('ip', ['netns', 'exec', client.ns, process.execPath, path.join(APP_ROOT, 'dist/lab/traffic/prober.js'), path.join(o.dir, 'targets.json'), path.join(o.dir, 'prober.json'), String(o.probeMs ?? 50)], { logFile: path.join(o.dir, 'logs/prober.log') })];
  writeState(state);
  let snap = await snapshot(state);
  if (o.applyOnly) return { state, report: { generatedAt: new Date().toISOString(), router: plan.router, nodes: o.nodes, phases, rows: [], notes: [] } };
  // The demo's BGP configuration has no nodeSelector, so every node announces; converged must hold for 3 looks in a row.
  const converge = { bgpNextHops: nodesOf(plan).length };
  let steady = 0;
  await waitFor('every Service IP to answer (see logs/ for the controller and speakers)', async () => {
    snap = await snapshot(state);
    const left = pending(snap.observation, converge);
    const services = snap.observation.services.length;
    const done = left.length === 0 && services >= DEMO.filter((w) => w.kind === 'Service').length;
    steady = done ? steady + 1 : 0;
    say(done ? `converged (${steady}/3)` : `converging: ${services} Services; ${left.length} pending${left[0] ? `: ${left.slice(0, 3).join('; ')}` : ''}`);
    return steady >= 3 ? true : undefined;
  }, o.timeoutMs, 500);
  phase('converged: every Service has its IPs and answers');
  if (!o.headless && process.stdout.isTTY) process.stdout.write('\n');
  await liveView(state, o);
  // The report's table is the converged lab, before any fault; the failover section tells what moved.
  snap = await snapshot(state);
  const convergedRows = rows(snap.observation);
  let failover: FailoverResult | undefined;
  if (o.failover) {
    const node = busiestNode(snap.prober);
    if (node) {
      o.out(`\nfailing ${node}: pulling its cable`);
      failover = await runFailover(state, node, { onProgress: o.out });
      phase(`failover of ${node}`);
      for (const m of failover.moves) o.out(`  ${m.ip.padEnd(20)} ${m.before.join(',').padEnd(14)} -> ${m.after.join(',').padEnd(14)} outage ${m.outageMs ? `${Math.round(m.outageMs)} ms` : 'none'}`);
      if (failover.routeWithdrawnMs !== undefined) o.out(`  router withdrew ${node} after ${failover.routeWithdrawnMs} ms${plan.bfd ? ` (BFD ${bfdText(plan.bfd)})` : ''}`);
    }
  }
  const report: LabReport = {
    generatedAt: new Date().toISOString(), router: plan.router, nodes: o.nodes, phases, rows: convergedRows,
    ...(plan.bfd ? { bfd: bfdText(plan.bfd) } : {}),
    ...(failover ? { failover, svg: 'failover.svg' } : {}),
    notes: [`KUBECONFIG=${state.api.kubeconfig}`, 'The failure is a pulled cable: the node\'s switch port goes down, its processes keep running.'],
  };
  if (failover) fs.writeFileSync(path.join(o.dir, 'failover.svg'), timelineSvg(failover));
  fs.writeFileSync(path.join(o.dir, 'report.md'), reportMarkdown(report));
  return { state, report, ...(failover ? { failover } : {}) };
}

/** "3 x 100 ms": the router's BFD detection time as its parts. */
function bfdText(b: NonNullable<Plan['bfd']>): string {
  return `${b.detectMultiplier} x ${Math.max(b.receiveInterval, b.transmitInterval)} ms`;
}

async function liveView(state: LabState, o: UpOptions): Promise<void> {
  const tty = !o.headless && process.stdout.isTTY;
  const frames = tty ? o.viewSeconds : Math.min(3, Math.max(1, Math.ceil(o.viewSeconds / 3)));
  for (let i = 0; i < frames; i++) {
    const s = await snapshot(state);
    const table = renderTable(rows(s.observation));
    if (tty) process.stdout.write(`\x1b[H\x1b[2J metallb lab - ${new Date().toLocaleTimeString()} (${frames - i} s)\n\n${table}\n`);
    else o.out(`\n-- ${new Date().toISOString()}\n${table}`);
    await sleep(tty ? 1000 : 2000);
  }
}

export async function main(args: string[]): Promise<void> {
  const p = parseArgs(args, ['nodes', 'router', 'dir', 'prefix', 'view-seconds', 'timeout', 'probe-ms'], ['headless', 'no-failover', 'no-bfd'], USAGE);
  const router = p.flags.get('router') ?? 'bird';
  if (router !== 'bird' && router !== 'frr' && router !== 'gobgp') throw new Error(`--router must be bird, frr or gobgp, got "${router}"`);
  if (typeof process.getuid === 'function' && process.getuid() !== 0) throw new Error('the lab needs root (network namespaces)');
  const o: UpOptions = {
    nodes: intFlag(p, 'nodes', 4, 2, 32),
    router,
    dir: path.resolve(p.flags.get('dir') ?? DEFAULT_DIR),
    prefix: p.flags.get('prefix') ?? 'mlab-',
    viewSeconds: intFlag(p, 'view-seconds', 10, 0, 3600),
    timeoutMs: intFlag(p, 'timeout', 240, 10, 3600) * 1000,
    headless: p.flags.has('headless') || !process.stdout.isTTY,
    failover: !p.flags.has('no-failover'),
    bfd: !p.flags.has('no-bfd'),
    probeMs: intFlag(p, 'probe-ms', 50, 5, 1000),
    out: (l) => console.log(l),
  };
  try {
    const r = await bringUp(o);
    console.log(`\nReport: ${path.join(o.dir, 'report.md')}${r.failover ? ` (timeline ${path.join(o.dir, 'failover.svg')})` : ''}`);
  } catch (e) {
    console.error(`\nlab: ${(e as Error).message}\nThe lab is left as it is for inspection (logs in ${path.join(o.dir, 'logs')}); remove it with "make lab-down".`);
    process.exitCode = 1;
    if (readState(o.dir)) console.log(`  export KUBECONFIG=${path.join(o.dir, 'kubeconfig')}`);
    return;
  }
  console.log(`The lab stays up. Use it with:\n  export KUBECONFIG=${path.join(o.dir, 'kubeconfig')}\n  kubectl get svc,metalloadbalancerclasses\nTake it down with: make lab-down`);
}
