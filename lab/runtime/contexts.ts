// SPDX-License-Identifier: Apache-2.0
/**
 * Binding contexts as addon-operator builds them from a hook's config and the current snapshots:
 * Synchronization, Event, Schedule, Group and lifecycle contexts, and their compaction. Pure.
 */
import type { BindingContext, ObjectAndFilterResult, Snapshots, WatchEvent } from '../../lib/hook-sdk/index.js';
import type { WireHookConfig, WireKubernetesBinding } from '../../lib/hook-sdk/wire-config.js';

/** Current snapshot of a binding name (of this hook). */
export type SnapshotOf = (binding: string) => ObjectAndFilterResult[];

function pick(names: readonly string[], snap: SnapshotOf): Snapshots {
  const s: Snapshots = {};
  for (const n of names) s[n] = snap(n);
  return s;
}

function groupMembers(hook: WireHookConfig, group: string): string[] {
  return (hook.kubernetes ?? []).filter((k) => k.group === group).map((k) => k.name);
}

/** A Group context; its snapshots are filled right before the run (`withSnapshots`). */
function groupContext(hook: WireHookConfig, group: string): BindingContext {
  return { binding: groupMembers(hook, group)[0] ?? group, type: 'Group', groupName: group, snapshots: {} };
}

function kube(hook: WireHookConfig, name: string): WireKubernetesBinding | undefined {
  return (hook.kubernetes ?? []).find((k) => k.name === name);
}

/** The Synchronization run of a hook: one context per binding (its objects as listed), or one Group context per group. */
export function synchronizationContexts(hook: WireHookConfig, snap: SnapshotOf): BindingContext[] {
  const out: BindingContext[] = [];
  const groups = new Set<string>();
  for (const b of hook.kubernetes ?? []) {
    if (b.executeHookOnSynchronization === false) continue;
    if (b.group !== undefined) {
      if (!groups.has(b.group)) out.push(groupContext(hook, b.group));
      groups.add(b.group);
      continue;
    }
    out.push({ binding: b.name, type: 'Synchronization', objects: snap(b.name) });
  }
  return out;
}

/** Whether an event of a binding runs the hook. */
export function runsOnEvent(b: WireKubernetesBinding, ev: WatchEvent): boolean {
  return (b.executeHookOnEvent ?? ['Added', 'Modified', 'Deleted']).includes(ev);
}

/** The context of one watch event (a Group context for grouped bindings). */
export function eventContext(hook: WireHookConfig, binding: string, ev: WatchEvent, item: ObjectAndFilterResult): BindingContext {
  const b = kube(hook, binding);
  if (b?.group !== undefined) return groupContext(hook, b.group);
  return { binding, type: 'Event', watchEvent: ev, ...structuredClone(item) };
}

/** The context of a schedule firing. */
export function scheduleContext(hook: WireHookConfig, name: string): BindingContext {
  const s = (hook.schedule ?? []).find((x) => x.name === name);
  if (s?.group !== undefined) return groupContext(hook, s.group);
  return { binding: name, type: 'Schedule' };
}

/** onStartup gets no snapshots; beforeHelm/afterHelm/afterDeleteHelm get all of the hook's. */
export function lifecycleContext(hook: WireHookConfig, binding: 'onStartup' | 'beforeHelm' | 'afterHelm' | 'afterDeleteHelm', snap: SnapshotOf): BindingContext {
  if (binding === 'onStartup') return { binding };
  return { binding, snapshots: pick((hook.kubernetes ?? []).map((k) => k.name), snap) };
}

/** Compaction of queued contexts of one hook: only the last Group context of each group is kept, in its place. */
export function compact(contexts: readonly BindingContext[]): BindingContext[] {
  const lastGroup = new Map<string, number>();
  contexts.forEach((c, i) => {
    if ('type' in c && c.type === 'Group') lastGroup.set(c.groupName, i);
  });
  return contexts.filter((c, i) => !('type' in c && c.type === 'Group') || lastGroup.get(c.groupName) === i);
}

/**
 * Fills the snapshots of Group contexts (their group's bindings) and of contexts whose binding includes others,
 * right before a run, as shell-operator does: every context of the run sees the same state, read once per binding.
 */
export function withSnapshots(hook: WireHookConfig, contexts: readonly BindingContext[], snap: SnapshotOf): BindingContext[] {
  const cache = new Map<string, ObjectAndFilterResult[]>();
  const once: SnapshotOf = (b) => {
    let v = cache.get(b);
    if (!v) cache.set(b, (v = snap(b)));
    return v;
  };
  return contexts.map((c) => {
    if (!('type' in c)) return c;
    if (c.type === 'Group') return { ...c, snapshots: pick(groupMembers(hook, c.groupName), once) };
    const include = c.type === 'Schedule' ? (hook.schedule ?? []).find((x) => x.name === c.binding)?.includeSnapshotsFrom : kube(hook, c.binding)?.includeSnapshotsFrom;
    return include?.length ? { ...c, snapshots: pick(include, once) } : c;
  });
}

/** Hooks with a lifecycle binding, in addon-operator's order: by order, then by name. */
export function lifecycleOrder(hooks: readonly WireHookConfig[], binding: 'onStartup' | 'beforeHelm' | 'afterHelm' | 'afterDeleteHelm'): number[] {
  return hooks
    .map((h, i) => ({ i, order: h[binding], name: h.metadata?.name ?? '' }))
    .filter((x): x is { i: number; order: number; name: string } => x.order !== undefined)
    .sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((x) => x.i);
}

/**
 * Kubernetes bindings of batch hooks run grouped (group "main") unless they name a group or include other
 * snapshots, as addon-operator remaps batch hook configs; so every run sees all of the hook's snapshots.
 */
export function remapBatchConfig(h: WireHookConfig): WireHookConfig {
  return { ...h, kubernetes: (h.kubernetes ?? []).map((k) => (k.group === undefined && !k.includeSnapshotsFrom?.length ? { ...k, group: 'main' } : k)) };
}
