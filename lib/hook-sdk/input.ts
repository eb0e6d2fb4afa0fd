// SPDX-License-Identifier: Apache-2.0
/** What a hook's handler gets: typed snapshots, the binding contexts, values, and the effect recorders. Pure. */
import type { BindingContext, ObjectAndFilterResult } from './context.js';
import { KubeOps } from './kube-ops.js';
import { Metrics } from './metrics.js';
import type { HookConfig, KubeObject, KubernetesBinding } from './types.js';
import { PatchableValues } from './values.js';

export interface HookInput {
  /** The contexts of this run, in order (several when queued events were compacted). */
  readonly contexts: readonly BindingContext[];
  /** The latest raw snapshot items of a binding, as they arrived. */
  rawSnapshot(binding: string): ObjectAndFilterResult[];
  /** The latest snapshot of a binding, each item through its TS filter (or its jqFilter result); null results dropped. */
  snapshot<T>(binding: KubernetesBinding<T> | string): T[];
  /** Whether any context of this run carried a snapshot or objects for the binding. */
  hasSnapshot(binding: KubernetesBinding<unknown> | string): boolean;
  /** Module values (`global` + the module key); writes become VALUES_JSON_PATCH_PATH. */
  readonly values: PatchableValues;
  /** Config values (settings); writes become CONFIG_VALUES_JSON_PATCH_PATH. */
  readonly configValues: PatchableValues;
  /** Kubernetes operations; become KUBERNETES_PATCH_PATH. */
  readonly kube: KubeOps;
  /** Metric operations; become METRICS_PATH. */
  readonly metrics: Metrics;
}

/** What a run produced. */
export interface HookOutput {
  values: ReturnType<PatchableValues['patches']>;
  configValues: ReturnType<PatchableValues['patches']>;
  kube: ReturnType<KubeOps['operations']>;
  metrics: ReturnType<Metrics['operations']>;
}

/** Latest raw items per binding: a context's `snapshots` entry, or a Synchronization's `objects`; later contexts win. */
export function latestSnapshots(contexts: readonly BindingContext[]): Map<string, ObjectAndFilterResult[]> {
  const m = new Map<string, ObjectAndFilterResult[]>();
  for (const c of contexts) {
    if ('type' in c && c.type === 'Synchronization' && !c.snapshots?.[c.binding]) m.set(c.binding, c.objects);
    for (const [k, v] of Object.entries(c.snapshots ?? {})) m.set(k, v);
  }
  return m;
}

/** Applies a binding's TS filter (to the jq result when there is a jqFilter, else to the object) or takes its jq result or object. */
export function filterItem<T>(b: KubernetesBinding<T> | undefined, item: ObjectAndFilterResult): T | null | undefined {
  if (b?.filter && b.jqFilter !== undefined) return item.filterResult === undefined || item.filterResult === null ? null : b.filter(item.filterResult as KubeObject);
  if (b?.filter) return item.object === undefined ? undefined : b.filter(item.object as KubeObject);
  if (b?.jqFilter !== undefined || item.object === undefined) return item.filterResult as T | undefined;
  return item.object as T;
}

export interface InputOptions {
  /** The module key values writes are limited to, e.g. `metallb`. */
  module?: string;
}

/** Builds a handler input; `output()` collects what the handler recorded. */
export function buildInput(config: HookConfig, contexts: readonly BindingContext[], values: unknown, configValues: unknown, o: InputOptions = {}): { input: HookInput; output(): HookOutput } {
  const latest = latestSnapshots(contexts);
  const byName = new Map((config.kubernetes ?? []).map((b) => [b.name, b as KubernetesBinding<unknown>]));
  const v = new PatchableValues(values, o.module);
  const cv = new PatchableValues(configValues, o.module);
  const kube = new KubeOps();
  const metrics = new Metrics();
  const nameOf = (b: KubernetesBinding<unknown> | string): string => (typeof b === 'string' ? b : b.name);
  const input: HookInput = {
    contexts,
    rawSnapshot: (name) => structuredClone(latest.get(name) ?? []),
    snapshot<T>(b: KubernetesBinding<T> | string): T[] {
      const name = nameOf(b as KubernetesBinding<unknown> | string);
      const binding = (typeof b === 'string' ? byName.get(name) : b) as KubernetesBinding<T> | undefined;
      const out: T[] = [];
      for (const item of latest.get(name) ?? []) {
        const r = filterItem(binding, item);
        if (r !== null && r !== undefined) out.push(r);
      }
      return out;
    },
    hasSnapshot: (b) => latest.has(nameOf(b)),
    values: v,
    configValues: cv,
    kube,
    metrics,
  };
  return { input, output: () => ({ values: v.patches(), configValues: cv.patches(), kube: kube.operations(), metrics: metrics.operations() }) };
}
