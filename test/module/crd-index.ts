// SPDX-License-Identifier: Apache-2.0
/** The module's CRDs indexed by apiVersion and kind, compiled once per test file. */
import { compileCrd, loadCrdFiles, type SchemaValidator } from '../../lib/schemas/index.js';
import { isObject } from '../../lib/schemas/schema.js';

/** Validator for `apiVersion` + `kind` among crds/, crds/internal/ and crds/native/. */
export function crdValidators(): (apiVersion: string, kind: string) => SchemaValidator | undefined {
  const byKey = new Map<string, SchemaValidator>();
  for (const { crd } of loadCrdFiles()) {
    const c = compileCrd(crd);
    for (const [version, validate] of Object.entries(c.versions)) byKey.set(`${c.group}/${version}|${c.kind}`, validate);
  }
  return (apiVersion, kind) => byKey.get(`${apiVersion}|${kind}`);
}

/** apiVersion and kind of a manifest. */
export function typeOfManifest(doc: unknown): { apiVersion: string; kind: string; name: string } {
  const d = isObject(doc) ? doc : {};
  const meta = isObject(d.metadata) ? d.metadata : {};
  return { apiVersion: String(d.apiVersion), kind: String(d.kind), name: String(meta.name) };
}
