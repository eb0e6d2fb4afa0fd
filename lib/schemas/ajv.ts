// SPDX-License-Identifier: Apache-2.0
/**
 * Turns Kubernetes/Deckhouse OpenAPI schemas into plain JSON Schema for ajv, and the shared ajv instance, so that
 * ajv accepts and rejects what kube-apiserver does: only the keywords of JSONSchemaProps that validate are kept
 * (anything else, such as `const`, the server never reads), formats as kube-openapi checks them (formats.ts),
 * patterns as RE2 reads them (re2.ts). Pure.
 */
import Ajv from 'ajv';
import { checkedFormat, kubeFormats } from './formats.js';
import { re2RegExp } from './re2.js';
import { isObject, type SchemaNode } from './schema.js';

/** Patterns through the RE2 rewrite (ajv passes the unicode flag, which the rewrite always sets). */
const re2Engine = Object.assign((pattern: string) => re2RegExp(pattern), { code: 're2RegExp' });

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: true, code: { regExp: re2Engine } });
  for (const [name, validate] of Object.entries(kubeFormats)) ajv.addFormat(name, { type: 'string', validate });
  return ajv;
}

/** One ajv for all schemas (compiled functions are independent). */
export const ajv = newAjv();

/** Options of {@link toAjvSchema}. */
export interface AjvOptions {
  /** Objects with `properties` and no `additionalProperties` reject unknown keys (addon-operator's rule for values). */
  closedObjects?: boolean;
}

/** Rewrites `x-kubernetes-int-or-string`, draft-4 exclusive bounds and unknown formats; drops annotations. */
export function toAjvSchema(node: SchemaNode, opts: AjvOptions = {}): Record<string, unknown> {
  return convert(node, opts) as Record<string, unknown>;
}

const junctorKeys = new Set(['oneOf', 'anyOf', 'allOf', 'not']);

/** The JSONSchemaProps keywords that take part in validation; the API server reads no others. */
const validating = new Set([
  'type', 'format', 'pattern', 'enum', 'required', 'properties', 'additionalProperties', 'items', 'oneOf', 'anyOf', 'allOf', 'not',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'minItems', 'maxItems',
  'minProperties', 'maxProperties', 'nullable',
]);

function convert(node: unknown, opts: AjvOptions): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, opts));
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (!validating.has(k)) continue;
    if (k === 'format') {
      const name = typeof v === 'string' ? checkedFormat(v) : undefined;
      if (name) out[k] = name;
    } else if (k === 'enum' || k === 'required' || k === 'pattern' || k === 'type' || k === 'nullable') out[k] = v;
    else if (k === 'properties' && isObject(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convert(s, opts)]));
    // Junctor branches only add checks to the fields declared outside them: never close them.
    else out[k] = convert(v, junctorKeys.has(k) ? { ...opts, closedObjects: false } : opts);
  }
  if (node['x-kubernetes-int-or-string'] === true) {
    delete out.type;
    if (out.anyOf === undefined) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (out.exclusiveMinimum === true && typeof out.minimum === 'number') {
    out.exclusiveMinimum = out.minimum;
    delete out.minimum;
  } else if (typeof out.exclusiveMinimum === 'boolean') delete out.exclusiveMinimum;
  if (out.exclusiveMaximum === true && typeof out.maximum === 'number') {
    out.exclusiveMaximum = out.maximum;
    delete out.maximum;
  } else if (typeof out.exclusiveMaximum === 'boolean') delete out.exclusiveMaximum;
  const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
  if (opts.closedObjects && out.properties !== undefined && out.additionalProperties === undefined && !preserve) out.additionalProperties = false;
  return out;
}
