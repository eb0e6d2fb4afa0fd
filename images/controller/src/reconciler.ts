// SPDX-License-Identifier: Apache-2.0
/**
 * The reconciler: informers feed a keyed work queue; the leader runs each key through the allocator and
 * writes status, a condition and Events. On winning the election it first rebuilds the allocator from the
 * addresses that statuses already list, so a restart or failover never reshuffles anything.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type * as k8s from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { apiVersionOf, IP_ADDRESS_POOL, SDN_INTERNAL_L2LB_SERVICE } from '../../../lib/api/index.js';
import { systemClock, type Clock } from '../../../lib/clock.js';
import type { Logger } from '../../../lib/log.js';
import { configFor, ConfigMemory } from '../../../lib/config/model.js';
import type { IPAddressPoolObject } from '../../../lib/config/pool.js';
import { instanceClaim, serviceClaim, type ClaimResult } from './claims.js';
import { Allocator } from './ipam/allocator.js';
import { poolOverlaps } from './ipam/pool.js';
import { EventRecorder } from '../../../lib/event-recorder.js';
import type { EventSpec } from '../../../lib/k8s-event.js';
import { apiClient, COMPONENT, eventRef, informers, KubeLeaseStore, statusCode, StatusWriter, type EventSubject, type Informers } from './k8s.js';
import { DEFAULT_TIMING, LeaderElector, type ElectionTiming } from './leader.js';
import { stuckInformer } from '../../../lib/informer.js';
import { CONFIG_STALE_REASON, staleMessage } from '../../../lib/last-good.js';
import { controllerMetrics, type ControllerMetrics } from './metrics.js';
import { KeyQueue } from './queue.js';
import type { LoadBalancerClassLike, ServiceLike } from './objects.js';
import { allocatedEvent, failedEvent, heldIps, nextStatus, releasedEvent, type EventText, type Outcome } from './status.js';

export interface ControllerOptions {
  kubeConfig: k8s.KubeConfig;
  /** Where the pools and the Lease live: d8-metallb. */
  namespace: string;
  /** This replica's name (the pod name). */
  identity: string;
  log: Logger;
  registry: Registry;
  timing?: ElectionTiming;
  clock?: Clock;
  /** Status writes in flight at once (64). */
  concurrency?: number;
  leaseName?: string;
  /** The module's `loadBalancerClass` setting: when set, BGP serves only Services of this class. */
  lbClass?: string;
}

type Kind = 'instance' | 'service';

/** An informer that cannot list or watch for this long makes /healthz fail, so the kubelet restarts us. */
const STUCK_AFTER_MS = 120_000;

export class Controller {
  readonly #o: ControllerOptions;
  readonly #inf: Informers;
  readonly #writer: StatusWriter;
  readonly #recorder: EventRecorder;
  readonly #elector: LeaderElector;
  readonly #metrics: ControllerMetrics;
  #alloc: Allocator | undefined;
  #synced = false;
  #stopping = false;
  #defaultClass = false;
  #classNames: ReadonlySet<string> = new Set();
  #poolsDirty = false;
  // keys waiting, keys being worked on, keys that changed while worked on
  #queue = new KeyQueue();
  #busy = new Set<string>();
  #again = new Set<string>();
  #workers = 0;
  #idle: Array<() => void> = [];
  // Events told while status writes were pending; only their references are kept, not the objects
  #events: EventSpec[] = [];
  // claim key -> why setPools took its address away, told in the next IPReleased event
  #released = new Map<string, string>();
  // key -> resourceVersion of our last status write, until its watch event (our own echo) comes back
  #wrote = new Map<string, string>();
  #eventWorkers = 0;
  // the last valid version of each pool: a bad edit keeps it in force
  readonly #config = new ConfigMemory();
  // "pool/reason" -> message of the Event last recorded for it
  readonly #told = new Map<string, string>();

