// SPDX-License-Identifier: Apache-2.0
/**
 * The rolling update of a DaemonSet or Deployment, as the DaemonSet and Deployment controllers do it: when the
 * pod template changes, the pods are replaced a few at a time, never leaving more than maxUnavailable of them
 * unavailable (not Ready, or not there). Every node's agent decides for its own slots from the same Pods, so
 * the slots go in one order (by name): the first old ones within the budget go, the others wait. The lab
 * replaces in place (stop, then start): no surge. Pure.
 */
import type { V1DaemonSet, V1Deployment, V1Pod } from '@kubernetes/client-node';

/** The label with a pod's template revision, as the controllers set it. */
export const DAEMONSET_REVISION_LABEL = 'controller-revision-hash';
export const DEPLOYMENT_REVISION_LABEL = 'pod-template-hash';
/** The revision label of a workload kind's pods. */
export function revisionLabel(kind: 'DaemonSet' | 'Deployment'): string {
  return kind === 'DaemonSet' ? DAEMONSET_REVISION_LABEL : DEPLOYMENT_REVISION_LABEL;
}

/** The slot a pod fills: its node for a DaemonSet, its replica index for a Deployment. */
export const SLOT_LABEL = 'lab.metallb/slot';

/** What runs in one slot of a workload now. */
export interface SlotState {
  readonly slot: string;
  /** The template revision of its pod; undefined when the slot has no pod. */
  readonly revision?: string | undefined;
  readonly ready: boolean;
}

/** How a workload replaces its pods: all at once, a few at a time, or only when a pod is deleted. */
export type UpdateStrategy = { readonly kind: 'Recreate' } | { readonly kind: 'OnDelete' } | { readonly kind: 'RollingUpdate'; readonly maxUnavailable: number };

/** An int-or-percent of `total` (Kubernetes' intstr): percentages round up or down as the controller does. */
export function scaled(v: number | string | undefined, total: number, fallback: number | string, roundUp: boolean): number {
  const x = v ?? fallback;
  if (typeof x === 'number') return x;
  const m = /^(\d+)%$/.exec(x);
  if (!m) return Number.isInteger(Number(x)) ? Number(x) : 1;
  const f = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(f) : Math.floor(f);
}

/** A DaemonSet's strategy (default RollingUpdate, maxUnavailable 1; percentages of its nodes, rounded up). */
export function daemonSetStrategy(ds: V1DaemonSet, nodes: number): UpdateStrategy {
  const s = ds.spec?.updateStrategy;
  if (s?.type === 'OnDelete') return { kind: 'OnDelete' };
  return { kind: 'RollingUpdate', maxUnavailable: Math.max(1, scaled(s?.rollingUpdate?.maxUnavailable as number | string | undefined, nodes, 1, true)) };
}

/**
 * A Deployment's strategy (default RollingUpdate, maxUnavailable 25% rounded down). Without surge the lab needs
 * at least one: a maxUnavailable of 0 (with maxSurge) replaces one at a time.
 */
export function deploymentStrategy(d: V1Deployment): UpdateStrategy {
  const s = d.spec?.strategy;
  if (s?.type === 'Recreate') return { kind: 'Recreate' };
  return { kind: 'RollingUpdate', maxUnavailable: Math.max(1, scaled(s?.rollingUpdate?.maxUnavailable as number | string | undefined, d.spec?.replicas ?? 1, '25%', false)) };
}

/**
 * The slots that may run `revision` now: those that already do, those without a pod, those whose old pod is
 * not Ready anyway, and then the first old Ready ones (by slot order) the unavailability budget allows.
 */
export function updatable(slots: readonly SlotState[], revision: string, strategy: UpdateStrategy): Set<string> {
  const out = new Set<string>();
  for (const s of slots) if (s.revision === undefined || s.revision === revision || strategy.kind === 'Recreate') out.add(s.slot);
  if (strategy.kind !== 'RollingUpdate') return out;
  const unavailable = slots.filter((s) => s.revision === undefined || !s.ready).length;
  let budget = strategy.maxUnavailable - unavailable;
  for (const s of slots) {
    if (out.has(s.slot)) continue;
    if (!s.ready) out.add(s.slot);
    else if (budget > 0) {
      out.add(s.slot);
      budget--;
    }
  }
  return out;
}

/** Whether the Pod reports Ready=True. */
export function podReady(p: V1Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The slots of a workload (by its uid) from its Pods: revision and readiness per slot. */
export function slotStates(slots: readonly string[], pods: readonly V1Pod[], ownerUid: string, revisionLabel: string): SlotState[] {
  return slots.map((slot) => {
    const p = pods.find((x) => x.metadata?.ownerReferences?.some((o) => o.uid === ownerUid) && x.metadata?.labels?.[SLOT_LABEL] === slot && !x.metadata?.deletionTimestamp);
    if (!p) return { slot, ready: false };
    return { slot, revision: p.metadata?.labels?.[revisionLabel] ?? '', ready: podReady(p) };
  });
}
