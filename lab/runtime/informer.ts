// SPDX-License-Identifier: Apache-2.0
/**
 * One kubernetes binding's view of the cluster: list, then watch, keeping the snapshot
 * (`{object?, filterResult?}` per object) and reporting changes as shell-operator does:
 * with a jqFilter, a Modified event fires only when the filter result changes. Watch events that arrive
 * together go through one jq process, in order.
 */
import { createHash } from 'node:crypto';
import type { KubeObject, ObjectAndFilterResult, WatchEvent } from '../../lib/hook-sdk/index.js';
import type { WireKubernetesBinding } from '../../lib/hook-sdk/wire-config.js';
import type { Logger } from '../../lib/log.js';
import { JqFilter } from './jq.js';
import { objectKey, KubeError, type Kube, type Selectors } from './kube.js';
import { fieldSelectorString, labelSelectorString, matchesBinding, singleNamespace } from './selectors.js';

interface Entry {
  item: ObjectAndFilterResult;
  sum: string;
}

export type InformerEvent = { watchEvent: WatchEvent; item: ObjectAndFilterResult };

export class Informer {
  #kube: Kube;
  #b: WireKubernetesBinding;
  #log: Logger;
  #store = new Map<string, Entry>();
  // the sorted snapshot, until the store changes
  #sorted: ObjectAndFilterResult[] | undefined;
  #rv = '';
  #stopped = false;
  #watch: { stop(): void } | undefined;
  #retry: NodeJS.Timeout | undefined;
  #namespaces: Set<string> | undefined;
  /** Watch events not yet filtered, and the chain that filters and applies them in order. */
  #pending: { key: string; object: KubeObject | undefined }[] = [];
  #chain: Promise<void> = Promise.resolve();
  #jq: JqFilter | undefined;
  /** Called for each change after the initial list. */
  onEvent: (e: InformerEvent) => void = () => {};

  constructor(kube: Kube, binding: WireKubernetesBinding, log: Logger) {
    this.#kube = kube;
    this.#b = binding;
    this.#log = log.child({ binding: binding.name, kind: binding.kind });
  }

  get binding(): WireKubernetesBinding {
    return this.#b;
  }

  /** The current snapshot, sorted by namespace/name (shell-operator keeps them ordered). Items are shared: never change them. */
  snapshot(): ObjectAndFilterResult[] {
    this.#sorted ??= [...this.#store.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e.item);
    return this.#sorted.slice();
  }

