// SPDX-License-Identifier: Apache-2.0
/** Kubernetes label selectors (matchLabels + matchExpressions), parsed once and matched many times. Pure. */

export type Labels = Readonly<Record<string, string>>;

/** A metav1.LabelSelector as it appears in JSON. */
export interface LabelSelectorSpec {
  matchLabels?: Record<string, string> | undefined;
  matchExpressions?: ReadonlyArray<{ key: string; operator: string; values?: string[] | undefined }> | undefined;
}

type Requirement =
  | { key: string; op: 'In' | 'NotIn'; values: ReadonlySet<string> }
  | { key: string; op: 'Exists' | 'DoesNotExist' };

/** A parsed selector; the empty selector matches everything. */
export interface Selector {
  readonly requirements: readonly Requirement[];
}

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

/** Parses a LabelSelector; throws SelectorError naming the bad operator or values. */
export function parseSelector(spec: LabelSelectorSpec): Selector {
  const reqs: Requirement[] = [];
  for (const [key, v] of Object.entries(spec.matchLabels ?? {})) reqs.push({ key, op: 'In', values: new Set([v]) });
  for (const e of spec.matchExpressions ?? []) {
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) throw new SelectorError(`operator ${e.operator} on "${e.key}" needs values`);
        reqs.push({ key: e.key, op: e.operator, values: new Set(values) });
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) throw new SelectorError(`operator ${e.operator} on "${e.key}" takes no values`);
        reqs.push({ key: e.key, op: e.operator });
        break;
      default:
        throw new SelectorError(`unknown operator "${e.operator}" on "${e.key}"`);
    }
  }
  return { requirements: reqs };
}

export function matches(sel: Selector, labels: Labels): boolean {
  return sel.requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'In':
        return has && r.values.has(labels[r.key] ?? '');
      case 'NotIn':
        return !has || !r.values.has(labels[r.key] ?? '');
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
    }
  });
}
