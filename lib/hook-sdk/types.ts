// SPDX-License-Identifier: Apache-2.0
/** Hook configuration as hook authors write it (TS side) and the Kubernetes object shape hooks see. */

/** A Kubernetes object as JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    resourceVersion?: string;
    uid?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
}

export type WatchEvent = 'Added' | 'Modified' | 'Deleted';

export interface NameSelector {
  matchNames: string[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface FieldSelectorRequirement {
  field: string;
  operator: '=' | '==' | 'Equals' | '!=' | 'NotEquals';
  value?: string;
}

export interface FieldSelector {
  matchExpressions: FieldSelectorRequirement[];
}

export interface NamespaceSelector {
  nameSelector?: NameSelector;
  labelSelector?: LabelSelector;
}

/** Fields shared by kubernetes and schedule bindings. */
interface BindingCommon {
  /** Binding name: the snapshot key and `binding` in the context. */
  name: string;
  allowFailure?: boolean;
  includeSnapshotsFrom?: string[];
  /** Queue name; default `main`. */
  queue?: string;
  /** Group name: contexts of grouped bindings are replaced by one `Group` context. */
  group?: string;
}

/**
 * A kubernetes binding. `T` is the snapshot item type.
 * With `filter` (a TS function), the hook process applies it to the full object; the emitted config then
 * keeps full objects in memory. With only `jqFilter`, the snapshot item is the jq result (`filterResult`).
 * With both, the jqFilter is a projection (the fields `filter` reads, null for objects it drops) and `filter`
 * runs on its result: objects stay out of the hook's input, and changes outside the projection run nothing.
 * A filter returning null or undefined drops the object from the typed snapshot.
 */
export interface KubernetesBinding<T = unknown> extends BindingCommon {
  apiVersion?: string;
  kind: string;
  executeHookOnEvent?: WatchEvent[];
  executeHookOnSynchronization?: boolean;
  waitForSynchronization?: boolean;
  keepFullObjectsInMemory?: boolean;
  jqFilter?: string;
  filter?: (obj: KubeObject) => T | null | undefined;
  nameSelector?: NameSelector;
  labelSelector?: LabelSelector;
  fieldSelector?: FieldSelector;
  namespace?: NamespaceSelector;
  resynchronizationPeriod?: string;
}

export interface ScheduleBinding extends BindingCommon {
  /** 5 fields, or 6 with seconds first. */
  crontab: string;
}

/** A hook's configuration. Lifecycle bindings take an order (lower runs first). */
export interface HookConfig {
  onStartup?: number;
  beforeHelm?: number;
  afterHelm?: number;
  afterDeleteHelm?: number;
  schedule?: ScheduleBinding[];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bindings of different snapshot types share one list
  kubernetes?: KubernetesBinding<any>[];
  settings?: { executionMinInterval?: string; executionBurst?: number };
}

/** Declares a kubernetes binding, keeping its snapshot type for `input.snapshot(binding)`. */
export function kubernetes<T>(b: KubernetesBinding<T>): KubernetesBinding<T> {
  return b;
}
