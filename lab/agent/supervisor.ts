// SPDX-License-Identifier: Apache-2.0
/** Keeps a set of units running as processes in their namespaces, restarting them with the kubelet's back-off. */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inNamespace, listNamespaces, procRef, run, runNs, stop, waitFor, type ProcRef } from '../sys.js';
import { FRESH, nextRestart, type BackoffPolicy, type RestartState } from './backoff.js';
import type { Unit } from './desired.js';
import { probeArgv, ProbeTracker, type ProbeSpec } from './probe.js';

/** What `status` and the chaos checker see of one unit. */
export interface UnitStatus {
  readonly key: string;
  readonly kind: Unit['kind'] | 'static';
  readonly netns: string;
  readonly pod?: Unit['pod'];
  readonly proc?: ProcRef;
  /** The runc container id, for a container run from its image. */
  readonly containerId?: string;
  readonly restarts: number;
  readonly state: 'running' | 'waiting' | 'stopped';
  /** Running and, when it has a readiness probe, passing it. */
  readonly ready: boolean;
  readonly lastExit?: string;
}

interface Slot {
  unit: Unit | StaticUnit;
  child?: ChildProcess | undefined;
  proc?: ProcRef | undefined;
  startedAt: number;
  restart: RestartState;
  notBefore: number;
  lastExit?: string;
  stopping: boolean;
  liveness?: ProbeTracker | undefined;
  readiness?: ProbeTracker | undefined;
  /** Why the agent killed the process (a failed liveness probe), kept as its last exit. */
  killedFor?: string | undefined;
}

/** A unit the agent runs regardless of the cluster (the lab's API server and module runtime): static pods. */
export interface StaticUnit {
  readonly key: string;
  readonly kind: 'static';
  readonly netns: '';
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/**
 * With METALLB_LAB_CPU_PROF=DIR every Node.js process the agent starts writes a V8 CPU profile into DIR when it
 * exits (as it does on SIGTERM, e.g. at `make lab-down`): where the lab's time goes, per process. Pure.
 */
export function withCpuProfile(argv: readonly string[], dir: string | undefined, name: string): readonly string[] {
  const [cmd, ...rest] = argv;
  if (!dir || !cmd || (cmd !== process.execPath && path.basename(cmd) !== 'node')) return argv;
  return [cmd, '--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}.${Date.now()}.cpuprofile`, ...rest];
}

function safe(key: string): string {
  return key.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 120);
}

export class Supervisor {
  readonly #slots = new Map<string, Slot>();
  readonly #podNetns = new Set<string>();

  constructor(readonly logDir: string, readonly backoff: BackoffPolicy, readonly ownedNetns: (ns: string) => boolean) {
    fs.mkdirSync(logDir, { recursive: true });
  }

  /** Brings the running set to exactly `units`: starts new ones, stops removed ones, restarts exited ones when due. */
  async reconcile(units: readonly (Unit | StaticUnit)[], podNetns: readonly string[]): Promise<void> {
    const want = new Map(units.map((u) => [u.key, u]));
    for (const [key, slot] of this.#slots) {
      if (!want.has(key)) {
        this.#slots.delete(key);
        await this.#stopSlot(slot);
      }
    }
    this.#syncPodNetns(podNetns);
    const now = Date.now();
    for (const u of units) {
      let slot = this.#slots.get(u.key);
      if (!slot) {
        slot = { unit: u, startedAt: 0, restart: FRESH, notBefore: 0, stopping: false };
        this.#slots.set(u.key, slot);
      }
      if (!slot.child && now >= slot.notBefore) this.#start(slot);
      else if (slot.child) this.#probe(slot, now);
    }
  }

  /** Runs the due probes of a running unit; a liveness verdict of failure kills it, and the back-off restarts it. */
  #probe(slot: Slot, now: number): void {
    const check = (t: ProbeTracker | undefined, onFailure?: () => void): void => {
      if (!t?.due(now)) return;
      t.started(now);
      void runProbe(slot.unit.netns, t.spec).then((r) => {
        // A check that could not run, or one of a container since replaced, counts for nothing.
        if (r === undefined || (t !== slot.liveness && t !== slot.readiness)) return;
        if (t.record(r.ok, r.detail) === 'failure' && !r.ok) onFailure?.();
      });
    };
    check(slot.liveness, () => {
      if (!slot.proc || slot.killedFor) return;
      slot.killedFor = `liveness probe failed: ${slot.liveness?.lastFailure ?? ''}`;
      void stop(slot.proc, 2000);
    });
    check(slot.readiness);
  }

