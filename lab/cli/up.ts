// SPDX-License-Identifier: Apache-2.0
/**
 * `metallb-lab up`: builds the lab, starts the control plane, applies the documented examples, waits with
 * progress, shows the live view, fails one node and measures it, writes the report, and leaves the lab running.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { startAgent } from '../agents.js';
import { busiestNode, runFailover, type Fault } from '../failover.js';
import type { Kube, KubeObject } from '../kube.js';
import { labKube, rolloutsPending, snapshot } from '../observe.js';
import { NAMESPACE } from '../../lib/api/index.js';
import { REPO_ROOT } from '../paths.js';
import type { FailoverResult } from '../report/failover.js';
import { reportMarkdown, type LabReport } from '../report/markdown.js';
import { timelineSvg } from '../report/svg.js';
import { LAB_LEASE_SECONDS } from '../agent/heartbeat.js';
import { lossText } from '../report/failover.js';
import { webDeployment } from '../scenario/web.js';
import { DEMO, exampleBfd, exampleNodeLabels, examplePassword, pickExamples } from '../scenario/examples.js';
import { DEFAULT_DIR, readState, releaseDir, writeState, type LabState } from '../state.js';
import { run, sleep, spawnDetached, waitFor } from '../sys.js';
import { createTopology } from '../topology/netns.js';
import { nodesOf, planTopology, primaryAddrs, type Plan, type RouterKind } from '../topology/plan.js';
import { startRouter } from '../topology/router.js';
import { pending, renderTable, rows } from '../view/table.js';
import { intFlag, parseArgs } from './args.js';

const USAGE = 'usage: metallb-lab up [--nodes N] [--router bird|frr|gobgp] [--no-bfd] [--processes] [--probe-ms MS] [--dir DIR] [--prefix P] [--view-seconds S] [--timeout S] [--headless] [--no-failover]';

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
  /** Run pods as processes on the host instead of from the image archives under runc (faster to iterate on). */
  readonly processes?: boolean;
  readonly out: (line: string) => void;
}

