// SPDX-License-Identifier: Apache-2.0
/**
 * The module runtime: addon-operator's part for one module. Reads the ModuleConfig, watches every binding,
 * runs the hooks through the batch executable (Synchronization, then events per queue), keeps and validates
 * values, renders the chart with `helm template` and applies it with pruning, and serves hook metrics.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';
import { systemClock, type Clock } from '../../lib/clock.js';
import type { BindingContext, KubeObject } from '../../lib/hook-sdk/index.js';
import type { WireHookConfig } from '../../lib/hook-sdk/wire-config.js';
import { newLogger, type Logger } from '../../lib/log.js';
import { camelName, loadContents } from '../../scripts/images/contents.js';
import { compileValuesSchema, loadConfigValuesSchema, loadConversions, loadCrdFiles, loadValuesSchema, type Conversion, type SchemaValidator } from '../../lib/schemas/index.js';
import { applyObjects, decodeRecord, encodeRecord, prune, pruneList, type ApplyStats, type ObjectRef, type Release } from './apply.js';
import { compact, eventContext, remapBatchConfig, lifecycleContext, lifecycleOrder, runsOnEvent, scheduleContext, synchronizationContexts, withSnapshots } from './contexts.js';
import { parseCron, type Cron } from './cron.js';
import { renderChart } from './helm.js';
import { loadHookConfigs, runHookProcess, runSettingsCheck } from './hook-exec.js';
import { Informer } from './informer.js';
import { Kube, KubeError } from './kube.js';
import { applyKubeOperations } from './kube-ops.js';
import { HookMetrics } from './metrics.js';
import { evaluateModuleConfig, withSettingsCheck, type ModuleConfigState } from './module-config.js';
import { Queues, type Backoff, type Task } from './queue.js';
import { ModuleValues } from './values.js';

export interface RuntimeOptions {
  kubeconfig: string;
  /** The module directory: Chart.yaml, templates/, openapi/, crds/. */
  moduleDir: string;
  /** The batch hook executable. */
  hooks: string;
  helm: string;
  module?: string;
  namespace?: string;
  /** `global` values the templates read. */
  global?: Record<string, unknown>;
  /** Serve metrics on this port (0 = any free port); unset = no endpoint. */
  metricsPort?: number;
  backoff?: Backoff;
  clock?: Clock;
  log?: Logger;
  /**
   * Module roots whose CRDs (crds/, and lab/crds/ for Deckhouse's own such as ModuleConfig) are created or
   * updated at start, as Deckhouse does when a module is enabled.
   */
  crdRoots?: string[];
}

/** The registry the lab's renders name; the lab's node agent maps an image digest to out/images/<name>.tar. */
export const LAB_REGISTRY = 'registry.deckhouse.io/deckhouse/ce';
const NO_IMAGE = `sha256:${'0'.repeat(64)}`;

/**
 * Image digests for the lab's renders: images_digests.json of the release's archives (out/images when `make images`
 * ran), else a digest of zeros for each image of images/contents.yaml (no image built: the lab runs the programs
 * from the repository); none for a module without images.
 */
export function labImageDigests(moduleDir: string, imagesDir = path.join(moduleDir, 'out/images')): Record<string, string> {
  const file = path.join(imagesDir, 'images_digests.json');
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
  if (!fs.existsSync(path.join(moduleDir, 'images/contents.yaml'))) return {};
  return Object.fromEntries(Object.keys(loadContents(moduleDir).images).map((n) => [camelName(n), NO_IMAGE]));
}

/** `global` values as Deckhouse gives them to an embedded module. */
export function defaultGlobal(moduleDir: string, imagesDir?: string): Record<string, unknown> {
  return {
    enabledModules: ['metallb'],
    discovery: { clusterDomain: 'cluster.local' },
    modulesImages: { registry: { base: LAB_REGISTRY }, digests: { metallb: labImageDigests(moduleDir, imagesDir) } },
  };
}

const RECORD_NAME = 'metallb-release';

