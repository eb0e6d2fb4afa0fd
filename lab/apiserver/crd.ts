// SPDX-License-Identifier: Apache-2.0
/** A CustomResourceDefinition turned into a served kind. Pure. */
import type { PrinterColumn, ResourceType } from './resources.js';
import { compileSchema, type CompiledSchema, type Schema } from './schema.js';
import type { StatusCause } from './status.js';
import { isRecord, type KObject } from './types.js';

export class CrdError extends Error {
  constructor(readonly causes: StatusCause[]) {
    super(causes.map((c) => `${c.field ?? ''}: ${c.message}`).join(', '));
    this.name = 'CrdError';
  }
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** The kind a CRD serves; throws CrdError when a schema does not compile. */
export function typeFromCrd(crd: KObject): ResourceType {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const names = isRecord(spec.names) ? spec.names : {};
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter(isRecord).filter((v) => v.served !== false);
  versions.sort((a, b) => Number(b.storage === true) - Number(a.storage === true));
  const columns: Record<string, PrinterColumn[]> = {};
  const schemas: Record<string, CompiledSchema | undefined> = {};
  let status = false;
  versions.forEach((v, i) => {
    const name = String(v.name);
    columns[name] = (Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : []).filter(isRecord).map((c) => {
      const col: PrinterColumn = { name: String(c.name), type: String(c.type ?? 'string'), jsonPath: String(c.jsonPath ?? '') };
      if (typeof c.description === 'string') col.description = c.description;
      if (typeof c.format === 'string') col.format = c.format;
      if (typeof c.priority === 'number') col.priority = c.priority;
      return col;
    });
    const sub = isRecord(v.subresources) ? v.subresources : {};
    if (isRecord(sub.status)) status = true;
    const raw = isRecord(v.schema) && isRecord(v.schema.openAPIV3Schema) ? (v.schema.openAPIV3Schema as Schema) : undefined;
    try {
      schemas[name] = raw ? compileSchema(raw) : undefined;
    } catch (e) {
      throw new CrdError([{ reason: 'FieldValueInvalid', field: `spec.versions[${i}].schema.openAPIV3Schema`, message: `Invalid value: "object": ${(e as Error).message}` }]);
    }
  });
  const kind = String(names.kind);
  return {
    group: String(spec.group),
    versions: versions.map((v) => String(v.name)),
    resource: String(names.plural),
    singular: typeof names.singular === 'string' ? names.singular : kind.toLowerCase(),
    kind,
    namespaced: spec.scope === 'Namespaced',
    shortNames: strings(names.shortNames),
    categories: strings(names.categories),
    status,
    fields: [],
    columns,
    schemas,
    crd: crd.metadata.name ?? '',
  };
}

/** The status the server keeps on a CRD it serves. */
export function crdStatus(crd: KObject, now: string): Record<string, unknown> {
  const spec = isRecord(crd.spec) ? crd.spec : {};
  const versions = (Array.isArray(spec.versions) ? spec.versions : []).filter(isRecord);
  const storage = versions.filter((v) => v.storage === true).map((v) => String(v.name));
  const old = isRecord(crd.status) ? strings(crd.status.storedVersions) : [];
  const cond = (type: string, reason: string, message: string) => ({ type, status: 'True', lastTransitionTime: now, reason, message });
  return {
    acceptedNames: spec.names ?? {},
    conditions: [cond('NamesAccepted', 'NoConflicts', 'no conflicts found'), cond('Established', 'InitialNamesAccepted', 'the initial names have been accepted')],
    storedVersions: [...new Set([...old, ...storage])],
  };
}
