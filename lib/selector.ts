// SPDX-License-Identifier: Apache-2.0
/** Kubernetes label selectors (matchLabels + matchExpressions). Pure. */

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] }>;
}

/** Whether labels satisfy the selector; an unknown operator never matches. */
export function matchesSelector(labels: Readonly<Record<string, string>>, s: LabelSelector): boolean {
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of s.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const v = labels[e.key];
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(v ?? '')
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(v ?? '')
      : e.operator === 'Exists' ? has
      : e.operator === 'DoesNotExist' ? !has
      : false;
    if (!ok) return false;
  }
  return true;
}

/** MetalLB's rule for selector lists: empty matches everything, else any one selector must match. */
export function matchesAny(labels: Readonly<Record<string, string>>, selectors: readonly LabelSelector[] | undefined): boolean {
  return !selectors?.length || selectors.some((s) => matchesSelector(labels, s));
}
