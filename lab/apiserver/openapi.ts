// SPDX-License-Identifier: Apache-2.0
/**
 * OpenAPI v2 and v3 documents as kubectl reads them (`explain`, `apply`): one schema per kind with
 * its x-kubernetes-group-version-kind; CRDs give their openAPIV3Schema, built-in kinds an open object. Pure.
 */
import protobuf from 'protobufjs';
import { VERSION } from './discovery.js';
import { apiVersionOf, type ResourceType } from './resources.js';
import type { Schema } from './schema.js';
import { isRecord } from './types.js';

const OBJECT_META: Schema = { type: 'object', description: 'Standard object metadata.', 'x-kubernetes-preserve-unknown-fields': true };

function definitionName(t: ResourceType, version: string): string {
  const g = t.group === '' ? 'core' : t.group;
  return `io.k8s.lab.${g}.${version}.${t.kind}`;
}

/** The schema of a kind in one version, with apiVersion, kind and metadata filled in. */
function schemaOf(t: ResourceType, version: string, ref: (n: string) => string): Schema {
  const raw = t.schemas?.[version]?.raw;
  const base: Schema = raw ? JSON.parse(JSON.stringify(raw)) as Schema : { type: 'object', description: `${t.kind} is a built-in kind.`, 'x-kubernetes-preserve-unknown-fields': true };
  const props = isRecord(base.properties) ? base.properties : {};
  base.properties = {
    apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
    kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
    ...props,
    metadata: { allOf: [{ $ref: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta') }], description: 'Standard object metadata.' },
  };
  base.type = 'object';
  base['x-kubernetes-group-version-kind'] = [{ group: t.group, version, kind: t.kind }];
  return base;
}

const QUERY = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } }));

/** The operations of a kind; kubectl looks for `fieldValidation` on the PATCH that names the kind. */
function pathsFor(t: ResourceType, version: string, ref: string): Record<string, unknown> {
  const prefix = t.group === '' ? `/api/${version}` : `/apis/${t.group}/${version}`;
  const gvk = { group: t.group, version, kind: t.kind };
  const op = (id: string, action: string) => ({
    operationId: id, parameters: QUERY, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: ref } } } } },
  });
  const base = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}` : `${prefix}/${t.resource}`;
  return {
    [base]: { get: op(`list${t.kind}`, 'list'), post: op(`create${t.kind}`, 'post') },
    [`${base}/{name}`]: { get: op(`read${t.kind}`, 'get'), put: op(`replace${t.kind}`, 'put'), patch: op(`patch${t.kind}`, 'patch'), delete: op(`delete${t.kind}`, 'delete') },
  };
}

/** `/openapi/v3`: the index of group-version documents. */
export function v3Index(types: ResourceType[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const t of types) for (const v of t.versions) {
    const p = t.group === '' ? `api/${v}` : `apis/${t.group}/${v}`;
    paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hashOf(types, t.group, v)}` };
  }
  return { paths };
}

/** `/openapi/v3/apis/<group>/<version>` (or `api/v1`). */
export function v3Document(types: ResourceType[], group: string, version: string): Record<string, unknown> | undefined {
  const mine = types.filter((t) => t.group === group && t.versions.includes(version));
  if (mine.length === 0) return undefined;
  const ref = (n: string) => `#/components/schemas/${n}`;
  const schemas: Record<string, unknown> = { 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': OBJECT_META };
  let paths: Record<string, unknown> = {};
  for (const t of mine) {
    const n = definitionName(t, version);
    schemas[n] = schemaOf(t, version, ref);
    paths = { ...paths, ...pathsFor(t, version, ref(n)) };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: VERSION.gitVersion }, paths, components: { schemas } };
}

/** `/openapi/v2`: one swagger document with every kind. */
export function v2Document(types: ResourceType[]): Record<string, unknown> {
  const ref = (n: string) => `#/definitions/${n}`;
  const definitions: Record<string, unknown> = { 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': OBJECT_META };
  for (const t of types) for (const v of t.versions) definitions[definitionName(t, v)] = schemaOf(t, v, ref);
  return { swagger: '2.0', info: { title: 'Kubernetes', version: VERSION.gitVersion }, paths: {}, definitions };
}

/** What kubectl asks `/openapi/v2` for when v3 does not list a group-version (kube-apiserver serves v2 in protobuf). */
export const V2_PROTOBUF = /application\/com\.github\.proto-openapi\.spec\.v2[@.]v1\.0\+protobuf/;
export const V2_PROTOBUF_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * `/openapi/v2` as gnostic's OpenAPIv2 Document in protobuf: swagger, info, and empty paths and
 * definitions (the schemas are served in JSON and through v3). kubectl falls back to it for a kind whose
 * group-version v3 does not list, skips validating a kind v2 does not define, and then reports the
 * kind as not served, as it does against kube-apiserver.
 */
export function v2Protobuf(): Buffer {
  const field = (n: number) => (n << 3) | 2;
  const w = protobuf.Writer.create();
  w.uint32(field(1)).string('2.0');
  w.uint32(field(2)).fork().uint32(field(1)).string('Kubernetes').uint32(field(2)).string(VERSION.gitVersion).ldelim();
  w.uint32(field(8)).fork().ldelim();
  w.uint32(field(9)).fork().ldelim();
  return Buffer.from(w.finish());
}

/** A cheap content hash so clients refetch a group-version document after a CRD changes. */
function hashOf(types: ResourceType[], group: string, version: string): string {
  const text = JSON.stringify(types.filter((t) => t.group === group).map((t) => [t.resource, t.versions, t.schemas?.[version]?.raw ?? null]));
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `${apiVersionOf(group, version).replace(/[^a-z0-9]/g, '')}${h.toString(16)}`.toUpperCase();
}