  #selectors(): Selectors {
    const s: Selectors = {};
    const l = labelSelectorString(this.#b.labelSelector);
    const f = fieldSelectorString(this.#b.fieldSelector, this.#b.nameSelector?.matchNames);
    if (l) s.labelSelector = l;
    if (f) s.fieldSelector = f;
    return s;
  }

  /** Each object's entry: undefined when the binding does not select it, 'failed' when its jqFilter failed. */
  async #entries(objs: readonly KubeObject[]): Promise<(Entry | undefined | 'failed')[]> {
    const sel = objs.map((o) => matchesBinding(this.#b, o, this.#namespaces));
    const kept = objs.filter((_, i) => sel[i]);
    const jq = this.#b.jqFilter;
    const results = jq !== undefined ? await this.#filter(kept) : [];
    let k = 0;
    return objs.map((o, n) => {
      if (!sel[n]) return undefined;
      const i = k++;
      if (jq !== undefined && !(i in results)) return 'failed';
      const item: ObjectAndFilterResult = {};
      if (this.#b.keepFullObjectsInMemory !== false) item.object = o;
      if (jq !== undefined) item.filterResult = results[i];
      return { item, sum: createHash('sha256').update(JSON.stringify(jq !== undefined ? results[i] : o)).digest('hex') };
    });
  }

  /** The jqFilter's results, one per object; an object the filter fails on is left out (a hole), with a log line, as shell-operator drops it. */
  async #filter(objs: KubeObject[]): Promise<unknown[]> {
    this.#jq ??= new JqFilter(this.#b.jqFilter ?? '.');
    const out: unknown[] = [];
    const jq = this.#jq;
    // a jq that died is started again for one more try
    const results = await jq.run(objs).catch(() => jq.run(objs));
    for (const [i, r] of results.entries()) {
      if ('ok' in r) out[i] = r.ok;
      else this.#log.error({ err: r.err, object: objectKey(objs[i] as KubeObject) }, 'jqFilter failed, the object is left out');
    }
    return out;
  }

  async #list(): Promise<Map<string, Entry>> {
    const b = this.#b;
    const apiVersion = b.apiVersion ?? 'v1';
    if (b.namespace?.labelSelector) {
      const nss = await this.#kube.list('v1', 'Namespace', undefined, { labelSelector: labelSelectorString(b.namespace.labelSelector) ?? '' });
      this.#namespaces = new Set(nss.items.map((n) => n.metadata?.name ?? ''));
    }
    const r = await this.#kube.list(apiVersion, b.kind, singleNamespace(b), this.#selectors());
    this.#rv = r.resourceVersion;
    const entries = await this.#entries(r.items);
    const m = new Map<string, Entry>();
    r.items.forEach((o, i) => {
      const e = entries[i];
      if (e && e !== 'failed') m.set(objectKey(o), e);
    });
    return m;
  }

  /** Lists and fills the snapshot (the Synchronization state), then watches in the background. */
  async start(): Promise<void> {
    for (const [k, e] of await this.#list()) this.#store.set(k, e);
    this.#sorted = undefined;
    void this.#startWatch();
  }

  stop(): void {
    this.#stopped = true;
    this.#jq?.close();
    this.#watch?.stop();
    if (this.#retry) clearTimeout(this.#retry);
  }

  #apply(key: string, next: Entry | undefined): void {
    const prev = this.#store.get(key);
    if (next === undefined) {
      if (!prev) return;
      this.#store.delete(key);
      this.#sorted = undefined;
      this.onEvent({ watchEvent: 'Deleted', item: prev.item });
      return;
    }
    this.#store.set(key, next);
    this.#sorted = undefined;
    if (!prev) this.onEvent({ watchEvent: 'Added', item: next.item });
    else if (prev.sum !== next.sum) this.onEvent({ watchEvent: 'Modified', item: next.item });
  }

  async #startWatch(): Promise<void> {
    if (this.#stopped) return;
    const b = this.#b;
    try {
      this.#watch = await this.#kube.watch(
        b.apiVersion ?? 'v1',
        b.kind,
        singleNamespace(b),
        this.#rv,
        this.#selectors(),
        (ev) => {
          if (ev.type === 'BOOKMARK') {
            this.#rv = ev.object.metadata?.resourceVersion ?? this.#rv;
            return;
          }
          this.#rv = ev.object.metadata?.resourceVersion ?? this.#rv;
          this.#pending.push({ key: objectKey(ev.object), object: ev.type === 'DELETED' ? undefined : ev.object });
          if (this.#pending.length === 1) void this.#serial(() => this.#drain());
        },
        (err) => void this.#restart(err),
      );
    } catch (e) {
      void this.#restart(e as Error);
    }
  }

  /** Runs `step` after every step queued before it. */
  #serial(step: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(step).catch((e: unknown) => this.#log.error({ err: (e as Error).message }, 'informer step failed'));
    return this.#chain;
  }

  /** Filters the watch events that arrived so far with one jq run and applies them in order. */
  async #drain(): Promise<void> {
    const batch = this.#pending;
    this.#pending = [];
    if (this.#stopped) return;
    const entries = await this.#entries(batch.flatMap((e) => (e.object ? [e.object] : [])));
    let i = 0;
    for (const e of batch) {
      const entry = e.object ? entries[i++] : undefined;
      // an object the filter failed on keeps its last state (shell-operator skips the event)
      if (entry !== 'failed') this.#apply(e.key, entry);
    }
  }

  /** After a watch ends: resume from the last version, or relist on 410 Gone and report the difference. */
  async #restart(err?: Error): Promise<void> {
    if (this.#stopped) return;
    const gone = err instanceof KubeError && err.code === 410;
    if (err && !gone) this.#log.warn({ err: err.message }, 'watch failed, retrying');
    const again = (ms: number) => {
      this.#retry = setTimeout(() => void this.#restart(new Error('relist after a failure')), ms);
    };
    try {
      if (gone || err) {
        const fresh = await this.#list();
        await this.#serial(async () => {
          for (const k of [...this.#store.keys()]) if (!fresh.has(k)) this.#apply(k, undefined);
          for (const [k, e] of fresh) this.#apply(k, e);
        });
      }
      await this.#startWatch();
    } catch (e) {
      this.#log.warn({ err: (e as Error).message }, 'relist failed, retrying');
      if (!this.#stopped) again(1000);
    }
  }
}