  constructor(o: ControllerOptions) {
    this.#o = o;
    this.#inf = informers(o.kubeConfig, o.namespace, {
      onError: (e, before) => o.log[before === 0 ? 'warn' : 'debug']({ err: String((e as Error)?.message ?? e) }, 'list or watch failed; retrying with back-off'),
    });
    this.#writer = new StatusWriter(o.kubeConfig);
    this.#recorder = new EventRecorder(apiClient(o.kubeConfig, CoreV1Api), { component: COMPONENT, instance: o.identity }, o.log);
    this.#metrics = controllerMetrics(o.registry, () => this.#alloc);
    const timing = o.timing ?? DEFAULT_TIMING;
    const store = new KubeLeaseStore(o.kubeConfig, o.namespace, o.leaseName ?? 'metallb-controller', timing.renewDeadlineMs / 2);
    this.#elector = new LeaderElector(store, o.identity, o.clock ?? systemClock, timing, {
      started: () => this.#becameLeader(),
      stopped: () => this.#lostLeadership(),
      error: (e) => o.log.warn({ err: e.message }, 'leader election: lease update failed'),
    });
  }

  /**
   * Lists everything, then campaigns; resolves once every cache is filled by a successful list. Until then
   * this replica neither leads nor reconciles: an empty cache would rebuild allocations from nothing.
   */
  async start(): Promise<void> {
    const { services, instances, pools, namespaces, classes } = this.#inf;
    const key = (p: string) => (o: k8s.KubernetesObject) => this.#changed(`${p}/${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`, o);
    for (const v of ['add', 'update', 'delete'] as const) {
      services.on(v, key('svc'));
      instances.on(v, key('l2'));
      pools.on(v, () => this.#poolsChanged());
      classes.on(v, () => this.#classesChanged());
      namespaces.on(v, (n) => this.#namespaceChanged(n.metadata?.name ?? ''));
    }
    const all = Object.values(this.#inf);
    await Promise.all(all.map((i) => i.start().catch(() => undefined)));
    await Promise.all(all.map((i) => i.whenListed()));
    if (this.#stopping) return;
    this.#synced = true;
    this.#classesChanged();
    this.#o.log.info({ identity: this.#o.identity }, 'caches filled; campaigning for leadership');
    this.#elector.start();
  }

  /** Stops watching and campaigning; `release` hands the Lease over at once (a clean shutdown). */
  async stop(release = true): Promise<void> {
    this.#stopping = true;
    await this.#elector.stop(release);
    await Promise.all(Object.values(this.#inf).map((i) => i.stop()));
  }

  ready(): boolean {
    return this.#synced;
  }

  /** True, or why the process is stuck: the election loop stopped turning, or an informer cannot list or watch. */
  healthy(): true | string {
    const election = this.#elector.stalledMs();
    const limit = (this.#o.timing ?? DEFAULT_TIMING).leaseDurationMs * 2;
    if (election > limit) return `leader election has not run for ${Math.round(election / 1000)} s`;
    return stuckInformer(this.#inf, STUCK_AFTER_MS) ?? true;
  }

  isLeader(): boolean {
    return this.#elector.isLeader() && this.#alloc !== undefined;
  }

  /** Resolves when the leader has nothing queued or in flight (tests and benches wait on it). */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #isIdle(): boolean {
    return this.#queue.size === 0 && this.#busy.size === 0 && !this.#poolsDirty && this.#events.length === 0 && this.#eventWorkers === 0;
  }

  #becameLeader(): void {
    const a = new Allocator();
    this.#applyPools(a);
    // Rebuild: every address a status lists goes back to its holder first, oldest object first.
    const held: Array<{ created: number; key: string; res: ClaimResult; ips: string[] }> = [];
    for (const [kind, list] of [['instance', this.#inf.instances.list()], ['service', this.#inf.services.list()]] as const) {
      for (const o of list as readonly ServiceLike[]) {
        const ips = heldIps(o);
        if (!ips.length) continue;
        const res = this.#claimOf(kind, o);
        if (res.kind === 'claim') held.push({ created: new Date(o.metadata?.creationTimestamp ?? 0).getTime(), key: res.claim.key, res, ips });
      }
    }
    held.sort((x, y) => x.created - y.created || (x.key < y.key ? -1 : 1));
    let kept = 0;
    for (const h of held) if (h.res.kind === 'claim' && a.assign(h.res.claim, h.ips).ok) kept++;
    this.#alloc = a;
    this.#metrics.leader(true);
    this.#o.log.info({ identity: this.#o.identity, kept, listed: held.length }, 'leading: rebuilt allocations from status');
    this.#enqueueAll();
  }

  #lostLeadership(): void {
    this.#alloc = undefined;
    this.#queue.clear();
    this.#wrote.clear();
    this.#metrics.leader(false);
    this.#o.log.warn({ identity: this.#o.identity }, 'lost leadership; no more writes');
    this.#wakeIdle();
  }

  #claimOf(kind: Kind, o: ServiceLike): ClaimResult {
    const ns = o.metadata?.namespace ?? '';
    const labels = this.#inf.namespaces.get(ns)?.metadata?.labels ?? {};
    if (kind === 'instance') return instanceClaim(o, labels);
    return serviceClaim(o, labels, { defaultL2Class: this.#defaultClass, classNames: this.#classNames, ...(this.#o.lbClass ? { lbClass: this.#o.lbClass } : {}) });
  }

  #applyPools(a: Allocator): void {
    const objs = [...this.#inf.pools.list()].sort((x, y) => (x.metadata?.name ?? '').localeCompare(y.metadata?.name ?? ''));
    const { pools, stale } = configFor({ pools: objs as ReadonlyArray<IPAddressPoolObject & k8s.KubernetesObject> }, this.#config);
    this.#metrics.configLoaded(stale.length > 0);
    const now = new Map<string, [k8s.KubernetesObject, EventText]>();
    for (const s of stale) {
      this.#o.log.error({ pool: s.current.metadata?.name, err: s.error }, s.inForce ? 'pool edit rejected; its last valid version stays in force' : 'pool left out');
      now.set(`${s.current.metadata?.name ?? ''}/${CONFIG_STALE_REASON}`, [s.current, { type: 'Warning', reason: CONFIG_STALE_REASON, message: staleMessage(s) }]);
    }
    for (const o of poolOverlaps(pools)) {
      for (const [me, other] of [o.pools, [o.pools[1], o.pools[0]]] as const) {
        const obj = objs.find((x) => x.metadata?.name === me);
        const message = `addresses ${o.range} are also in pool "${other}": each is given out once, by whichever pool a Service draws from first`;
        if (obj) now.set(`${me}/PoolsOverlap`, [obj, { type: 'Warning', reason: 'PoolsOverlap', message }]);
      }
    }
    this.#tellPools(now);
    for (const r of a.setPools(pools)) {
      this.#released.set(r.key, r.reason);
      this.#o.log.warn({ key: r.key, ip: r.ips.join(','), why: r.reason }, 'address released by a pool change');
    }
  }

  /** Events on the pools for problems that are new or changed since last told. */
  #tellPools(now: Map<string, [k8s.KubernetesObject, EventText]>): void {
    for (const key of [...this.#told.keys()]) if (!now.has(key)) this.#told.delete(key);
    for (const [key, [obj, e]] of now) {
      if (this.#told.get(key) === e.message) continue;
      this.#told.set(key, e.message);
      this.#event({ apiVersion: apiVersionOf(IP_ADDRESS_POOL), kind: IP_ADDRESS_POOL.kind, metadata: obj.metadata ?? {} }, e);
    }
  }

  #poolsChanged(): void {
    if (!this.#alloc) return;
    this.#poolsDirty = true;
    this.#pump();
  }

  #classesChanged(): void {
    const classes = this.#inf.classes.list() as readonly LoadBalancerClassLike[];
    const def = classes.some((c) => c.spec?.isDefault === true);
    const names = new Set(classes.map((c) => c.metadata?.name ?? ''));
    if (def === this.#defaultClass && names.size === this.#classNames.size && [...names].every((n) => this.#classNames.has(n))) return;
    this.#defaultClass = def;
    this.#classNames = names;
    for (const s of this.#inf.services.list()) this.#enqueue(`svc/${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`);
  }

  #namespaceChanged(ns: string): void {
    for (const s of this.#inf.services.list(ns)) this.#enqueue(`svc/${ns}/${s.metadata?.name ?? ''}`);
    for (const i of this.#inf.instances.list(ns)) this.#enqueue(`l2/${ns}/${i.metadata?.name ?? ''}`);
  }

  #enqueueAll(): void {
    for (const i of this.#inf.instances.list()) this.#queue.add(`l2/${i.metadata?.namespace ?? ''}/${i.metadata?.name ?? ''}`);
    for (const s of this.#inf.services.list()) this.#queue.add(`svc/${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`);
    this.#pump();
  }

  /** An informer saw `o` change; the echo of our own status write needs no second look. */
  #changed(key: string, o: k8s.KubernetesObject): void {
    const rv = this.#wrote.get(key);
    if (rv !== undefined) {
      this.#wrote.delete(key);
      if (rv === o.metadata?.resourceVersion) return;
    }
    this.#enqueue(key);
  }

  #enqueue(key: string): void {
    if (!this.#alloc) return;
    if (this.#busy.has(key)) this.#again.add(key);
    else this.#queue.add(key);
    this.#pump();
  }

  #pump(): void {
    if (this.#poolsDirty && this.#alloc) {
      this.#poolsDirty = false;
      this.#applyPools(this.#alloc);
      // Released holders and failed claims alike get another look.
      this.#enqueueAll();
      return;
    }
    const max = this.#o.concurrency ?? 64;
    while (this.#workers < max && this.#queue.size > 0) {
      this.#workers++;
      void this.#work().finally(() => {
        this.#workers--;
        this.#pump();
        this.#drainEvents();
        this.#wakeIdle();
      });
    }
  }

  #wakeIdle(): void {
    if (!this.#isIdle() && this.#alloc) return;
    const w = this.#idle;
    this.#idle = [];
    for (const r of w) r();
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = this.#queue.take();
      if (key === undefined) return;
      this.#busy.add(key);
      try {
        await this.#process(key);
      } catch (e) {
        this.#o.log.error({ err: (e as Error).message, key }, 'reconcile failed; retrying in 1 s');
        setTimeout(() => this.#enqueue(key), 1000);
      } finally {
        this.#busy.delete(key);
        if (this.#again.delete(key)) this.#queue.add(key);
      }
    }
  }

  async #process(key: string): Promise<void> {
    const a = this.#alloc;
    if (!a || !this.#elector.isLeader()) return;
    const [scope, ns = '', name = ''] = key.split('/');
    const kind: Kind = scope === 'l2' ? 'instance' : 'service';
    const obj = (kind === 'instance' ? this.#inf.instances.get(name, ns) : this.#inf.services.get(name, ns)) as ServiceLike | undefined;
    if (!obj) {
      a.release(key);
      return;
    }
    const res = this.#claimOf(kind, obj);
    if (res.kind === 'skip') {
      if (a.release(key)) this.#o.log.info({ service: `${ns}/${name}`, why: res.why }, 'no longer ours; address released');
      return;
    }
    let out: Outcome;
    if (res.kind === 'invalid') {
      a.release(key);
      out = { ok: false, failure: res.failure };
    } else {
      const r = a.allocate(res.claim);
      out = r.ok ? { ok: true, ips: r.allocation.ips, pools: r.allocation.pools } : { ok: false, failure: r.failure };
    }
    if (!out.ok) this.#metrics.allocationFailed(out.failure.kind);
    await this.#write(key, kind, obj, out);
  }

  async #write(key: string, kind: Kind, obj: ServiceLike, out: Outcome): Promise<void> {
    let cur: ServiceLike | undefined = obj;
    for (let attempt = 0; attempt < 5 && cur; attempt++) {
      const status = nextStatus(cur, out, new Date());
      if (!status || !this.#elector.isLeader()) return;
      try {
        const rv = (await this.#writer.write(kind, cur, status)).metadata?.resourceVersion;
        if (rv) this.#wrote.set(key, rv);
        this.#metrics.statusWritten(kind);
        this.#announce(kind, cur, out);
        return;
      } catch (e) {
        const code = statusCode(e);
        if (code === 404) return;
        if (code !== 409) throw e;
        cur = await this.#writer.read(kind, cur.metadata?.namespace ?? '', cur.metadata?.name ?? '');
      }
    }
  }

  /** Events for a written outcome; an instance's trouble is also told on its Service, where `describe` shows it. */
  #announce(kind: Kind, before: ServiceLike, out: Outcome): void {
    const md = before.metadata ?? {};
    const subject: EventSubject = kind === 'instance'
      ? { apiVersion: apiVersionOf(SDN_INTERNAL_L2LB_SERVICE), kind: SDN_INTERNAL_L2LB_SERVICE.kind, metadata: md }
      : { apiVersion: 'v1', kind: 'Service', metadata: md };
    const ref = before.spec?.serviceRef;
    const parentObj = kind === 'instance' && ref ? this.#inf.services.get(ref.name, ref.namespace) : undefined;
    const parent: EventSubject | undefined = parentObj ? { apiVersion: 'v1', kind: 'Service', metadata: parentObj.metadata ?? {} } : undefined;
    const old = heldIps(before);
    const now = out.ok ? out.ips : [];
    const gone = old.filter((ip) => !now.includes(ip));
    const key = `${kind === 'instance' ? 'l2' : 'svc'}/${md.namespace ?? ''}/${md.name ?? ''}`;
    const poolReason = this.#released.get(key);
    this.#released.delete(key);
    const tell = (e: EventText, alsoParent: boolean) => {
      this.#event(subject, e);
      if (alsoParent && parent) this.#event(parent, e);
    };
    if (gone.length) {
      const why = poolReason ?? (out.ok ? 'the address is no longer valid for this object' : 'no address can be kept');
      tell(releasedEvent(gone, why), true);
    }
    if (out.ok && now.some((ip) => !old.includes(ip))) tell(allocatedEvent(now), false);
    if (!out.ok) tell(failedEvent(md.namespace ?? '', md.name ?? '', out.failure), true);
    // Each allocation is an Event already; at thousands of writes a log line each is noise and CPU.
    const level = out.ok ? 'debug' : 'warn';
    this.#o.log[level]({ service: `${md.namespace ?? ''}/${md.name ?? ''}`, kind, ip: now.join(','), ...(out.ok ? {} : { reason: out.failure.kind }) }, out.ok ? 'status written' : 'allocation failed');
  }

  /** Events wait until no status write is pending: at scale, addresses first, the story after. */
  #event(subject: EventSubject, e: EventText): void {
    this.#events.push({ involvedObject: eventRef(subject), ...e });
    this.#drainEvents();
  }

  #drainEvents(): void {
    if (this.#queue.size > 0 || this.#busy.size > 0) return;
    while (this.#eventWorkers < 4 && this.#events.length) {
      this.#eventWorkers++;
      void (async () => {
        for (let spec = this.#events.shift(); spec; spec = this.#events.shift()) await this.#recorder.record(spec);
      })().finally(() => {
        this.#eventWorkers--;
        this.#wakeIdle();
      });
    }
  }
}
