// SPDX-License-Identifier: Apache-2.0
/**
 * `x-kubernetes-list-type` rules: items of a `set` are unique, items of a `map` are unique by
 * their `x-kubernetes-list-map-keys`; the schema side is checked with the structural rules. Pure.
 */
import type { FieldError } from './errors.js';
import { fieldPath, isObject, propertySchema, type PathSegment, type SchemaNode } from './schema.js';

/** How the API server prints a duplicate map key: `map[string]interface {}{"port":80, "protocol":"TCP"}`. */
function showKey(keys: readonly string[], item: Record<string, unknown>): string {
  return `map[string]interface {}{${keys.map((k) => `"${k}":${JSON.stringify(item[k])}`).join(', ')}}`;
}

const hasListsCache = new WeakMap<SchemaNode, boolean>();

/** True when a set or map list appears anywhere under the node (cached per schema node). */
function hasLists(node: SchemaNode): boolean {
  let v = hasListsCache.get(node);
  if (v === undefined) {
    const t = node['x-kubernetes-list-type'];
    const extra = typeof node.additionalProperties === 'object' ? [node.additionalProperties] : [];
    const subs = [...Object.values(node.properties ?? {}), ...(node.items ? [node.items] : []), ...extra];
    v = t === 'set' || t === 'map' || subs.some(hasLists);
    hasListsCache.set(node, v);
  }
  return v;
}

/** Duplicate items of `set` and `map` lists, reported at the second occurrence. */
export function listErrors(node: SchemaNode, value: unknown): FieldError[] {
  const out: FieldError[] = [];
  listsAt(node, value, [], out);
  return out;
}

// `p` is one path stack shared by the whole walk.
function listsAt(node: SchemaNode, value: unknown, p: PathSegment[], out: FieldError[]): void {
  if (!hasLists(node)) return;
  if (Array.isArray(value)) {
    const type = node['x-kubernetes-list-type'];
    const keys = node['x-kubernetes-list-map-keys'] ?? [];
    const seen = new Set<string>();
    value.forEach((item: unknown, i) => {
      let id: string | undefined;
      let shown = '';
      if (type === 'set') {
        id = JSON.stringify(item);
        shown = typeof item === 'string' ? JSON.stringify(item) : String(id);
      } else if (type === 'map' && isObject(item) && keys.length > 0) {
        id = JSON.stringify(keys.map((k) => item[k] ?? null));
        shown = showKey(keys, item);
      }
      if (id === undefined) return;
      if (seen.has(id)) out.push({ path: fieldPath([...p, i]), type: 'FieldValueDuplicate', message: `Duplicate value: ${shown}` });
      seen.add(id);
    });
    const items = node.items;
    if (items) {
      value.forEach((item: unknown, i) => {
        p.push(i);
        listsAt(items, item, p, out);
        p.pop();
      });
    }
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) {
      const sub = propertySchema(node, key);
      if (!sub || typeof value[key] !== 'object') continue;
      p.push(key);
      listsAt(sub, value[key], p, out);
      p.pop();
    }
  }
}

/** Schema-side rules of list types, as `path: reason` strings. */
export function listSchemaErrors(node: SchemaNode, at: string): string[] {
  const type = node['x-kubernetes-list-type'];
  const keys = node['x-kubernetes-list-map-keys'];
  const out: string[] = [];
  if (type !== undefined && node.type !== 'array') out.push(`${at}.x-kubernetes-list-type: Forbidden: only for arrays`);
  if (keys !== undefined && type !== 'map') out.push(`${at}.x-kubernetes-list-map-keys: Forbidden: only with x-kubernetes-list-type map`);
  if (type === 'map') {
    const items = node.items;
    if (!items || items.type !== 'object') out.push(`${at}.items.type: Invalid value: must be object for x-kubernetes-list-type map`);
    if (!keys || keys.length === 0) out.push(`${at}.x-kubernetes-list-map-keys: Required value: must not be empty for x-kubernetes-list-type map`);
    for (const k of keys ?? []) {
      const prop = items?.properties?.[k];
      if (!prop) out.push(`${at}.x-kubernetes-list-map-keys: Invalid value: "${k}": must be a property of the items`);
      else if (!(items?.required ?? []).includes(k) && prop.default === undefined) out.push(`${at}.x-kubernetes-list-map-keys: Invalid value: "${k}": must be required or have a default`);
      else if (prop.type === 'object' || prop.type === 'array') out.push(`${at}.x-kubernetes-list-map-keys: Invalid value: "${k}": must be a scalar`);
    }
  }
  if (type === 'set' && node.items && (node.items.type === 'object' || node.items.type === 'array')) out.push(`${at}.items.type: Invalid value: must be a scalar for x-kubernetes-list-type set`);
  return out;
}
