// SPDX-License-Identifier: Apache-2.0
/** The hook config as shell-operator / addon-operator read it (configVersion v1), derived from the TS config. */
import type { HookConfig, KubernetesBinding, ScheduleBinding } from './types.js';

export type WireKubernetesBinding = Omit<KubernetesBinding, 'filter'>;

export interface WireHookConfig {
  configVersion: 'v1';
  metadata?: { name: string; path: string };
  onStartup?: number;
  beforeHelm?: number;
  afterHelm?: number;
  afterDeleteHelm?: number;
  schedule?: ScheduleBinding[];
  kubernetes?: WireKubernetesBinding[];
  settings?: HookConfig['settings'];
}

const LIFECYCLE = ['onStartup', 'beforeHelm', 'afterHelm', 'afterDeleteHelm'] as const;
const EVENTS = new Set(['Added', 'Modified', 'Deleted']);

/** Problems in a hook config, as readable sentences; empty when it is valid. */
export function configErrors(c: HookConfig): string[] {
  const errs: string[] = [];
  const names = new Set<string>();
  const kubeNames = new Set((c.kubernetes ?? []).map((k) => k.name));
  for (const l of LIFECYCLE) {
    const v = c[l];
    if (v !== undefined && (!Number.isInteger(v) || v < 0)) errs.push(`${l} order must be a non-negative integer, got ${v}`);
  }
  const bindings: (KubernetesBinding | ScheduleBinding)[] = [...(c.kubernetes ?? []), ...(c.schedule ?? [])];
  for (const b of bindings) {
    if (!b.name) errs.push('every binding needs a name');
    else if (names.has(b.name)) errs.push(`binding name "${b.name}" is used twice`);
    names.add(b.name);
    if (b.group !== undefined && b.includeSnapshotsFrom !== undefined) errs.push(`binding "${b.name}": group and includeSnapshotsFrom cannot be combined`);
    for (const s of b.includeSnapshotsFrom ?? []) if (!kubeNames.has(s)) errs.push(`binding "${b.name}": includeSnapshotsFrom names unknown binding "${s}"`);
  }
  for (const k of c.kubernetes ?? []) {
    if (!k.kind) errs.push(`binding "${k.name}" needs a kind`);
    for (const e of k.executeHookOnEvent ?? []) if (!EVENTS.has(e)) errs.push(`binding "${k.name}": unknown event "${e}"`);
    if (k.filter !== undefined && k.jqFilter === undefined && k.keepFullObjectsInMemory === false) errs.push(`binding "${k.name}": a TS filter without a jqFilter needs keepFullObjectsInMemory`);
    else if (k.keepFullObjectsInMemory === false && k.jqFilter === undefined) errs.push(`binding "${k.name}": keepFullObjectsInMemory false needs a jqFilter`);
  }
  for (const s of c.schedule ?? []) {
    const f = s.crontab?.trim().split(/\s+/).length ?? 0;
    if (f !== 5 && f !== 6) errs.push(`schedule "${s.name}": crontab needs 5 or 6 fields, got "${s.crontab}"`);
  }
  if (!LIFECYCLE.some((l) => c[l] !== undefined) && !c.kubernetes?.length && !c.schedule?.length) errs.push('the hook has no bindings');
  return errs;
}

function kubeBinding(k: KubernetesBinding): WireKubernetesBinding {
  const { filter, ...rest } = k;
  // addon-operator defaults keepFullObjectsInMemory to false for batch hooks: always say it. A TS filter needs the
  // object, unless a jqFilter projects it (then the filter reads the projection).
  const keep = k.jqFilter !== undefined && filter !== undefined ? (k.keepFullObjectsInMemory ?? false) : filter !== undefined ? true : (k.keepFullObjectsInMemory ?? true);
  return { ...structuredClone(rest), keepFullObjectsInMemory: keep };
}

/** The v1 config of one hook; `metadata` is set for the batch form. Throws on an invalid config. */
export function wireConfig(c: HookConfig, metadata?: { name: string; path: string }): WireHookConfig {
  const errs = configErrors(c);
  if (errs.length) throw new Error(`invalid hook config${metadata ? ` "${metadata.name}"` : ''}: ${errs.join('; ')}`);
  const w: WireHookConfig = { configVersion: 'v1' };
  if (metadata) w.metadata = { ...metadata };
  for (const l of LIFECYCLE) {
    const v = c[l];
    if (v !== undefined) w[l] = v;
  }
  if (c.schedule?.length) w.schedule = structuredClone(c.schedule);
  if (c.kubernetes?.length) w.kubernetes = c.kubernetes.map(kubeBinding);
  if (c.settings) w.settings = { ...c.settings };
  return w;
}