export interface UpResult {
  readonly state: LabState;
  readonly report: LabReport;
  readonly failovers: FailoverResult[];
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

/**
 * The kinds (or resources) the API server does not serve yet: "no matches for kind X" from kubectl's
 * mapping, or a NotFound on a resource path it mapped from a stale discovery cache. Undefined when the
 * error is something else.
 */
export function kindsNotServed(error: string): string[] | undefined {
  const kinds = [...error.matchAll(/no matches for kind "([^"]+)"/g)].map((m) => m[1] ?? '');
  const resources = [...error.matchAll(/the server could not find the requested resource \((\/apis\/[^)]+)\)/g)].map((m) => m[1] ?? '');
  const other = error.split('\n').filter((l) => l.trim() && !/no matches for kind|ensure CRDs are installed first|could not find the requested resource \(\/apis\/|^Command failed/.test(l));
  const waiting = [...kinds, ...resources];
  return waiting.length && other.length === 0 ? [...new Set(waiting)] : undefined;
}

/** Applies the scenario with the real kubectl, retrying while the module runtime has not registered the CRDs yet. */
async function applyScenario(state: LabState, objs: readonly KubeObject[], timeoutMs: number, say: (t: string) => void): Promise<void> {
  const file = path.join(state.dir, 'demo.yaml');
  fs.writeFileSync(file, objs.map((o) => yaml.dump(o)).join('---\n'));
  const started = Date.now();
  let last = '';
  await waitFor('kubectl apply of the examples (see logs/static_module.log for the module runtime)', () => {
    try {
      run('kubectl', ['--kubeconfig', state.api.kubeconfig, 'apply', '-f', file]);
      return true;
    } catch (e) {
      last = (e as Error).message;
      const kinds = kindsNotServed(last);
      const waited = Math.round((Date.now() - started) / 1000);
      // Expected at first: the module runtime has not installed the module's CRDs yet. Anything else is shown.
      if (kinds) say(`waiting for the module runtime to register the module's CRDs (${kinds.join(', ')}): ${waited} s`);
      else say(`kubectl apply of the examples failed, retrying (${waited} s): ${last.split('\n').filter((l) => l.trim() && !/^Command failed/.test(l)).slice(-2).join(' / ')}`);
      return undefined;
    }
  }, timeoutMs, 1000).catch((e: unknown) => {
    throw new Error(`${(e as Error).message}; kubectl said: ${last.split('\n').slice(-3).join(' / ')}`);
  });
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
  const objs = [...pickExamples(md, DEMO), webDeployment()];
  const password = examplePassword(objs);
  const bfd = exampleBfd(objs);
  const plan = planTopology({ prefix: o.prefix, nodes: o.nodes, router: o.router, ...(password ? { password } : {}), ...(bfd && o.bfd !== false && o.router !== 'gobgp' ? { bfd } : {}) });
  fs.mkdirSync(path.join(o.dir, 'logs'), { recursive: true });
  const port = await freePort();
  const state: LabState = {
    version: 1, createdAt: new Date().toISOString(), dir: o.dir, appRoot: APP_ROOT, plan,
    api: { port, socket: path.join(o.dir, 'api.sock'), kubeconfig: path.join(o.dir, 'kubeconfig'), data: path.join(o.dir, 'apiserver.json') },
    processes: {},
    runtime: o.processes ? 'processes' : 'runc',
  };
  if (!o.processes) {
    const missing = ['controller', 'speaker'].filter((n) => !fs.existsSync(path.join(APP_ROOT, 'out/images', `${n}.tar`)));
    if (missing.length) throw new Error(`no image archives for ${missing.join(', ')} in out/images: run "make images" (make lab does), or start the lab with --processes`);
  }
  for (const f of [state.api.kubeconfig, state.api.data]) fs.rmSync(f, { force: true });
  // The release the lab runs is what make images built (until an upgrade).
  fs.rmSync(releaseDir(o.dir), { force: true });
  fs.symlinkSync(path.join(APP_ROOT, 'out/images'), releaseDir(o.dir));
  writeState(state);
  say(`building ${plan.hosts.length} namespaces`);
  createTopology(plan);
  phase('topology (namespaces, switch, veths, addresses)');
  state.processes.router = await startRouter(plan, path.join(o.dir, 'router'));
  writeState(state);
  phase(`router (${plan.router})`);
  // The control plane's agent (API server, module runtime), then one agent per node: its kubelet and kube-proxy.
  startAgent(state);
  for (const n of nodesOf(plan)) startAgent(state, n.nodeName ?? '');
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
  if (o.applyOnly) return { state, report: { generatedAt: new Date().toISOString(), router: plan.router, nodes: o.nodes, phases, rows: [], failovers: [], notes: [] }, failovers: [] };
  // The demo's BGP configuration has no nodeSelector, so every node announces; converged must hold for 3 looks in a row.
  const converge = { bgpNextHops: nodesOf(plan).length };
  const converged = async (): Promise<void> => {
    let steady = 0;
    await waitFor('every Service IP to answer (see logs/ for the controller and speakers)', async () => {
      snap = await snapshot(state);
      const kube = labKube(state);
      const left = [...pending(snap.observation, converge), ...(kube ? await rolloutsPending(kube, [NAMESPACE, 'default']).catch((e: Error) => [`workloads: ${e.message}`]) : ['the API server has not started'])];
      const services = snap.observation.services.length;
      const done = left.length === 0 && services >= DEMO.filter((w) => w.kind === 'Service').length;
      steady = done ? steady + 1 : 0;
      say(done ? `converged (${steady}/3)` : `converging: ${services} Services; ${left.length} pending${left[0] ? `: ${left.slice(0, 3).join('; ')}` : ''}`);
      return steady >= 3 ? true : undefined;
    }, o.timeoutMs, 500);
  };
  await converged();
  phase('converged: every Service has its IPs and answers');
  if (!o.headless && process.stdout.isTTY) process.stdout.write('\n');
  await liveView(state, o);
  // The report's table is the converged lab, before any fault; the failover section tells what moved.
  snap = await snapshot(state);
  const convergedRows = rows(snap.observation);
  // Two failures, one after the other: a pulled cable (the node and its processes keep running), then a dead
  // node agent (its pods keep running, its kubelet heartbeats stop, the Node goes Unknown).
  const failovers: Array<{ result: FailoverResult; svg: string }> = [];
  if (o.failover) {
    for (const [fault, svg] of [['cable', 'failover.svg'], ['agent', 'failover-agent.svg']] as Array<[Fault, string]>) {
      // Each failure starts from a converged lab: the node of the one before back, its sessions up again.
      if (failovers.length) {
        o.out(`\nwaiting for the lab to converge again after ${failovers.at(-1)?.result.node}'s return`);
        await converged();
        phase('converged again');
      }
      const node = busiestNode((await snapshot(state)).prober);
      if (!node) break;
      o.out(`\nfailing ${node}: ${fault === 'cable' ? 'pulling its cable' : 'killing its node agent'}`);
      const result = await runFailover(state, node, { fault, onProgress: o.out });
      phase(`failover of ${node} (${result.how})`);
      for (const m of result.moves) o.out(`  ${m.ip.padEnd(20)} ${m.before.join(',').padEnd(14)} -> ${m.after.join(',').padEnd(14)} lost ${lossText(m)}`);
      if (result.routeWithdrawnMs !== undefined) o.out(`  router withdrew ${node} after ${result.routeWithdrawnMs} ms${plan.bfd ? ` (BFD ${bfdText(plan.bfd)})` : ''}`);
      fs.writeFileSync(path.join(o.dir, svg), timelineSvg(result));
      failovers.push({ result, svg });
    }
  }
  const report: LabReport = {
    generatedAt: new Date().toISOString(), router: plan.router, nodes: o.nodes, phases, rows: convergedRows, failovers,
    ...(plan.bfd ? { bfd: bfdText(plan.bfd) } : {}),
    notes: [
      `KUBECONFIG=${state.api.kubeconfig}`,
      'A pulled cable: the node\'s switch port goes down, its processes keep running.',
      `A dead node agent: its pods keep running; the Node goes Unknown once its Lease is ${LAB_LEASE_SECONDS} s old, and its addresses move to Ready nodes.`,
    ],
  };
  fs.writeFileSync(path.join(o.dir, 'report.md'), reportMarkdown(report));
  return { state, report, failovers: failovers.map((f) => f.result) };
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
  const p = parseArgs(args, ['nodes', 'router', 'dir', 'prefix', 'view-seconds', 'timeout', 'probe-ms'], ['headless', 'no-failover', 'no-bfd', 'processes'], USAGE);
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
    processes: p.flags.has('processes'),
    probeMs: intFlag(p, 'probe-ms', 50, 5, 1000),
    out: (l) => console.log(l),
  };
  try {
    const r = await bringUp(o);
    console.log(`\nReport: ${path.join(o.dir, 'report.md')}${r.report.failovers.length ? ` (timelines: ${r.report.failovers.map((f) => path.join(o.dir, f.svg ?? '')).join(', ')})` : ''}`);
  } catch (e) {
    console.error(`\nlab: ${(e as Error).message}\nThe lab is left as it is for inspection (logs in ${path.join(o.dir, 'logs')}); remove it with "make lab-down".`);
    process.exitCode = 1;
    if (readState(o.dir)) console.log(`  export KUBECONFIG=${path.join(o.dir, 'kubeconfig')}`);
    return;
  }
  console.log(`The lab stays up. Use it with:\n  export KUBECONFIG=${path.join(o.dir, 'kubeconfig')}\n  kubectl get svc,metalloadbalancerclasses\nTake it down with: make lab-down`);
}
