// SPDX-License-Identifier: Apache-2.0
/**
 * The one CEL transition rule our CRDs use, `self == oldSelf` (immutable field), checked on updates.
 * Other CEL rules are not evaluated here. Pure.
 */
import { isDeepStrictEqual } from 'node:util';
import type { FieldError } from './errors.js';
import { fieldPath, isObject, propertySchema, type PathSegment, type SchemaNode } from './schema.js';

const immutable = /^\s*self\s*==\s*oldSelf\s*$/;

/** True when a rule is one this package evaluates. */
export function isSupportedRule(rule: string): boolean {
  return immutable.test(rule);
}

/** Errors for fields marked immutable (`self == oldSelf`) whose value changed between `old` and `obj`. */
export function transitionErrors(node: SchemaNode, obj: unknown, old: unknown, p: PathSegment[] = []): FieldError[] {
  if (obj === undefined || old === undefined) return [];
  const out: FieldError[] = [];
  for (const r of node['x-kubernetes-validations'] ?? []) {
    if (immutable.test(r.rule) && !isDeepStrictEqual(obj, old)) {
      out.push({ path: fieldPath(p), type: 'FieldValueInvalid', message: `Invalid value: "${typeof obj === 'object' ? 'object' : typeof obj}": ${r.message ?? `failed rule: ${r.rule}`}` });
    }
  }
  if (isObject(obj) && isObject(old)) {
    for (const key of Object.keys(obj)) {
      const sub = propertySchema(node, key);
      if (sub) out.push(...transitionErrors(sub, obj[key], old[key], [...p, key]));
    }
  }
  return out;
}
