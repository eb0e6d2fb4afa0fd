// SPDX-License-Identifier: Apache-2.0
/**
 * `x-kubernetes-validations` evaluated with the CEL subset of cel.ts, as the API server does:
 * rules that use `oldSelf` (transition rules) run on updates only, when the old value exists.
 * Rules outside the subset are skipped and listed by {@link unsupportedRules}. Pure.
 */
import { CelError, evalCel, parseCel, type CelNode } from './cel.js';
import type { FieldError } from './errors.js';
import { fieldPath, isObject, propertySchema, type PathSegment, type SchemaNode, type ValidationRule } from './schema.js';

interface Compiled {
  rule: ValidationRule;
  ast?: CelNode;
  transition: boolean;
}

const known = new Set(['size', 'has', 'duration', 'getSeconds', 'getMilliseconds', 'matches', 'startsWith', 'endsWith', 'contains']);
const cache = new WeakMap<SchemaNode, Compiled[]>();

function unknownCalls(n: CelNode): string[] {
  switch (n.t) {
    case 'call':
      return [...(known.has(n.fn) ? [] : [n.fn]), ...(n.of ? unknownCalls(n.of) : []), ...n.args.flatMap(unknownCalls)];
    case 'field':
      return unknownCalls(n.of);
    case 'index':
      return [...unknownCalls(n.of), ...unknownCalls(n.at)];
    case 'list':
      return n.items.flatMap(unknownCalls);
    case 'un':
      return unknownCalls(n.e);
    case 'bin':
      return [...unknownCalls(n.l), ...unknownCalls(n.r)];
    case 'cond':
      return [...unknownCalls(n.c), ...unknownCalls(n.a), ...unknownCalls(n.b)];
    default:
      return [];
  }
}

function compiled(node: SchemaNode): Compiled[] {
  let c = cache.get(node);
  if (!c) {
    c = (node['x-kubernetes-validations'] ?? []).map((rule) => {
      const transition = /\boldSelf\b/.test(rule.rule);
      try {
        const ast = parseCel(rule.rule);
        return unknownCalls(ast).length === 0 ? { rule, ast, transition } : { rule, transition };
      } catch {
        return { rule, transition };
      }
    });
    cache.set(node, c);
  }
  return c;
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The rules of a schema that this package cannot evaluate, with their paths. */
export function unsupportedRules(node: SchemaNode, at: PathSegment[] = []): string[] {
  const out = compiled(node).filter((c) => !c.ast).map((c) => `${fieldPath(at) || '<root>'}: ${c.rule.rule}`);
  for (const [k, sub] of Object.entries(node.properties ?? {})) out.push(...unsupportedRules(sub, [...at, k]));
  if (node.items) out.push(...unsupportedRules(node.items, [...at, 0]));
  if (typeof node.additionalProperties === 'object') out.push(...unsupportedRules(node.additionalProperties, [...at, '*']));
  return out;
}

const hasRulesCache = new WeakMap<SchemaNode, boolean>();

function hasRules(node: SchemaNode): boolean {
  let v = hasRulesCache.get(node);
  if (v === undefined) {
    const subs = [...Object.values(node.properties ?? {}), ...(node.items ? [node.items] : []), ...(typeof node.additionalProperties === 'object' ? [node.additionalProperties] : [])];
    v = (node['x-kubernetes-validations']?.length ?? 0) > 0 || subs.some(hasRules);
    hasRulesCache.set(node, v);
  }
  return v;
}

/** Errors of the rules under `node` for `obj`; `old` (on update) enables transition rules. */
export function ruleErrors(node: SchemaNode, obj: unknown, old: unknown, p: PathSegment[] = []): FieldError[] {
  if (obj === undefined || !hasRules(node)) return [];
  const out: FieldError[] = [];
  for (const c of compiled(node)) {
    if (!c.ast || (c.transition && old === undefined)) continue;
    const path = fieldPath(c.rule.fieldPath ? [...p, ...c.rule.fieldPath.replace(/^\./, '').split('.')] : p);
    let verdict: unknown;
    try {
      verdict = evalCel(c.ast, { self: obj, ...(old !== undefined ? { oldSelf: old } : {}) });
    } catch (e) {
      if (!(e instanceof CelError)) throw e;
      out.push({ path, type: 'FieldValueInvalid', message: `Invalid value: "${typeName(obj)}": ${e.message} evaluating rule: ${c.rule.rule}` });
      continue;
    }
    if (verdict !== true) out.push({ path, type: 'FieldValueInvalid', message: `Invalid value: "${typeName(obj)}": ${c.rule.message ?? `failed rule: ${c.rule.rule}`}` });
  }
  if (isObject(obj)) {
    const prev = isObject(old) ? old : undefined;
    for (const key of Object.keys(obj)) {
      const sub = propertySchema(node, key);
      if (sub) out.push(...ruleErrors(sub, obj[key], prev?.[key], [...p, key]));
    }
  } else if (Array.isArray(obj) && node.items) {
    const items = node.items;
    const keys = node['x-kubernetes-list-type'] === 'map' ? (node['x-kubernetes-list-map-keys'] ?? []) : undefined;
    const prev = Array.isArray(old) ? old : [];
    obj.forEach((item: unknown, i) => {
      // Old items correlate only in map lists (by their keys), as in the API server.
      const match = keys && isObject(item) ? prev.find((o: unknown) => isObject(o) && keys.every((k) => JSON.stringify(o[k]) === JSON.stringify(item[k]))) : undefined;
      out.push(...ruleErrors(items, item, match, [...p, i]));
    });
  }
  return out;
}
