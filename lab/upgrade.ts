// SPDX-License-Identifier: Apache-2.0
/**
 * A module upgrade in the running lab, as the platform does one: `make images` builds the next release into the
 * lab's releases/<version> (a version bump gives every image a new digest), the lab's release points at it, the
 * module runtime restarts with it (hooks re-run, helm renders the new digests), and the node agents roll the
 * speaker DaemonSet and the controller Deployment (the previous release's pods run on meanwhile). Meanwhile
 * clients hold TCP connections to every Service IP, ask ARP/NDP for every L2 IP, and the router's next hops for
 * every BGP IP are watched; the result says per IP what the clients saw.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { V1DaemonSet, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { NAMESPACE } from '../lib/api/index.js';
import type { AgentReport } from './agent/agent.js';
import { templateRevision } from './agent/desired.js';
import { podReady, revisionLabel, SLOT_LABEL } from './agent/rollout.js';
import type { Kube } from './kube.js';
import { labKube, nodeNames, serviceInfo, snapshot, targetsOf } from './observe.js';
import { analyzeUpgrade, type Replacement, type RouteWatch, type UpgradeResult } from './report/upgrade.js';
import { agentFile, readJson, releaseDir, releasesDir, writeState, type LabState } from './state.js';
import { procRef, signal, sleep, spawnDetached, stop, waitFor, type ProcRef } from './sys.js';
import { routerNextHops, routerNs } from './topology/router.js';
import type { HeldConnection, HolderReport } from './traffic/holder.js';
import { NeighbourWatch, type NeighbourFigures } from './traffic/neighbours.js';
import type { Target } from './traffic/prober.js';

export interface UpgradeOptions {
  /** The release to build and roll out; the built one's next patch version by default. */
  readonly version?: string;
  /** Connections held per Service IP. */
  readonly connections?: number;
  readonly timeoutMs?: number;
  readonly onProgress?: (text: string) => void;
}

/** The next patch version of `v` ("v0.1.0" -> "v0.1.1"; a pre-release suffix is dropped). Pure. */
export function nextPatch(v: string): string {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(v);
  if (!m) throw new Error(`"${v}" is not a semantic version`);
  return `v${m[1]}.${m[2]}.${Number(m[3]) + 1}`;
}

/** The release the lab runs. */
export function runningVersion(state: LabState): string {
  const v = readJson<{ version?: string }>(path.join(releaseDir(state.dir), 'version.json'))?.version;
  if (v) return v;
  return `v${(JSON.parse(fs.readFileSync(path.join(state.appRoot, 'package.json'), 'utf8')) as { version: string }).version}`;
}

/** Builds release `version` into the lab's releases and makes it the lab's release. */
async function buildRelease(state: LabState, version: string): Promise<void> {
  const out = path.join(releasesDir(state.dir), version);
  const env = { ...process.env, MODULE_VERSION: version, IMAGES_OUT: out, IMAGES_WORK: path.join(releasesDir(state.dir), '.work') };
  await runLogged(process.execPath, [path.join(state.appRoot, 'dist/scripts/images/build.js')], env, state.appRoot, path.join(state.dir, 'logs/upgrade-images.log'));
  const link = `${releaseDir(state.dir)}.${process.pid}`;
  fs.rmSync(link, { force: true });
  fs.symlinkSync(out, link);
  fs.renameSync(link, releaseDir(state.dir));
}

interface Workload {
  readonly kind: 'DaemonSet' | 'Deployment';
  readonly name: string;
  readonly uid: string;
  readonly revision: string;
}

async function workloads(kube: Kube): Promise<Workload[]> {
  const [ds, deps] = await Promise.all([
    kube.list<V1DaemonSet>(`/apis/apps/v1/namespaces/${NAMESPACE}/daemonsets`),
    kube.list<V1Deployment>(`/apis/apps/v1/namespaces/${NAMESPACE}/deployments`),
  ]);
  const w = (kind: Workload['kind'], o: V1DaemonSet | V1Deployment): Workload => ({ kind, name: o.metadata?.name ?? '', uid: o.metadata?.uid ?? '', revision: o.spec?.template ? templateRevision(o.spec.template) : '' });
  return [...ds.map((o) => w('DaemonSet', o)), ...deps.map((o) => w('Deployment', o))];
}

async function modulePods(kube: Kube): Promise<V1Pod[]> {
  return kube.list<V1Pod>(`/api/v1/namespaces/${NAMESPACE}/pods`);
}

const ownerOf = (p: V1Pod, ws: readonly Workload[]): Workload | undefined => ws.find((w) => p.metadata?.ownerReferences?.some((o) => o.uid === w.uid));

