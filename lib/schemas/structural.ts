// SPDX-License-Identifier: Apache-2.0
/**
 * Checks a CRD schema against the structural-schema rules of apiextensions.k8s.io/v1
 * (types everywhere, junctors without types/defaults, no $ref, metadata limited). Pure.
 */
import { listSchemaErrors } from './lists.js';
import { fieldPath, type PathSegment, type SchemaNode } from './schema.js';

const junctors = ['allOf', 'anyOf', 'oneOf'] as const;

/** JSON Schema keywords the API server refuses in a CRD. */
const unsupported = ['patternProperties', 'dependencies', 'additionalItems', 'definitions'] as const;

/** Keywords refused anywhere in the schema, junctors included. */
function refused(node: SchemaNode, at: string): string[] {
  const out: string[] = [];
  const n = node as Record<string, unknown>;
  for (const k of unsupported) if (n[k] !== undefined) out.push(`${at}.${k}: Forbidden: ${k} is not supported`);
  if (n.uniqueItems === true) out.push(`${at}.uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`);
  return out;
}
const forbiddenInJunctor = ['type', 'description', 'title', 'default', 'nullable', 'additionalProperties', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-int-or-string', 'x-kubernetes-embedded-resource'] as const;

/** Structural-schema violations of an openAPIV3Schema, as `path: reason` strings; empty when structural. */
export function structuralErrors(root: SchemaNode): string[] {
  const errors: string[] = [];
  const at = (p: PathSegment[]) => fieldPath(['openAPIV3Schema', ...p]);
  const walk = (node: SchemaNode, p: PathSegment[], isRoot: boolean): void => {
    if (node.$ref !== undefined) errors.push(`${at(p)}.$ref: Forbidden: $ref is not allowed`);
    errors.push(...refused(node, at(p)));
    const intOrString = node['x-kubernetes-int-or-string'] === true;
    const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
    if (node.type === undefined && !intOrString && !preserve) errors.push(`${at(p)}.type: Required value: must not be empty for specified object fields`);
    if (intOrString && node.type !== undefined) errors.push(`${at(p)}.type: Forbidden: must be empty with x-kubernetes-int-or-string`);
    if (node.type === 'array' && node.items === undefined) errors.push(`${at(p)}.items: Required value: must be specified for arrays`);
    if (node.properties && typeof node.additionalProperties === 'object') errors.push(`${at(p)}.additionalProperties: Forbidden: additionalProperties and properties are mutually exclusive`);
    if (node.additionalProperties === false) errors.push(`${at(p)}.additionalProperties: Forbidden: must not be false`);
    if (isRoot && node.type !== undefined && node.type !== 'object') errors.push(`${at(p)}.type: Invalid value: "${node.type}": must be object at the root`);
    if (isRoot && node.properties?.metadata) checkMetadata(node.properties.metadata, errors);
    errors.push(...listSchemaErrors(node, at(p)));
    for (const [k, sub] of Object.entries(node.properties ?? {})) walk(sub, [...p, 'properties', k], false);
    if (typeof node.additionalProperties === 'object') walk(node.additionalProperties, [...p, 'additionalProperties'], false);
    if (node.items) walk(node.items, [...p, 'items'], false);
    for (const j of junctors) {
      if (j === 'anyOf' && intOrString && isIntOrStringAnyOf(node.anyOf)) continue;
      node[j]?.forEach((sub, i) => checkJunctor(sub, [...p, j, i], node, errors));
    }
    if (node.not) checkJunctor(node.not, [...p, 'not'], node, errors);
  };
  walk(root, [], true);
  return errors;
}

/** The one typed junctor the rules allow: `anyOf: [{type: integer}, {type: string}]` with x-kubernetes-int-or-string. */
function isIntOrStringAnyOf(list: SchemaNode[] | undefined): boolean {
  const types = (list ?? []).map((s) => JSON.stringify(s));
  return types.length === 2 && types[0] === '{"type":"integer"}' && types[1] === '{"type":"string"}';
}

function checkMetadata(meta: SchemaNode, errors: string[]): void {
  const allowed = new Set(['name', 'generateName']);
  for (const k of Object.keys(meta.properties ?? {})) {
    if (!allowed.has(k)) errors.push(`openAPIV3Schema.properties.metadata.properties.${k}: Forbidden: only name and generateName may be specified`);
  }
  if (meta.type !== undefined && meta.type !== 'object') errors.push('openAPIV3Schema.properties.metadata.type: Invalid value: must be object');
}

/** Inside allOf/anyOf/oneOf/not only value validations may appear, on fields declared outside. */
function checkJunctor(node: SchemaNode, p: PathSegment[], outer: SchemaNode | undefined, errors: string[]): void {
  const at = fieldPath(['openAPIV3Schema', ...p]);
  for (const k of forbiddenInJunctor) if (node[k] !== undefined) errors.push(`${at}.${k}: Forbidden: must not be used inside ${String(p.at(-2) ?? 'not')}`);
  if (node.$ref !== undefined) errors.push(`${at}.$ref: Forbidden: $ref is not allowed`);
  errors.push(...refused(node, at));
  for (const [k, sub] of Object.entries(node.properties ?? {})) {
    const outerProp = outer?.properties?.[k] ?? (typeof outer?.additionalProperties === 'object' ? outer.additionalProperties : undefined);
    if (outer && !outerProp && outer['x-kubernetes-preserve-unknown-fields'] !== true) errors.push(`${at}.properties.${k}: Forbidden: must be declared outside the junctor too`);
    checkJunctor(sub, [...p, 'properties', k], outerProp, errors);
  }
  if (node.items) checkJunctor(node.items, [...p, 'items'], outer?.items, errors);
  for (const j of junctors) node[j]?.forEach((sub, i) => checkJunctor(sub, [...p, j, i], outer, errors));
  if (node.not) checkJunctor(node.not, [...p, 'not'], outer, errors);
}
