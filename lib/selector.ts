// SPDX-License-Identifier: Apache-2.0
/**
 * Kubernetes label selectors as k8s.io/apimachinery defines them: the object form (matchLabels +
 * matchExpressions), the query-string form (`a=b,c in (d),!e`) and node selector requirements (with Gt/Lt),
 * parsed once into requirements and matched many times. A bad key, value or operator is a SelectorError
 * for the caller to report, never a silent match or non-match. Pure.
 */

/** A metav1.LabelSelector as it appears in JSON. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>> | undefined;
  readonly matchExpressions?: ReadonlyArray<{ readonly key: string; readonly operator: string; readonly values?: readonly string[] | undefined }> | undefined;
}

export type Labels = Readonly<Record<string, string>>;

/** `=` and `!=` behave as In and NotIn with one value; they differ only in how they are written. */
export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | '=' | '!=' | 'Gt' | 'Lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  readonly values: readonly string[];
}

/** Parsed requirements, all of which must hold; `nothing` for the selector that matches no object. */
export interface Selector {
  readonly requirements: readonly Requirement[];
  readonly nothing?: true;
}

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

export const EVERYTHING: Selector = { requirements: [] };
export const NOTHING: Selector = { requirements: [], nothing: true };

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const INTEGER = /^[+-]?\d+$/;

/** A qualified name: `[prefix/]name`, the prefix a DNS subdomain of at most 253 characters, the name at most 63. */
function checkKey(key: string): void {
  const parts = key.split('/');
  const name = parts[parts.length - 1] ?? '';
  const prefix = parts.length === 2 ? (parts[0] ?? '') : undefined;
  const ok = parts.length <= 2 && name.length <= 63 && NAME.test(name) && (prefix === undefined || (prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix)));
  if (!ok) throw new SelectorError(`invalid label key "${key}": must be a qualified name ([prefix/]name, name at most 63 alphanumeric, '-', '_' or '.' characters)`);
}

function checkValue(key: string, value: string): void {
  if (value.length > 63 || !VALUE.test(value)) throw new SelectorError(`invalid label value "${value}" for "${key}": at most 63 alphanumeric, '-', '_' or '.' characters, starting and ending alphanumeric`);
}

/** One requirement, validated as labels.NewRequirement does. */
export function requirement(key: string, operator: Operator, values: readonly string[] = []): Requirement {
  checkKey(key);
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) throw new SelectorError(`operator ${operator} on "${key}" needs at least one value`);
      break;
    case '=':
    case '!=':
      if (values.length !== 1) throw new SelectorError(`operator ${operator} on "${key}" takes exactly one value`);
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) throw new SelectorError(`operator ${operator} on "${key}" takes no values`);
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || !INTEGER.test(values[0] ?? '')) throw new SelectorError(`operator ${operator} on "${key}" takes exactly one integer value`);
      return { key, operator, values: [...values] };
    default:
      throw new SelectorError(`unknown operator "${String(operator)}" on "${key}"`);
  }
  for (const v of values) checkValue(key, v);
  return { key, operator, values: [...values] };
}

const LABEL_SELECTOR_OPERATORS: ReadonlySet<string> = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);

/**
 * A LabelSelector object as metav1.LabelSelectorAsSelector reads it: null or absent selects nothing, `{}`
 * selects everything. Throws SelectorError naming the bad key, value or operator.
 */
export function parseSelector(spec: LabelSelector | null | undefined): Selector {
  if (spec === null || spec === undefined) return NOTHING;
  const reqs: Requirement[] = [];
  for (const [k, v] of Object.entries(spec.matchLabels ?? {})) reqs.push(requirement(k, '=', [v]));
  for (const e of spec.matchExpressions ?? []) {
    if (!LABEL_SELECTOR_OPERATORS.has(e.operator)) throw new SelectorError(`"${e.operator}" is not a valid label selector operator (on "${e.key}"; use In, NotIn, Exists or DoesNotExist)`);
    reqs.push(requirement(e.key, e.operator as Operator, e.values ?? []));
  }
  return { requirements: sortByKey(reqs) };
}

const sortByKey = (reqs: Requirement[]): Requirement[] => reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

/** Splits selector text (label or field) on the commas that are not inside parentheses. */
export function splitSelectorText(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** The query-string form (`?labelSelector=`) as labels.Parse reads it; empty selects everything. */
export function parseSelectorText(text: string | undefined): Selector {
  const reqs: Requirement[] = [];
  for (const part of splitSelectorText(text ?? '')) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*(\S+)$/))) reqs.push(requirement(m[1] ?? '', 'DoesNotExist'));
    else if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      reqs.push(requirement(m[1] ?? '', m[2] === 'in' ? 'In' : 'NotIn', (m[3] ?? '').split(',').map((v) => v.trim())));
    } else if ((m = part.match(/^([^=!<>\s]+)\s*(==|=|!=|>|<)\s*(\S*)$/))) {
      const op: Operator = m[2] === '!=' ? '!=' : m[2] === '>' ? 'Gt' : m[2] === '<' ? 'Lt' : '=';
      reqs.push(requirement(m[1] ?? '', op, [m[3] ?? '']));
    } else if (/^[^=!<>\s()]+$/.test(part)) reqs.push(requirement(part, 'Exists'));
    else throw new SelectorError(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
  }
  return { requirements: sortByKey(reqs) };
}

function requirementText(r: Requirement): string {
  switch (r.operator) {
    case 'In': return `${r.key} in (${r.values.join(',')})`;
    case 'NotIn': return `${r.key} notin (${r.values.join(',')})`;
    case 'Exists': return r.key;
    case 'DoesNotExist': return `!${r.key}`;
    case '=': return `${r.key}=${r.values[0] ?? ''}`;
    case '!=': return `${r.key}!=${r.values[0] ?? ''}`;
    case 'Gt': return `${r.key}>${r.values[0] ?? ''}`;
    case 'Lt': return `${r.key}<${r.values[0] ?? ''}`;
  }
}

/** The query-string form; '' for the selector that matches everything. Throws for the one that matches nothing (it has no text). */
export function selectorText(sel: Selector): string {
  if (sel.nothing) throw new SelectorError('a selector that matches nothing has no query-string form');
  return sel.requirements.map(requirementText).join(',');
}

function holds(r: Requirement, labels: Labels): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
    case '=':
      return v !== undefined && r.values.includes(v);
    case 'NotIn':
    case '!=':
      return v === undefined || !r.values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt':
      if (v === undefined || !INTEGER.test(v)) return false;
      return r.operator === 'Gt' ? BigInt(v) > BigInt(r.values[0] ?? '0') : BigInt(v) < BigInt(r.values[0] ?? '0');
  }
}

/** Whether labels satisfy every requirement (absent labels are no labels). */
export function matches(sel: Selector, labels: Labels | undefined): boolean {
  if (sel.nothing) return false;
  const l = labels ?? {};
  return sel.requirements.every((r) => holds(r, l));
}

/** The first requirement (by key) the labels do not satisfy, to say why an object is not selected; undefined when all hold (NOTHING has none to name). */
export function unmet(sel: Selector, labels: Labels | undefined): Requirement | undefined {
  const l = labels ?? {};
  return sel.requirements.find((r) => !holds(r, l));
}

/** MetalLB's rule for selector lists (nodeSelectors, serviceSelectors…): an empty list matches everything, else any one must match. */
export function matchesAny(sels: readonly Selector[], labels: Labels | undefined): boolean {
  return sels.length === 0 || sels.some((s) => matches(s, labels));
}
