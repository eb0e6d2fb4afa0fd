// SPDX-License-Identifier: Apache-2.0
/**
 * Pruning and defaulting as the API server applies them to custom resources, in this order:
 * drop undeclared fields and nulls of non-nullable fields, then fill defaults. Pure.
 */
import { cloneJson, fieldPath, isObject, propertySchema, type PathSegment, type SchemaNode } from './schema.js';

const rootKeys = new Set(['apiVersion', 'kind', 'metadata']);

/** Removes fields the schema does not declare, in place; returns their paths. apiVersion, kind and metadata are kept. */
export function prune(node: SchemaNode, value: unknown): string[] {
  const dropped: string[] = [];
  pruneAt(node, value, [], dropped, true);
  return dropped;
}

// `p` is one path stack shared by the whole walk (pushed and popped), so nothing is allocated per field.
function pruneAt(node: SchemaNode, value: unknown, p: PathSegment[], dropped: string[], root: boolean): void {
  if (isObject(value)) {
    const preserve = node['x-kubernetes-preserve-unknown-fields'] === true || node['x-kubernetes-embedded-resource'] === true;
    for (const key of Object.keys(value)) {
      // apiVersion, kind and metadata are the server's own business.
      if (root && rootKeys.has(key)) continue;
      const sub = propertySchema(node, key);
      if (!sub) {
        if (!preserve && node.additionalProperties !== true) {
          dropped.push(fieldPath([...p, key]));
          delete value[key];
        }
        continue;
      }
      const v = value[key];
      if (v === null && sub.nullable !== true) {
        delete value[key];
        continue;
      }
      if (typeof v !== 'object' || v === null) continue;
      p.push(key);
      pruneAt(sub, v, p, dropped, false);
      p.pop();
    }
  } else if (Array.isArray(value) && node.items) {
    const items = node.items;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v !== 'object' || v === null) continue;
      p.push(i);
      pruneAt(items, v, p, dropped, false);
      p.pop();
    }
  }
}

/** Fills absent fields that have a default, in place (also inside defaults and array items); returns the paths filled. */
export function applyDefaults(node: SchemaNode, value: unknown): string[] {
  const filled: string[] = [];
  defaultAt(node, value, [], filled);
  return filled;
}

const defaultsCache = new WeakMap<SchemaNode, { own: [string, unknown][]; any: boolean }>();

/** The node's properties that have defaults, and whether any default exists below it (cached). */
function defaultsOf(node: SchemaNode): { own: [string, unknown][]; any: boolean } {
  let d = defaultsCache.get(node);
  if (!d) {
    const own = Object.entries(node.properties ?? {}).filter(([, s]) => s.default !== undefined).map(([k, s]): [string, unknown] => [k, s.default]);
    const subs = [...Object.values(node.properties ?? {}), ...(node.items ? [node.items] : []), ...(typeof node.additionalProperties === 'object' ? [node.additionalProperties] : [])];
    d = { own, any: own.length > 0 };
    defaultsCache.set(node, d);
    d.any = own.length > 0 || subs.some((s) => defaultsOf(s).any);
  }
  return d;
}

function defaultAt(node: SchemaNode, value: unknown, p: PathSegment[], filled: string[]): void {
  const d = defaultsOf(node);
  if (!d.any) return;
  if (isObject(value)) {
    for (const [key, def] of d.own) {
      if (value[key] === undefined) {
        value[key] = cloneJson(def);
        filled.push(fieldPath([...p, key]));
      }
    }
    for (const key of Object.keys(value)) {
      if (p.length === 0 && key === 'metadata') continue;
      const v = value[key];
      if (typeof v !== 'object' || v === null) continue;
      const sub = propertySchema(node, key);
      if (!sub) continue;
      p.push(key);
      defaultAt(sub, v, p, filled);
      p.pop();
    }
  } else if (Array.isArray(value) && node.items) {
    const items = node.items;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      if (typeof v !== 'object' || v === null) continue;
      p.push(i);
      defaultAt(items, v, p, filled);
      p.pop();
    }
  }
}