export class ModuleRuntime {
  readonly kube: Kube;
  readonly metrics: HookMetrics;
  readonly log: Logger;
  #o: Required<Pick<RuntimeOptions, 'module' | 'namespace'>> & RuntimeOptions;
  #hooks: WireHookConfig[] = [];
  #informers = new Map<string, Informer>(); // `${hook}/${binding}` -> informer
  #queues: Queues;
  #values!: ModuleValues;
  #conversions: Conversion[] = [];
  #validateConfig!: SchemaValidator;
  #mc: ModuleConfigState | undefined;
  #mcInformer: Informer | undefined;
  #rel: Release;
  #cron: { hook: number; name: string; queue: string; cron: Cron }[] = [];
  #cronTimer: NodeJS.Timeout | undefined;
  #server: { port: number; close(): Promise<void> } | undefined;
  #enabled = true;
  #settingsCheck = false;
  #mcSeq = 0;
  // until the hooks' Synchronization is queued: events wait
  #synchronizing = true;
  // Synchronization runs queued and not yet done, and who waits for them
  #syncWaiting = 0;
  #syncWaiters: (() => void)[] = [];
  /** Counters for tests and the CLI. */
  readonly stats = { hookRuns: 0, hookFailures: 0, moduleRuns: 0, runsOf: {} as Record<string, number>, lastApply: undefined as ApplyStats | undefined };

