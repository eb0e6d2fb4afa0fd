// SPDX-License-Identifier: Apache-2.0
/** Turns Kubernetes/Deckhouse OpenAPI schemas into plain JSON Schema for ajv, and the shared ajv instance. Pure. */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { parseCidr } from '../ip.js';
import { isObject, type SchemaNode } from './schema.js';

/** Formats the API server checks; any other format is ignored, as the server does. */
const checkedFormats = new Set(['date-time', 'datetime', 'date', 'ipv4', 'ipv6', 'uri', 'email', 'hostname', 'uuid', 'byte', 'cidr', 'mac', 'duration']);

/** Go's time.ParseDuration syntax (`1h30m`, `300ms`). */
const goDuration = /^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^[-+]?0$/;

function newAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, validateFormats: true });
  addFormats(ajv, ['date-time', 'date', 'ipv4', 'ipv6', 'uri', 'email', 'hostname', 'uuid', 'byte']);
  ajv.addFormat('datetime', { type: 'string', validate: (s: string) => !Number.isNaN(Date.parse(s)) });
  ajv.addFormat('cidr', {
    type: 'string',
    validate: (s: string) => {
      try {
        parseCidr(s, false);
        return true;
      } catch {
        return false;
      }
    },
  });
  ajv.addFormat('mac', /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/);
  ajv.addFormat('duration', goDuration);
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

function convert(node: unknown, opts: AjvOptions): unknown {
  if (Array.isArray(node)) return node.map((n) => convert(n, opts));
  if (!isObject(node)) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'default' || k === 'example' || k === 'description' || k.startsWith('x-')) continue;
    if (k === 'format' && !(typeof v === 'string' && checkedFormats.has(v))) continue;
    if (k === 'enum' || k === 'required' || k === 'pattern' || k === 'type') out[k] = v;
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
