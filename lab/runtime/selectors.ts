// SPDX-License-Identifier: Apache-2.0
/** Binding selectors as query strings and client-side matchers. Pure. */
import type { FieldSelector, KubeObject, LabelSelector } from '../../lib/hook-sdk/index.js';
import type { WireKubernetesBinding } from '../../lib/hook-sdk/wire-config.js';

/** `labelSelector` query value: `a=b,c in (d,e),!f`. */
export function labelSelectorString(s: LabelSelector | undefined): string | undefined {
  if (!s) return undefined;
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of s.matchExpressions ?? []) {
    const vals = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${vals})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${vals})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : undefined;
}

/** `fieldSelector` query value: `metadata.name=x,spec.nodeName!=y`. */
export function fieldSelectorString(s: FieldSelector | undefined, names?: string[]): string | undefined {
  const parts = (s?.matchExpressions ?? []).map((e) => `${e.field}${e.operator === '!=' || e.operator === 'NotEquals' ? '!=' : '='}${e.value ?? ''}`);
  if (names?.length === 1) parts.push(`metadata.name=${names[0]}`);
  return parts.length ? parts.join(',') : undefined;
}

/** Whether labels satisfy a selector (for namespace label selectors). */
export function matchesLabels(s: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!s) return true;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const v = labels[e.key];
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(v as string))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(v as string)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** The namespace to list in, when the binding names exactly one. */
export function singleNamespace(b: WireKubernetesBinding): string | undefined {
  const names = b.namespace?.nameSelector?.matchNames;
  return names?.length === 1 ? names[0] : undefined;
}

/** Client-side checks the server query cannot express: several names or namespaces. */
export function matchesBinding(b: WireKubernetesBinding, o: KubeObject, allowedNamespaces?: ReadonlySet<string>): boolean {
  const names = b.nameSelector?.matchNames;
  if (names && !names.includes(o.metadata?.name ?? '')) return false;
  const nsNames = b.namespace?.nameSelector?.matchNames;
  const ns = o.metadata?.namespace ?? '';
  if (nsNames && !nsNames.includes(ns)) return false;
  if (allowedNamespaces && !allowedNamespaces.has(ns)) return false;
  return true;
}
