// SPDX-License-Identifier: Apache-2.0
/**
 * Generates lib/schemas/types.generated.ts from crds/ and openapi/, so TypeScript types and
 * validators come from the same YAML. Run `make gen-types`; a test keeps the file in sync.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdSchema, loadConfigValuesSchema, loadCrdFiles, loadValuesSchema, repoRoot } from './load.js';
import { isObject, type SchemaNode } from './schema.js';

/** Named item types for the arrays of `internal` values (the rest stay inline). */
const internalItemNames: Record<string, string> = {
  l2loadbalancers: 'L2LoadBalancerValue',
  l2lbservices: 'L2LBServiceValue',
  addressPools: 'AddressPoolValue',
  bgpPeers: 'BGPPeerValue',
  bgpAdvertisements: 'BGPAdvertisementValue',
  bfdProfiles: 'BFDProfileValue',
  secretsToCopy: 'SecretToCopyValue',
};

const ident = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function key(name: string): string {
  return ident.test(name) ? name : JSON.stringify(name);
}

function doc(node: SchemaNode, pad: string): string {
  const first = node.description?.trim().split('\n')[0]?.trim();
  if (!first) return '';
  return `${pad}/** ${first.replace(/\*\//g, '*\\/')} */\n`;
}

/** The TypeScript type of a schema node; `pad` is the indentation of the line it starts on. */
export function typeOf(node: SchemaNode, pad = ''): string {
  const t = baseType(node, pad);
  return node.nullable ? `${t} | null` : t;
}

function baseType(node: SchemaNode, pad: string): string {
  // A named type emitted separately (see internalItemNames).
  if (typeof node['x-ts-ref'] === 'string') return node['x-ts-ref'];
  if (node['x-kubernetes-int-or-string']) return 'number | string';
  if (node.enum && node.enum.length > 0) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  switch (node.type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'array': {
      const item = node.items ? typeOf(node.items, pad) : 'unknown';
      return /[|&]/.test(item) && !item.startsWith('{') ? `(${item})[]` : `${item}[]`;
    }
    case 'object':
      return objectType(node, pad);
    default:
      if (node.anyOf?.every((s) => s.type === 'integer' || s.type === 'string')) return 'number | string';
      return node.properties ? objectType(node, pad) : 'unknown';
  }
}

function objectType(node: SchemaNode, pad: string): string {
  const props = Object.entries(node.properties ?? {});
  const extra = node.additionalProperties;
  if (props.length === 0) {
    if (typeof extra === 'object') return `Record<string, ${typeOf(extra, pad)}>`;
    return 'Record<string, unknown>';
  }
  return `{\n${members(node, `${pad}  `)}${pad}}`;
}

function members(node: SchemaNode, pad: string): string {
  const required = new Set(node.required ?? []);
  let out = '';
  for (const [name, sub] of Object.entries(node.properties ?? {})) {
    out += `${doc(sub, pad)}${pad}${key(name)}${required.has(name) ? '' : '?'}: ${typeOf(sub, pad)};\n`;
  }
  if (node['x-kubernetes-preserve-unknown-fields']) out += `${pad}[key: string]: unknown;\n`;
  return out;
}

function iface(name: string, node: SchemaNode, comment?: string): string {
  const head = comment ? `/** ${comment} */\n` : doc(node, '');
  if (node.type === 'object' && !node.properties) return `${head}export type ${name} = ${typeOf(node)};\n`;
  return `${head}export interface ${name} {\n${members(node, '  ')}}\n`;
}

/** The inputs of the generator. */
export interface TypeSources {
  settings: SchemaNode;
  values: SchemaNode;
  crds: { file: string; crd: Record<string, unknown> }[];
}

/** Reads the schema files. */
export function loadTypeSources(root: string = repoRoot()): TypeSources {
  return { settings: loadConfigValuesSchema(root), values: loadValuesSchema(root), crds: loadCrdFiles(root) };
}

function crdTypes(file: string, crd: Record<string, unknown>): string {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const kind = String(names.kind);
  let out = `// ${file}\n`;
  for (const v of (Array.isArray(spec.versions) ? spec.versions : []).filter(isObject)) {
    const version = String(v.name);
    const suffix = v.storage === true ? '' : version.charAt(0).toUpperCase() + version.slice(1);
    const schema = crdSchema(crd, version);
    const apiVersion = `${String(spec.group)}/${version}`;
    const props = schema.properties ?? {};
    const parts: string[] = [];
    for (const part of ['spec', 'status'] as const) {
      const s = props[part];
      if (s) {
        out += iface(`${kind}${suffix}${part === 'spec' ? 'Spec' : 'Status'}`, s, `${kind} ${part} (${apiVersion}).`);
        parts.push(`  ${part}${schema.required?.includes(part) ? '' : '?'}: ${kind}${suffix}${part === 'spec' ? 'Spec' : 'Status'};\n`);
      }
    }
    out += `/** ${apiVersion} ${kind}. */\nexport interface ${kind}${suffix} {\n  apiVersion: ${JSON.stringify(apiVersion)};\n  kind: ${JSON.stringify(kind)};\n  metadata: ObjectMeta;\n${parts.join('')}}\n`;
  }
  return out;
}

/** The whole generated file. Pure. */
export function renderTypes(src: TypeSources): string {
  let out = '// SPDX-License-Identifier: Apache-2.0\n';
  out += '// Generated by lib/schemas/gen-types.ts from crds/ and openapi/. Do not edit: change the YAML and run `make gen-types`.\n';
  out += '\n';
  out += '/** The metadata fields the module reads and writes. */\nexport interface ObjectMeta {\n  name?: string;\n  namespace?: string;\n  labels?: Record<string, string>;\n  annotations?: Record<string, string>;\n  [key: string]: unknown;\n}\n\n';
  out += '// openapi/config-values.yaml\n';
  out += iface('ModuleSettings', src.settings, 'ModuleConfig `metallb` settings (openapi/config-values.yaml).');
  const internal = src.values.properties?.internal ?? { type: 'object' };
  out += '\n// openapi/values.yaml\n';
  const inner: SchemaNode = { ...internal, properties: { ...internal.properties } };
  for (const [prop, itemName] of Object.entries(internalItemNames)) {
    const arr = inner.properties?.[prop];
    if (!arr?.items) continue;
    out += iface(itemName, arr.items, `One item of \`metallb.internal.${prop}\`.`);
    inner.properties = { ...inner.properties, [prop]: { ...arr, items: { 'x-ts-ref': itemName } as SchemaNode } };
  }
  out += iface('InternalValues', inner, '`metallb.internal`: values the hooks compute (openapi/values.yaml).');
  out += '/** The module values: settings plus `internal`. */\nexport interface ModuleValues extends ModuleSettings {\n  internal: InternalValues;\n}\n';
  for (const { file, crd } of src.crds) out += `\n${crdTypes(file, crd)}`;
  return out;
}

/** Where the generated file lives. */
export const generatedPath = (root: string = repoRoot()): string => join(root, 'lib/schemas/types.generated.ts');

if (require.main === module) {
  const root = repoRoot();
  writeFileSync(generatedPath(root), renderTypes(loadTypeSources(root)));
  console.log(`wrote ${generatedPath(root)}`);
}