/** Runs `cmd` to the end, its output in `log`; rejects with the log's tail on failure. */
function runLogged(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string, log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const fd = fs.openSync(log, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', fd, fd], env, cwd });
    fs.closeSync(fd);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(args[0] ?? cmd)} failed (exit ${code}): ${fs.readFileSync(log, 'utf8').trim().split('\n').slice(-3).join(' / ')}`))));
  });
}

/** The module runtime restarts with the new release (its static pod's process ends; its agent starts it again). */
function restartModuleRuntime(state: LabState): void {
  const unit = readJson<AgentReport>(agentFile(state.dir))?.units.find((u) => u.key === 'static:module');
  if (!unit?.proc) throw new Error('the module runtime is not running (no static:module in the control plane agent report)');
  signal(unit.proc, 'SIGTERM');
}

/**
 * Polls the router's next hops for the BGP IPs until stopped (a next hop missing from a sample is a withdrawal;
 * the same next hops in another order re-spread the router's ECMP flows). Every route change the router's kernel
 * makes meanwhile goes to logs/router-routes.log (`ip monitor`, timestamped).
 */
function watchRoutes(state: LabState, ips: readonly string[]): { stop(): Promise<RouteWatch[]> } {
  const names = nodeNames(state);
  const seen = new Map<string, { before?: string[]; all: Set<string>; sets: string[][]; reordered: boolean }>(ips.map((ip) => [ip, { all: new Set<string>(), sets: [], reordered: false }]));
  const log = fs.openSync(path.join(state.dir, 'logs/router-routes.log'), 'a');
  const monitor = spawn('ip', ['-ts', '-n', routerNs(state.plan), 'monitor', 'route'], { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const hops = await routerNextHops(state.plan).catch(() => undefined);
      if (hops) {
        for (const [ip, w] of seen) {
          const now = (hops.get(ip) ?? []).map((h) => names[h] ?? h);
          w.before ??= now;
          w.sets.push(now);
          for (const h of now) w.all.add(h);
          if (now.length === w.before.length && now.join() !== w.before.join() && w.before.every((h) => now.includes(h))) w.reordered = true;
        }
      }
      await sleep(200);
    }
  })();
  return {
    async stop() {
      stopped = true;
      monitor.kill('SIGTERM');
      await loop;
      // A next hop the router had at some sample and lacked at another was withdrawn meanwhile.
      return [...seen].map(([ip, w]) => ({ ip, before: w.before ?? [], missing: [...w.all].filter((h) => w.sets.some((s) => !s.includes(h))).sort(), reordered: w.reordered, samples: w.sets.length }));
    },
  };
}

/** Upgrades the module in the running lab and reports what the clients saw. */
export async function runUpgrade(state: LabState, o: UpgradeOptions = {}): Promise<UpgradeResult> {
  const say = o.onProgress ?? (() => undefined);
  const timeoutMs = o.timeoutMs ?? 240_000;
  const kube = labKube(state);
  if (!kube) throw new Error('the lab API server has not started');
  const from = runningVersion(state);
  const to = o.version ?? nextPatch(from);
  const snap = await snapshot(state);
  const targets = targetsOf(snap.services);
  const modeOf = new Map(snap.services.flatMap((s) => serviceInfo(s).ips.map((ip) => [ip, serviceInfo(s).mode] as const)));
  const nodesBefore = new Map((snap.prober?.targets ?? []).map((t) => [t.ip, [...t.nodes]]));
  const l2 = targets.filter((t) => modeOf.get(t.ip)?.startsWith('L2'));
  const bgp = targets.filter((t) => !modeOf.get(t.ip)?.startsWith('L2'));
  const clients = state.plan.hosts.filter((h) => h.role === 'client');
  const [client, client2] = [clients[0], clients[1] ?? clients[0]];
  if (!client || !client2 || targets.length === 0) throw new Error('nothing to hold: no client or no Service IP');

  // The release is built first (the platform pulls it from a registry): what the clients see is the rollout.
  say(`building release ${to} (running ${from})`);
  await buildRelease(state, to);
  const ws = await workloads(kube);
  const before = await modulePods(kube);
  const oldPods = new Map(before.filter((p) => ownerOf(p, ws)).map((p) => [p.metadata?.uid ?? '', p]));
  const procs: ProcRef[] = [];
  const hold = (ns: string, name: string, ts: Target[]): string | undefined => {
    if (!ts.length) return undefined;
    const tf = path.join(state.dir, `upgrade-targets-${name}.json`);
    const out = path.join(state.dir, `upgrade-held-${name}.json`);
    fs.writeFileSync(tf, JSON.stringify(ts));
    fs.rmSync(out, { force: true });
    procs.push(spawnDetached('ip', ['netns', 'exec', ns, process.execPath, path.join(state.appRoot, 'dist/lab/traffic/holder.js'), tf, out, String(o.connections ?? 4), '100'], { logFile: path.join(state.dir, 'logs/holder.log') }));
    return out;
  };
  const heldFiles = [hold(client.ns, 'l2', l2), hold(client2.ns, 'bgp', bgp)].filter((f): f is string => f !== undefined);
  const neighbours = new NeighbourWatch(client.ns, 'eth0', l2.map((t) => t.ip));
  const routes = watchRoutes(state, bgp.map((t) => t.ip));
  let rolloutStart = 0;
  let rolloutEnd = 0;
  const replaced: Replacement[] = [];
  let figures: NeighbourFigures[] = [];
  let routeFigures: RouteWatch[] = [];
  let connections: HeldConnection[] = [];
  try {
    state.processes.upgrade = procs;
    writeState(state);
    const want = targets.length * (o.connections ?? 4);
    await waitFor('every held connection established', () => {
      const n = heldFiles.flatMap((f) => readJson<HolderReport>(f)?.connections ?? []).filter((c) => c.establishedAt !== undefined).length;
      return n >= want ? true : undefined;
    }, 15_000, 200);
    neighbours.start();
    for (const pid of neighbours.pids()) {
      const p = procRef(pid);
      if (p) procs.push(p);
    }
    writeState(state);
    say(`holding ${want} connections to ${targets.length} Service IPs; the module runtime restarts with release ${to}`);
    restartModuleRuntime(state);
    await waitFor('the module rendering the new release', async () => {
      const now = await workloads(kube).catch(() => undefined);
      return now && ws.every((w) => now.find((x) => x.uid === w.uid && x.revision !== w.revision)) ? true : undefined;
    }, 120_000, 250);
    rolloutStart = Date.now();
    say(`templates changed: rolling ${ws.map((w) => `${w.kind} ${w.name}`).join(', ')}`);
    // old pod uid -> when it went; and the old pods whose slot has a new Ready pod
    const gone = new Map<string, number>();
    const done = new Set<string>();
    await waitFor('every module pod replaced and Ready', async () => {
      const now = await workloads(kube).catch(() => undefined);
      const pods = await modulePods(kube).catch(() => undefined);
      if (!now || !pods) return undefined;
      for (const [uid, old] of oldPods) {
        const w = ownerOf(old, ws);
        if (done.has(uid) || !w) continue;
        if (!gone.has(uid)) {
          if (pods.some((x) => x.metadata?.uid === uid)) continue;
          gone.set(uid, Date.now());
        }
        const rev = now.find((x) => x.uid === w.uid)?.revision;
        const next = pods.find((x) => ownerOf(x, ws) === w && x.metadata?.labels?.[SLOT_LABEL] === old.metadata?.labels?.[SLOT_LABEL] && x.metadata?.labels?.[revisionLabel(w.kind)] === rev && podReady(x));
        if (!next) continue;
        const at = gone.get(uid) ?? Date.now();
        done.add(uid);
        replaced.push({ workload: w.name, node: old.spec?.nodeName ?? '', atMs: at - rolloutStart, readyAfterMs: Date.now() - at });
        say(`  ${w.name} on ${old.spec?.nodeName ?? '?'}: replaced, the new pod Ready ${((Date.now() - at) / 1000).toFixed(1)} s later`);
      }
      return done.size === oldPods.size && pods.filter((x) => ownerOf(x, ws)).every(podReady) ? true : undefined;
    }, timeoutMs, 250);
    rolloutEnd = Date.now();
    say(`rollout done in ${((rolloutEnd - rolloutStart) / 1000).toFixed(1)} s; settling`);
    await sleep(2000);
  } finally {
    figures = neighbours.stop();
    routeFigures = await routes.stop();
    // The holders write their last figures when stopped.
    for (const p of procs.slice(0, heldFiles.length)) await stop(p, 3000);
    delete state.processes.upgrade;
    writeState(state);
    connections = heldFiles.flatMap((f) => readJson<HolderReport>(f)?.connections ?? []);
  }
  return analyzeUpgrade({
    from,
    to,
    rolloutMs: rolloutEnd - rolloutStart,
    targets: targets.map((t) => ({ ip: t.ip, service: t.service, mode: modeOf.get(t.ip) ?? '', nodes: nodesBefore.get(t.ip) ?? [] })),
    connections,
    neighbours: figures,
    routes: routeFigures,
    replaced: replaced.sort((a, b) => a.atMs - b.atMs),
    nodeOf: nodeNames(state),
  });
}
