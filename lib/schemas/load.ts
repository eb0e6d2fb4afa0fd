// SPDX-License-Identifier: Apache-2.0
/** Reads the module's schema files (crds/, openapi/) from the repository or the image's /app. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import yaml from 'js-yaml';
import { isObject, type SchemaNode } from './schema.js';

/** The module root: the nearest directory above this file holding module.yaml. */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'module.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`module.yaml not found above ${from}`);
    dir = up;
  }
}

/** Parses a YAML file (one document). */
export function readYaml(path: string): unknown {
  return yaml.load(readFileSync(path, 'utf8'));
}

/** Parses every document of a YAML file, skipping empty ones. */
export function readYamlAll(path: string): unknown[] {
  return yaml.loadAll(readFileSync(path, 'utf8')).filter((d) => d !== null && d !== undefined);
}

/** A CRD file of the module. */
export interface CrdFile {
  /** Path relative to the module root, e.g. `crds/native/bgppeers.yaml`. */
  file: string;
  crd: Record<string, unknown>;
}

/** The CRD folders: public, internal, native (upstream metallb.io). */
export const crdDirs = ['crds', 'crds/internal', 'crds/native'] as const;

/** Every CRD the module ships (doc-ru twins and `_` files skipped, as Deckhouse does). */
export function loadCrdFiles(root: string = repoRoot()): CrdFile[] {
  const out: CrdFile[] = [];
  for (const dir of crdDirs) {
    const abs = join(root, dir);
    if (!existsSync(abs)) continue;
    for (const name of readdirSync(abs).sort()) {
      if (!name.endsWith('.yaml') || name.startsWith('doc-') || name.startsWith('_')) continue;
      for (const doc of readYamlAll(join(abs, name))) {
        if (isObject(doc) && doc.kind === 'CustomResourceDefinition') out.push({ file: relative(root, join(abs, name)), crd: doc });
      }
    }
  }
  return out;
}

/** One CRD by kind (`MetalLoadBalancerClass`) or full name (`bgppeers.metallb.io`). */
export function loadCrd(kindOrName: string, root: string = repoRoot()): Record<string, unknown> {
  const found = loadCrdFiles(root).find(({ crd }) => {
    const spec = isObject(crd.spec) ? crd.spec : {};
    const names = isObject(spec.names) ? spec.names : {};
    const meta = isObject(crd.metadata) ? crd.metadata : {};
    return names.kind === kindOrName || meta.name === kindOrName;
  });
  if (!found) throw new Error(`no CRD ${kindOrName} in ${crdDirs.join(', ')}`);
  return found.crd;
}

/** The openAPIV3Schema of one CRD version (the storage version when none is named). */
export function crdSchema(crd: Record<string, unknown>, version?: string): SchemaNode {
  const spec = isObject(crd.spec) ? crd.spec : {};
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter(isObject);
  const v = versions.find((x) => (version ? x.name === version : x.storage === true)) ?? versions[0];
  const schema = v && isObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
  if (!isObject(schema)) throw new Error(`CRD ${String(isObject(crd.metadata) ? crd.metadata.name : '?')} has no schema for version ${version ?? '(storage)'}`);
  return schema as SchemaNode;
}

/** `openapi/config-values.yaml`: the ModuleConfig settings schema. */
export function loadConfigValuesSchema(root: string = repoRoot()): SchemaNode & { 'x-config-version'?: number } {
  return readYaml(join(root, 'openapi/config-values.yaml')) as SchemaNode;
}

/** Resolves `x-extend: {schema: file}`: the child's properties are added to the parent's. Pure. */
export function extendSchema(parent: SchemaNode, child: SchemaNode): SchemaNode {
  const { 'x-extend': _drop, ...rest } = child;
  const { 'x-examples': _parentExamples, 'x-config-version': _version, ...base } = parent;
  const required = [...new Set([...(parent.required ?? []), ...(child.required ?? [])])];
  const out: SchemaNode = { ...base, ...rest, properties: { ...parent.properties, ...child.properties } };
  if (required.length > 0) out.required = required;
  return out;
}

/** `openapi/values.yaml` with its `x-extend` resolved: the full module values schema (settings + internal). */
export function loadValuesSchema(root: string = repoRoot()): SchemaNode {
  const values = readYaml(join(root, 'openapi/values.yaml')) as SchemaNode;
  const ext = values['x-extend'];
  if (!isObject(ext) || typeof ext.schema !== 'string') return values;
  return extendSchema(readYaml(join(root, 'openapi', ext.schema)) as SchemaNode, values);
}
