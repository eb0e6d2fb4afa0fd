// SPDX-License-Identifier: Apache-2.0
/** Label and field selectors, parsed and matched as k8s.io/apimachinery does. Pure. */
import { isRecord, type KObject } from './types.js';

type LabelReq =
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | '!'; key: string };

/** A parsed selector; matches everything when empty. */
export interface LabelSelector {
  reqs: LabelReq[];
}

export class SelectorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorError';
  }
}

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
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

function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 316) throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`);
  return key;
}

function checkValue(v: string): string {
  if (!VALUE.test(v) || v.length > 63) throw new SelectorError(`unable to parse requirement: invalid label value: "${v}"`);
  return v;
}

export function parseLabelSelector(text: string | undefined): LabelSelector {
  const reqs: LabelReq[] = [];
  for (const part of splitTop(text ?? '')) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*(\S+)$/))) reqs.push({ op: '!', key: checkKey(m[1] ?? '') });
    else if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = (m[3] ?? '').split(',').map((v) => checkValue(v.trim()));
      reqs.push({ op: m[2] === 'in' ? 'in' : 'notin', key: checkKey(m[1] ?? ''), values });
    } else if ((m = part.match(/^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ op: m[2] === '!=' ? 'notin' : 'in', key: checkKey(m[1] ?? ''), values: [checkValue(m[3] ?? '')] });
    } else if (/^[^=!\s()]+$/.test(part)) reqs.push({ op: 'exists', key: checkKey(part) });
    else throw new SelectorError(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
  }
  return { reqs };
}

export function matchLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return sel.reqs.every((r) => {
    const v = labels?.[r.key];
    switch (r.op) {
      case 'exists': return v !== undefined;
      case '!': return v === undefined;
      case 'in': return v !== undefined && r.values.includes(v);
      case 'notin': return v === undefined || !r.values.includes(v);
    }
  });
}

export interface FieldReq {
  field: string;
  value: string;
  equal: boolean;
}

/** Parses `a=b,c!=d`; `allowed` lists the fields the kind supports besides metadata.name/namespace. */
export function parseFieldSelector(text: string | undefined, allowed: string[]): FieldReq[] {
  const out: FieldReq[] = [];
  for (const part of splitTop(text ?? '')) {
    const m = part.match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${part}'; can't understand '${part}'`);
    const field = m[1] ?? '';
    if (field !== 'metadata.name' && field !== 'metadata.namespace' && !allowed.includes(field)) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    out.push({ field, value: m[3] ?? '', equal: m[2] !== '!=' });
  }
  return out;
}

/** The string value of a dotted field path; booleans and numbers as text, missing as "". */
export function fieldValue(obj: KObject, field: string): string {
  let cur: unknown = obj;
  for (const p of field.split('.')) cur = isRecord(cur) ? cur[p] : undefined;
  if (typeof cur === 'string') return cur;
  if (typeof cur === 'number' || typeof cur === 'boolean') return String(cur);
  return '';
}

export function matchFields(reqs: FieldReq[], obj: KObject): boolean {
  return reqs.every((r) => (fieldValue(obj, r.field) === r.value) === r.equal);
}

/**
 * A predicate for objects in `namespace` (all when undefined) matching both selectors; fields are
 * read from `view(o)` when given (a served form). Throws SelectorError on a bad selector.
 */
export function objectMatcher(sel: { labelSelector?: string; fieldSelector?: string }, allowed: string[], namespace?: string, view?: (o: KObject) => KObject): (o: KObject) => boolean {
  const labels = parseLabelSelector(sel.labelSelector);
  const fields = parseFieldSelector(sel.fieldSelector, allowed);
  return (o) => (namespace === undefined || o.metadata.namespace === namespace) && matchLabels(labels, o.metadata.labels) && matchFields(fields, view ? view(o) : o);
}
