// SPDX-License-Identifier: Apache-2.0
/** Field selectors, parsed and matched as k8s.io/apimachinery does; label selectors come from lib/selector. Pure. */
import { matches, parseSelectorText, SelectorError, splitSelectorText } from '../../lib/selector.js';
import { isRecord, type KObject } from './types.js';

export { SelectorError };

export interface FieldReq {
  field: string;
  value: string;
  equal: boolean;
}

/** Parses `a=b,c!=d`; `allowed` lists the fields the kind supports besides metadata.name/namespace. */
export function parseFieldSelector(text: string | undefined, allowed: string[]): FieldReq[] {
  const out: FieldReq[] = [];
  for (const part of splitSelectorText(text ?? '')) {
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
  const labels = parseSelectorText(sel.labelSelector);
  const fields = parseFieldSelector(sel.fieldSelector, allowed);
  return (o) => (namespace === undefined || o.metadata.namespace === namespace) && matches(labels, o.metadata.labels) && matchFields(fields, view ? view(o) : o);
}
