// SPDX-License-Identifier: Apache-2.0
/** Which nodes a pod may run on: nodeSelector, required node affinity, taints and tolerations. Pure. */
import type { V1Node, V1NodeSelectorRequirement, V1NodeSelectorTerm, V1PodSpec, V1Taint, V1Toleration } from '@kubernetes/client-node';
import { matches, parseSelector, requirement, SelectorError, unmet, type Operator, type Requirement, type Selector } from '../../lib/selector.js';

const NODE_OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']);

function nodeRequirement(r: V1NodeSelectorRequirement): Requirement {
  if (!NODE_OPERATORS.has(r.operator)) throw new SelectorError(`"${r.operator}" is not a valid node selector operator (on "${r.key}")`);
  return requirement(r.key, r.operator as Operator, r.values ?? []);
}

/**
 * A node selector term: all its expressions and fields match (an empty term matches nothing, as in Kubernetes);
 * fields know metadata.name only. Throws SelectorError for a bad requirement.
 */
export function matchTerm(term: V1NodeSelectorTerm, node: V1Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const name = node.metadata?.name;
  return matches({ requirements: exprs.map(nodeRequirement) }, node.metadata?.labels)
    && matches({ requirements: fields.map(nodeRequirement) }, name === undefined ? {} : { 'metadata.name': name });
}

/** Whether a toleration tolerates a taint (same rules as the scheduler). */
export function tolerates(t: V1Toleration, taint: V1Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

/** Why a pod cannot run on a node, or undefined when it can. */
export function unschedulableReason(spec: V1PodSpec, node: V1Node): string | undefined {
  let selector: Selector;
  try {
    selector = parseSelector({ matchLabels: spec.nodeSelector ?? {} });
  } catch (e) {
    return `invalid nodeSelector: ${(e as Error).message}`;
  }
  const miss = unmet(selector, node.metadata?.labels);
  if (miss) return `nodeSelector ${miss.key}=${miss.values[0] ?? ''} does not match`;
  const terms = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  try {
    if (terms && !terms.some((t) => matchTerm(t, node))) return 'required node affinity does not match';
  } catch (e) {
    return `invalid required node affinity: ${(e as Error).message}`;
  }
  for (const taint of node.spec?.taints ?? []) {
    if (taint.effect === 'PreferNoSchedule') continue;
    if (!(spec.tolerations ?? []).some((t) => tolerates(t, taint))) return `taint ${taint.key}:${taint.effect} is not tolerated`;
  }
  return undefined;
}

/** Whether the node reports Ready=True. */
export function nodeReady(node: V1Node): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** The nodes a DaemonSet runs on, sorted by name. */
export function daemonSetNodes(spec: V1PodSpec, nodes: readonly V1Node[]): string[] {
  return nodes
    .filter((n) => unschedulableReason(spec, n) === undefined)
    .map((n) => n.metadata?.name ?? '')
    .filter((n) => n !== '')
    .sort();
}