  #syncPodNetns(wanted: readonly string[]): void {
    const existing = new Set(listNamespaces());
    for (const ns of wanted) {
      if (!this.ownedNetns(ns)) continue;
      if (!existing.has(ns)) {
        run('ip', ['netns', 'add', ns]);
        runNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
      }
      this.#podNetns.add(ns);
    }
    for (const ns of [...this.#podNetns]) {
      if (wanted.includes(ns)) continue;
      const used = [...this.#slots.values()].some((s) => s.unit.netns === ns);
      if (!used) {
        run('ip', ['netns', 'del', ns], { allowFail: true });
        this.#podNetns.delete(ns);
      }
    }
  }

  #start(slot: Slot): void {
    const u = slot.unit;
    const container = 'container' in u ? u.container : undefined;
    // A container runs under runc from its bundle (its config.json joins the namespace); a process in the namespace.
    const [cmd, ...args] = container ? ['runc', 'run', '--bundle', container.bundle, container.id] : inNamespace(u.netns, withCpuProfile(u.argv, process.env.METALLB_LAB_CPU_PROF, safe(u.key)));
    if (!cmd) return;
    if (container) execFileSync('runc', ['delete', '--force', container.id], { stdio: 'ignore' });
    const logFile = 'logFile' in u && u.logFile ? u.logFile : path.join(this.logDir, `${safe(u.key)}.log`);
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    const log = fs.openSync(logFile, 'a');
    const child = spawn(cmd, args, { stdio: ['ignore', log, log], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(container ? {} : u.env) } });
    fs.closeSync(log);
    slot.child = child;
    slot.startedAt = Date.now();
    const probes = 'probes' in u ? u.probes : undefined;
    slot.liveness = probes?.liveness && new ProbeTracker(probes.liveness, slot.startedAt);
    slot.readiness = probes?.readiness && new ProbeTracker(probes.readiness, slot.startedAt);
    slot.killedFor = undefined;
    slot.proc = child.pid === undefined ? undefined : procRef(child.pid);
    // The container's own process, once runc has started it: what /proc shows and what a stop signals.
    if (container) void containerPid(container.id).then((pid) => {
      if (slot.child === child && pid !== undefined) slot.proc = procRef(pid) ?? slot.proc;
    });
    child.on('error', (e) => { slot.lastExit = e.message; });
    child.on('exit', (code, sig) => {
      slot.child = undefined;
      slot.proc = undefined;
      slot.lastExit = slot.killedFor ?? (sig ? `signal ${sig}` : `exit ${code}`);
      if (slot.stopping) return;
      const r = nextRestart(this.backoff, slot.restart, Date.now() - slot.startedAt);
      slot.restart = r.state;
      slot.notBefore = Date.now() + r.delayMs;
    });
  }

  async #stopSlot(slot: Slot): Promise<void> {
    slot.stopping = true;
    if (slot.proc) await stop(slot.proc, 3000);
  }

  /** Stops everything and removes the pod namespaces it created. */
  async shutdown(): Promise<void> {
    await Promise.all([...this.#slots.values()].map((s) => this.#stopSlot(s)));
    this.#slots.clear();
    for (const ns of this.#podNetns) run('ip', ['netns', 'del', ns], { allowFail: true });
    this.#podNetns.clear();
  }

  /** The pod namespaces the supervisor created. */
  podNamespaces(): string[] {
    return [...this.#podNetns].sort();
  }

  status(): UnitStatus[] {
    return [...this.#slots.values()].map((s): UnitStatus => ({
      key: s.unit.key,
      kind: s.unit.kind,
      netns: s.unit.netns,
      ...('pod' in s.unit && s.unit.pod ? { pod: s.unit.pod } : {}),
      ...(s.proc ? { proc: s.proc } : {}),
      ...('container' in s.unit && s.unit.container ? { containerId: s.unit.container.id } : {}),
      restarts: s.restart.restarts,
      state: s.child ? 'running' : s.stopping ? 'stopped' : 'waiting',
      ready: !!s.child && !s.killedFor && (s.readiness ? s.readiness.verdict === 'success' : true),
      ...(s.lastExit ? { lastExit: s.lastExit } : {}),
    }));
  }
}

/**
 * One check of a probe inside the unit's namespace: ok, or the failure as the kubelet reports it. Undefined
 * when the check itself could not run in time (a busy host), which counts neither way.
 */
function runProbe(netns: string, spec: ProbeSpec): Promise<{ ok: boolean; detail: string } | undefined> {
  const [cmd, ...args] = inNamespace(netns, probeArgv(spec.action, spec.timeoutMs));
  return new Promise((resolve) => {
    execFile(cmd ?? 'true', args, { timeout: spec.timeoutMs + 10_000, encoding: 'utf8' }, (e, out, err) => {
      if (!e) return resolve({ ok: true, detail: '' });
      if (e.killed) return resolve(undefined);
      if (spec.action.kind !== 'http') return resolve({ ok: false, detail: err.trim() || `exit ${String(e.code)}` });
      // curl prints the status code it got, 000 when there was no answer.
      const status = out.trim();
      const why = status && status !== '000' ? `HTTP probe failed with statuscode: ${status}` : err.trim() || e.message;
      resolve({ ok: false, detail: `Get "${spec.action.url}": ${why}` });
    });
  });
}

/** The host PID of a runc container's init process, once it runs (undefined after a few tries). */
function containerPid(id: string): Promise<number | undefined> {
  const running = (): Promise<number | undefined> =>
    new Promise((resolve) => {
      execFile('runc', ['state', id], { encoding: 'utf8' }, (e, out) => {
        if (e) return resolve(undefined);
        const st = JSON.parse(out) as { pid?: number; status?: string };
        resolve(st.status === 'running' && st.pid ? st.pid : undefined);
      });
    });
  return waitFor(`container ${id} running`, running, 5000).catch(() => undefined);
}