  constructor(o: RuntimeOptions) {
    this.#o = { module: 'metallb', namespace: 'd8-metallb', ...o };
    this.kube = new Kube(o.kubeconfig);
    this.log = o.log ?? newLogger('module-runtime');
    this.metrics = new HookMetrics(this.#o.module);
    this.#queues = new Queues(o.clock ?? systemClock, o.backoff ?? { baseMs: 5000, maxMs: 30000 });
    this.#rel = { name: this.#o.module, namespace: this.#o.namespace, module: this.#o.module };
  }

  get metricsPort(): number | undefined {
    return this.#server?.port;
  }

  get hooks(): readonly WireHookConfig[] {
    return this.#hooks;
  }

  /** Starts everything and resolves after the first module run converged (or failed and is being retried). */
  async start(): Promise<void> {
    const o = this.#o;
    const loaded = await loadHookConfigs(o.hooks);
    this.#hooks = loaded.hooks.map(remapBatchConfig);
    this.#settingsCheck = loaded.settingsCheck;
    this.#conversions = loadConversions(o.moduleDir);
    this.#validateConfig = compileValuesSchema(loadConfigValuesSchema(o.moduleDir), { prefix: ['settings'] });
    this.#values = new ModuleValues(o.module, o.global ?? defaultGlobal(o.moduleDir), compileValuesSchema(loadValuesSchema(o.moduleDir), { prefix: [o.module] }));
    if (o.metricsPort !== undefined) this.#server = await this.metrics.serve(o.metricsPort);
    if (o.crdRoots?.length) await this.#ensureCrds(o.crdRoots);
    await this.#startModuleConfig();
    // Events that come before the hooks' Synchronization is queued wait for it, so they follow it in their queue.
    const early: (() => void)[] = [];
    for (const [i, h] of this.#hooks.entries()) {
      for (const b of h.kubernetes ?? []) {
        const inf = new Informer(this.kube, b, this.log);
        await inf.start();
        inf.onEvent = (e) => {
          if (!runsOnEvent(b, e.watchEvent)) return;
          const push = () => this.#pushHook(b.queue ?? 'main', i, [eventContext(h, b.name, e.watchEvent, e.item)], !!b.allowFailure);
          if (this.#synchronizing) early.push(push);
          else push();
        };
        this.#informers.set(`${i}/${b.name}`, inf);
      }
      for (const s of h.schedule ?? []) this.#cron.push({ hook: i, name: s.name, queue: s.queue ?? 'main', cron: parseCron(s.crontab) });
    }
    // Startup: onStartup in the main queue, then each binding's Synchronization in its own queue; the first module
    // run (main queue) waits until every Synchronization ran, as addon-operator's waitForSynchronization.
    for (const i of lifecycleOrder(this.#hooks, 'onStartup')) this.#pushHook('main', i, [lifecycleContext(this.#hooks[i] as WireHookConfig, 'onStartup', this.#snap(i))], false, 'startup');
    for (const [i, h] of this.#hooks.entries()) {
      const byQueue = new Map<string, BindingContext[]>();
      for (const c of synchronizationContexts(h, this.#snap(i))) {
        const q = (h.kubernetes ?? []).find((k) => k.name === c.binding)?.queue ?? 'main';
        byQueue.set(q, [...(byQueue.get(q) ?? []), c]);
      }
      for (const [q, ctx] of byQueue) this.#pushHook(q, i, ctx, false, 'sync');
    }
    this.#synchronizing = false;
    for (const push of early.splice(0)) push();
    this.#pushModuleRun();
    this.#queues.resume();
    this.#startCron();
    await this.#queues.idle();
  }

  /** Resolves when no work is queued or running. */
  idle(): Promise<void> {
    return this.#queues.idle();
  }

  async stop(): Promise<void> {
    this.#queues.stop();
    if (this.#cronTimer) clearTimeout(this.#cronTimer);
    for (const inf of this.#informers.values()) inf.stop();
    this.#mcInformer?.stop();
    await this.#server?.close();
  }

  #snap(hook: number): (binding: string) => ReturnType<Informer['snapshot']> {
    return (binding) => this.#informers.get(`${hook}/${binding}`)?.snapshot() ?? [];
  }

  async #ensureCrds(roots: string[]): Promise<void> {
    const crds: KubeObject[] = [];
    for (const root of roots) {
      crds.push(...loadCrdFiles(root).map((c) => c.crd as KubeObject));
      const lab = path.join(root, 'lab', 'crds');
      if (!fs.existsSync(lab)) continue;
      for (const f of fs.readdirSync(lab).filter((x) => x.endsWith('.yaml')).sort()) {
        crds.push(...(yaml.loadAll(fs.readFileSync(path.join(lab, f), 'utf8')) as KubeObject[]).filter((d) => d?.kind === 'CustomResourceDefinition'));
      }
    }
    const { stats } = await applyObjects(this.kube, crds, this.#rel, false);
    if (stats.errors.length) this.log.error({ errors: stats.errors }, 'ensuring CRDs failed');
    this.kube.resetDiscovery();
  }

  async #startModuleConfig(): Promise<void> {
    const mcBinding = { name: 'moduleconfig', apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', nameSelector: { matchNames: [this.#o.module] }, keepFullObjectsInMemory: true };
    const inf = new Informer(this.kube, mcBinding, this.log);
    try {
      await inf.start();
      this.#mcInformer = inf;
      inf.onEvent = () => void this.#onModuleConfig(inf.snapshot()[0]?.object);
    } catch (e) {
      if (!(e instanceof KubeError && e.code === 404)) throw e;
      this.log.warn('the API has no ModuleConfig resource: running with default settings');
    }
    await this.#onModuleConfig(inf.snapshot()[0]?.object, true);
  }

  /** Evaluates the ModuleConfig, writes its status when it changed, and reconfigures the module on valid settings. */
  async #onModuleConfig(mc: KubeObject | undefined, initial = false): Promise<void> {
    const seq = ++this.#mcSeq;
    let st = evaluateModuleConfig(mc, this.#conversions, this.#validateConfig);
    const raw = (mc?.spec as { settings?: unknown } | undefined)?.settings;
    if (this.#settingsCheck && st.errors.length === 0 && st.enabled !== false && raw !== undefined) st = withSettingsCheck(st, await runSettingsCheck(this.#o.hooks, raw));
    if (seq !== this.#mcSeq) return; // a newer ModuleConfig arrived meanwhile
    const prev = this.#mc;
    this.#mc = st;
    if (mc) {
      const live = (mc.status ?? {}) as { message?: string; version?: string };
      if (live.message !== st.status.message || live.version !== st.status.version) {
        try {
          await this.kube.patch('deckhouse.io/v1alpha1', 'ModuleConfig', undefined, this.#o.module, 'merge', { status: st.status }, 'status');
        } catch (e) {
          this.log.error({ err: (e as Error).message }, 'writing ModuleConfig status failed');
        }
      }
    }
    if (st.errors.length) {
      this.log.error({ errors: st.errors }, 'ModuleConfig is invalid: keeping the last valid settings');
      if (initial) this.#values.setConfig({});
      return;
    }
    this.#values.setConfig(st.settings ?? {});
    const enabled = st.enabled !== false;
    const changed = !prev || JSON.stringify(prev.settings) !== JSON.stringify(st.settings) || this.#enabled !== enabled;
    this.#enabled = enabled;
    if (!initial && changed) this.#pushModuleRun();
  }

  /**
   * Queues a run of hook `i`. Runs of one hook waiting in a queue merge (their contexts in order, Group contexts
   * compacted at run time), except onStartup and a Synchronization of a binding without a group, which run alone.
   */
  #pushHook(queue: string, i: number, contexts: BindingContext[], allowFailure: boolean, kind: 'startup' | 'sync' | 'event' = 'event'): void {
    const h = this.#hooks[i] as WireHookConfig;
    const name = h.metadata?.name ?? String(i);
    const alone = kind === 'startup' || contexts.some((c) => 'type' in c && c.type === 'Synchronization');
    if (kind === 'sync') this.#syncWaiting++;
    const task: Task & { contexts: BindingContext[]; alone: boolean; syncs: number } = {
      key: `${kind === 'startup' ? 'startup' : 'hook'}/${i}`,
      contexts,
      alone,
      syncs: kind === 'sync' ? 1 : 0,
      allowFailure,
      run: async () => {
        const changed = await this.#runHook(i, task.contexts);
        this.#syncRan(task.syncs);
        if (changed) this.#pushModuleRun();
      },
      merge: (later) => {
        const l = later as typeof task;
        if (task.alone || l.alone) return false;
        task.contexts.push(...l.contexts);
        task.syncs += l.syncs;
        task.allowFailure = !!task.allowFailure && !!l.allowFailure;
        return true;
      },
      failed: (err, attempt) => {
        this.log.error({ hook: name, attempt, err: err.message }, task.allowFailure ? 'hook failed (allowFailure)' : 'hook failed, will retry');
        if (task.allowFailure) this.#syncRan(task.syncs);
      },
    };
    this.#queues.push(queue, task);
  }

  /** Counts Synchronization runs done; the first module run waits for all of them. */
  #syncRan(n: number): void {
    this.#syncWaiting -= n;
    if (this.#syncWaiting === 0) for (const r of this.#syncWaiters.splice(0)) r();
  }

  #synchronized(): Promise<void> {
    return this.#syncWaiting === 0 ? Promise.resolve() : new Promise((r) => this.#syncWaiters.push(r));
  }

  #pushModuleRun(): void {
    if (this.#queues.has('main', 'module-run')) return;
    this.#queues.push('main', {
      key: 'module-run',
      run: () => this.#moduleRun(),
      failed: (err, attempt) => this.log.error({ attempt, err: err.message }, 'module run failed, will retry'),
    });
  }

  /** Runs one hook through the executable; commits values, operations and metrics only when all checks pass. Returns whether values changed. */
  async #runHook(i: number, contexts: BindingContext[]): Promise<boolean> {
    const h = this.#hooks[i] as WireHookConfig;
    const name = h.metadata?.name ?? String(i);
    const ctx = withSnapshots(h, compact(contexts), this.#snap(i));
    const before = this.#values.check();
    this.stats.hookRuns++;
    this.stats.runsOf[name] = (this.stats.runsOf[name] ?? 0) + 1;
    const binding = ctx[0]?.binding ?? '';
    try {
      const r = await runHookProcess(this.#o.hooks, i, name, ctx, before.values, this.#values.configValues());
      this.metrics.runSeconds.observe({ hook: name }, r.ms / 1000);
      const same = r.values.length === 0 && r.configValues.length === 0;
      const after = same ? before : this.#values.check(r.values, r.configValues);
      if (!after.ok) throw new Error(`values after hook ${name} are invalid: ${after.errors.join('; ')}`);
      const t1 = performance.now();
      await applyKubeOperations(this.kube, r.kube);
      this.log.info({ hook: name, contexts: contexts.length, compacted: ctx.length, ms: Math.round(r.ms), ops: r.kube.length, opsMs: Math.round(performance.now() - t1) }, 'hook run');
      this.metrics.apply(name, r.metrics);
      this.#values.commit(r.values, r.configValues);
      this.metrics.runs.inc({ hook: name, binding, result: 'ok' });
      if (r.log.trim()) this.log.debug({ hook: name, output: r.log.trim() }, 'hook output');
      return !same && JSON.stringify(after.values) !== JSON.stringify(before.values);
    } catch (e) {
      this.stats.hookFailures++;
      this.metrics.runs.inc({ hook: name, binding, result: 'error' });
      throw e;
    }
  }

  /** beforeHelm hooks, render + apply + prune, afterHelm hooks; after a disable, prune all and run afterDeleteHelm. */
  async #moduleRun(): Promise<void> {
    await this.#synchronized();
    this.stats.moduleRuns++;
    if (!this.#enabled) {
      const stats: ApplyStats = { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: [], errors: [] };
      await prune(this.kube, await this.#readRecord(), this.#rel, stats);
      await this.#writeRecord([]);
      for (const i of lifecycleOrder(this.#hooks, 'afterDeleteHelm')) await this.#runHook(i, [lifecycleContext(this.#hooks[i] as WireHookConfig, 'afterDeleteHelm', this.#snap(i))]);
      this.stats.lastApply = stats;
      return;
    }
    for (const i of lifecycleOrder(this.#hooks, 'beforeHelm')) await this.#runHook(i, [lifecycleContext(this.#hooks[i] as WireHookConfig, 'beforeHelm', this.#snap(i))]);
    const values = this.#values.check();
    if (!values.ok) throw new Error(`values are invalid: ${values.errors.join('; ')}`);
    const o = this.#o;
    let objs: KubeObject[];
    const t0 = performance.now();
    try {
      objs = await renderChart({ helm: o.helm, chartDir: o.moduleDir, release: o.module, namespace: o.namespace }, { global: values.values.global, [o.module]: values.values[o.module] });
    } catch (e) {
      this.metrics.renders.inc({ result: 'error' });
      throw e;
    }
    const t1 = performance.now();
    const { stats, refs } = await applyObjects(this.kube, objs, this.#rel);
    const previous = await this.#readRecord();
    await prune(this.kube, pruneList(previous, refs), this.#rel, stats);
    await this.#writeRecord(refs);
    this.stats.lastApply = stats;
    this.metrics.renders.inc({ result: stats.errors.length ? 'error' : 'ok' });
    this.log.info({ created: stats.created, updated: stats.updated, unchanged: stats.unchanged, deleted: stats.deleted, renderMs: Math.round(t1 - t0), applyMs: Math.round(performance.now() - t1) }, 'chart applied');
    if (stats.skipped.length) this.log.warn({ skipped: stats.skipped }, 'objects of APIs the cluster does not serve were left out');
    if (stats.errors.length) throw new Error(`applying the chart failed: ${stats.errors.join('; ')}`);
    for (const i of lifecycleOrder(this.#hooks, 'afterHelm')) await this.#runHook(i, [lifecycleContext(this.#hooks[i] as WireHookConfig, 'afterHelm', this.#snap(i))]);
  }

  /** The objects applied last time, kept in a ConfigMap as helm keeps its release. */
  async #readRecord(): Promise<ObjectRef[]> {
    const cm = await this.kube.get('v1', 'ConfigMap', this.#o.namespace, RECORD_NAME).catch(() => undefined);
    const text = (cm?.data as { objects?: string } | undefined)?.objects;
    return text ? decodeRecord(text) : [];
  }

  async #writeRecord(refs: ObjectRef[]): Promise<void> {
    const objects = encodeRecord(refs);
    const cm = await this.kube.get('v1', 'ConfigMap', this.#o.namespace, RECORD_NAME).catch(() => undefined);
    if ((cm?.data as { objects?: string } | undefined)?.objects === objects) return;
    const body: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: RECORD_NAME, namespace: this.#o.namespace, labels: { heritage: 'deckhouse', module: this.#o.module } }, data: { objects } };
    try {
      if (cm) await this.kube.replace({ ...body, metadata: { ...body.metadata, resourceVersion: cm.metadata?.resourceVersion ?? '' } });
      else await this.kube.create(body);
    } catch (e) {
      this.log.warn({ err: (e as Error).message }, 'writing the release record failed');
    }
  }

  #startCron(): void {
    if (this.#cron.length === 0) return;
    const tick = () => {
      const now = new Date();
      for (const c of this.#cron) {
        if (!c.cron.matches(now)) continue;
        const h = this.#hooks[c.hook] as WireHookConfig;
        const allow = !!(h.schedule ?? []).find((s) => s.name === c.name)?.allowFailure;
        this.#pushHook(c.queue, c.hook, [scheduleContext(h, c.name)], allow);
      }
      this.#cronTimer = setTimeout(tick, 1000 - (Date.now() % 1000));
    };
    this.#cronTimer = setTimeout(tick, 1000 - (Date.now() % 1000));
  }
}
