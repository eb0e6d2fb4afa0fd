// SPDX-License-Identifier: Apache-2.0
/**
 * Pruning and defaulting as the API server applies them to custom resources, in this order:
 * drop undeclared fields and nulls of non-nullable fields, then fill defaults. Pure.
 */
import { cloneJson, fieldPath, isObject, propertySchema, type PathSegment, type SchemaNode } from './schema.js';

const rootKeys = new Set(['apiVersion', 'kind', 'metadata']);

/** Removes fields the schema does not declare, in place; returns their paths. `keepRootMeta` keeps apiVersion/kind/metadata. */
export function prune(node: SchemaNode, value: unknown, keepRootMeta = true): string[] {
  const dropped: string[] = [];
  pruneAt(node, value, [], dropped, keepRootMeta);
  return dropped;
}

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
      if (value[key] === null && sub.nullable !== true) {
        delete value[key];
        continue;
      }
      pruneAt(sub, value[key], [...p, key], dropped, false);
    }
  } else if (Array.isArray(value) && node.items) {
    const items = node.items;
    value.forEach((v, i) => pruneAt(items, v, [...p, i], dropped, false));
  }
}

/** Fills absent fields that have a default, in place (also inside defaults and array items); returns the paths filled. */
export function applyDefaults(node: SchemaNode, value: unknown): string[] {
  const filled: string[] = [];
  defaultAt(node, value, [], filled);
  return filled;
}

function defaultAt(node: SchemaNode, value: unknown, p: PathSegment[], filled: string[]): void {
  if (isObject(value)) {
    for (const [key, sub] of Object.entries(node.properties ?? {})) {
      if (value[key] === undefined && sub.default !== undefined) {
        value[key] = cloneJson(sub.default);
        filled.push(fieldPath([...p, key]));
      }
    }
    for (const key of Object.keys(value)) {
      if (p.length === 0 && key === 'metadata') continue;
      const sub = propertySchema(node, key);
      if (sub) defaultAt(sub, value[key], [...p, key], filled);
    }
  } else if (Array.isArray(value) && node.items) {
    const items = node.items;
    value.forEach((v, i) => defaultAt(items, v, [...p, i], filled));
  }
}
