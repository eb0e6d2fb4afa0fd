// SPDX-License-Identifier: Apache-2.0
/** Which nodes may announce a class's IPs: Ready, matching the class's nodeSelector, tolerated, not excluded. */
import type { Toleration } from '../../../lib/config/class.js';
import { matches, NOTHING, parseSelector, SelectorError, type Selector } from '../../../lib/selector.js';
import { EXCLUDE_LB_LABEL } from './names.js';

export interface Taint {
  key: string;
  value?: string;
  effect: string;
}

export type { Toleration };

/** A Node as the hooks see it. */
export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
  /** False only when the Ready condition is present and not True (a node without conditions counts as ready). */
  ready: boolean;
}

/** What makes a node eligible for a class. */
export interface NodeRules {
  nodeSelector: Record<string, string>;
  tolerations: Toleration[];
}

/** A class's nodeSelector as lib/selector reads it, and what is wrong with it. */
export interface NodeSelector {
  readonly selector: Selector;
  /** Why the label map is no valid selector; it then selects no node. */
  readonly problem?: string;
}

const parsed = new WeakMap<Readonly<Record<string, string>>, NodeSelector>();

/** A nodeSelector label map as a selector (an empty one selects every node), parsed once per map; an invalid key or value selects no node. */
export function nodeSelectorOf(labels: Readonly<Record<string, string>>): NodeSelector {
  let s = parsed.get(labels);
  if (!s) {
    try {
      s = { selector: parseSelector({ matchLabels: labels }) };
    } catch (e) {
      if (!(e instanceof SelectorError)) throw e;
      s = { selector: NOTHING, problem: e.message };
    }
    parsed.set(labels, s);
  }
  return s;
}

/** Kubernetes toleration semantics: empty key with Exists tolerates everything; empty effect matches every effect. */
export function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  const op = t.operator ?? 'Equal';
  if (!t.key) return op === 'Exists';
  if (t.key !== taint.key) return false;
  return op === 'Exists' || (t.value ?? '') === (taint.value ?? '');
}

/** Taints that keep workloads off a node (PreferNoSchedule does not). */
export function isBlocking(taint: Taint): boolean {
  return taint.effect === 'NoSchedule' || taint.effect === 'NoExecute';
}

/** Why a node is not eligible, or undefined when it is. */
export function ineligibility(node: NodeInfo, rules: NodeRules): string | undefined {
  const sel = nodeSelectorOf(rules.nodeSelector);
  if (sel.problem) return `nodeSelector is invalid: ${sel.problem}`;
  if (!matches(sel.selector, node.labels)) return 'nodeSelector does not match';
  if (!node.ready) return 'not Ready';
  if (EXCLUDE_LB_LABEL in node.labels) return `labelled ${EXCLUDE_LB_LABEL}`;
  const taint = node.taints.find((x) => isBlocking(x) && !rules.tolerations.some((t) => tolerates(t, x)));
  if (taint) return `taint ${taint.key}:${taint.effect} not tolerated`;
  return undefined;
}

/** Names of the eligible nodes, sorted. */
export function eligibleNodes(nodes: readonly NodeInfo[], rules: NodeRules): string[] {
  return nodes.filter((n) => ineligibility(n, rules) === undefined).map((n) => n.name).sort();
}

/** Nodes matching a class's nodeSelector (membership ignores readiness and taints: the speaker must run there to take over). */
export function selectedNodes(nodes: readonly NodeInfo[], rules: NodeRules): string[] {
  const sel = nodeSelectorOf(rules.nodeSelector).selector;
  return nodes.filter((n) => matches(sel, n.labels)).map((n) => n.name).sort();
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** Node filter: name, labels, taints, readiness. */
export function nodeFromObject(obj: { metadata?: { name?: string; labels?: Record<string, string> }; [k: string]: unknown }): NodeInfo | null {
  const name = obj.metadata?.name;
  if (!name) return null;
  const taints = (Array.isArray(rec(obj.spec).taints) ? (rec(obj.spec).taints as unknown[]) : []).map(rec).flatMap((t): Taint[] => {
    if (typeof t.key !== 'string' || typeof t.effect !== 'string') return [];
    return [typeof t.value === 'string' ? { key: t.key, value: t.value, effect: t.effect } : { key: t.key, effect: t.effect }];
  });
  const conditions = Array.isArray(rec(obj.status).conditions) ? (rec(obj.status).conditions as unknown[]).map(rec) : [];
  const ready = conditions.find((c) => c.type === 'Ready');
  return { name, labels: { ...(obj.metadata?.labels ?? {}) }, taints, ready: ready === undefined || ready.status === 'True' };
}
