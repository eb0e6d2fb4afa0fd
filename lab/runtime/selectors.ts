// SPDX-License-Identifier: Apache-2.0
/** Binding selectors as query strings and client-side matchers. Pure. */
import type { FieldSelector, KubeObject, LabelSelector } from '../../lib/hook-sdk/index.js';
import type { WireKubernetesBinding } from '../../lib/hook-sdk/wire-config.js';
import { parseSelector, selectorText } from '../../lib/selector.js';

/** `labelSelector` query value (`a=b,c in (d,e),!f`), undefined for none; throws SelectorError for a bad selector. */
export function labelSelectorString(s: LabelSelector | undefined): string | undefined {
  return s ? selectorText(parseSelector(s)) || undefined : undefined;
}

/** `fieldSelector` query value: `metadata.name=x,spec.nodeName!=y`. */
export function fieldSelectorString(s: FieldSelector | undefined, names?: string[]): string | undefined {
  const parts = (s?.matchExpressions ?? []).map((e) => `${e.field}${e.operator === '!=' || e.operator === 'NotEquals' ? '!=' : '='}${e.value ?? ''}`);
  if (names?.length === 1) parts.push(`metadata.name=${names[0]}`);
  return parts.length ? parts.join(',') : undefined;
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
