// SPDX-License-Identifier: Apache-2.0
/**
 * The hook SDK. A hook is one TS file:
 *
 *   export const config: HookConfig = { beforeHelm: 10, kubernetes: [classes] };
 *   export function handle(input: HookInput): void {
 *     input.values.set('metallb.internal.x', input.snapshot(classes));
 *   }
 *
 * and hooks/src/index.ts lists it with `entry('<file name>', mod)`; hooks/batch serves them all.
 */
export type { KubeObject, WatchEvent, HookConfig, KubernetesBinding, ScheduleBinding, LabelSelector, FieldSelector, NameSelector, NamespaceSelector } from './types.js';
export { kubernetes } from './types.js';
export type { BindingContext, ObjectAndFilterResult, Snapshots, SynchronizationContext, EventContext, ScheduleContext, GroupContext, LifecycleContext } from './context.js';
export { parseBindingContexts } from './context.js';
export type { HookInput, HookOutput } from './input.js';
export { buildInput } from './input.js';
export type { HookModule, HookEntry, BatchApp, SettingsCheckResult } from './hook.js';
export { entry } from './hook.js';
export { PatchableValues, pointer, type JsonPatchOp, type ValuesPath } from './values.js';
export { KubeOps, type KubeOperation, type ObjectRef, type PatchOptions } from './kube-ops.js';
export { Metrics, type MetricOperation, type Labels } from './metrics.js';
export { wireConfig, configErrors, type WireHookConfig } from './wire-config.js';
export { JQ_COMPACT, jqPickKeys } from './jq.js';
export { runBatch, main } from './batch.js';
