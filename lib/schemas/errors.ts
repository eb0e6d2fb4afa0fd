// SPDX-License-Identifier: Apache-2.0
/** ajv errors rewritten in the API server's words (k8s.io/apimachinery field errors). Pure. */
import type { ErrorObject } from 'ajv';
import { fieldPath, isObject, type PathSegment } from './schema.js';

/** The field error types of k8s.io/apimachinery/pkg/util/validation/field. */
export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden';

/** One validation failure: where, what, and the full line as `kubectl` prints it (`spec.addressPool: Required value`). */
export interface FieldError {
  /** Field path, e.g. `spec.addressPool[0]`; empty for the object itself. */
  path: string;
  /** The message after the path, e.g. `Required value`. */
  message: string;
  type: FieldErrorType;
}

/** `path: message`, the form the API server and kubectl print. */
export function formatFieldError(e: FieldError): string {
  return e.path ? `${e.path}: ${e.message}` : e.message;
}

/** A value as the server quotes it in `Invalid value: ...`. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return Array.isArray(v) ? '"array"' : '"object"';
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Decodes an ajv instancePath into segments, using the data to tell array indexes from keys. */
export function segmentsOf(instancePath: string, data: unknown): { segments: PathSegment[]; value: unknown } {
  const segments: PathSegment[] = [];
  let cur = data;
  for (const raw of instancePath.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      segments.push(Number(key));
      cur = cur[Number(key)];
    } else {
      segments.push(key);
      cur = isObject(cur) ? cur[key] : undefined;
    }
  }
  return { segments, value: cur };
}

/** Converts one ajv error; `prefix` is prepended to every path (e.g. `settings`). */
export function toFieldError(e: ErrorObject, data: unknown, prefix: readonly PathSegment[] = []): FieldError {
  const { segments, value } = segmentsOf(e.instancePath, data);
  const at = [...prefix, ...segments];
  const path = fieldPath(at);
  const p = e.params as Record<string, unknown>;
  const inBody = `${path || '<root>'} in body`;
  const invalid = (text: string): FieldError => ({ path, type: 'FieldValueInvalid', message: `Invalid value: ${showValue(value)}: ${text}` });
  switch (e.keyword) {
    case 'required':
      return { path: fieldPath([...at, String(p.missingProperty)]), type: 'FieldValueRequired', message: 'Required value' };
    case 'type':
      return { path, type: 'FieldValueTypeInvalid', message: `Invalid value: "${typeName(value)}": ${inBody} must be of type ${String(p.type)}: "${typeName(value)}"` };
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]).map((a) => JSON.stringify(a)).join(', ');
      return { path, type: 'FieldValueNotSupported', message: `Unsupported value: ${showValue(value)}: supported values: ${allowed}` };
    }
    case 'pattern':
      return invalid(`${inBody} should match '${String(p.pattern)}'`);
    case 'format':
      return invalid(`${inBody} must be of type ${String(p.format)}: ${showValue(value)}`);
    case 'minimum':
      return invalid(`${inBody} should be greater than or equal to ${String(p.limit)}`);
    case 'maximum':
      return invalid(`${inBody} should be less than or equal to ${String(p.limit)}`);
    case 'exclusiveMinimum':
      return invalid(`${inBody} should be greater than ${String(p.limit)}`);
    case 'exclusiveMaximum':
      return invalid(`${inBody} should be less than ${String(p.limit)}`);
    case 'multipleOf':
      return invalid(`${inBody} should be a multiple of ${String(p.multipleOf)}`);
    case 'minLength':
      return invalid(`${inBody} should be at least ${String(p.limit)} chars long`);
    case 'maxLength':
      return { path, type: 'FieldValueTooLong', message: `Too long: may not be more than ${String(p.limit)} bytes` };
    case 'minItems':
      return invalid(`${inBody} should have at least ${String(p.limit)} items`);
    case 'maxItems':
      return { path, type: 'FieldValueTooMany', message: `Too many: ${Array.isArray(value) ? value.length : 0}: must have at most ${String(p.limit)} items` };
    case 'minProperties':
      return invalid(`${inBody} should have at least ${String(p.limit)} properties`);
    case 'maxProperties':
      return invalid(`${inBody} should have at most ${String(p.limit)} properties`);
    case 'uniqueItems': {
      const j = Number(p.j);
      return { path: fieldPath([...at, j]), type: 'FieldValueDuplicate', message: `Duplicate value: ${showValue(Array.isArray(value) ? value[j] : value)}` };
    }
    case 'additionalProperties':
      return { path: fieldPath([...at, String(p.additionalProperty)]), type: 'FieldValueForbidden', message: 'Forbidden: unknown field' };
    case 'oneOf':
      return invalid(`${inBody} must validate one and only one schema (oneOf)`);
    case 'anyOf':
      return invalid(`${inBody} must validate at least one schema (anyOf)`);
    case 'not':
      return invalid(`${inBody} must not validate the schema (not)`);
    default:
      return invalid(`${inBody} ${e.message ?? 'is invalid'}`);
  }
}

/**
 * Converts ajv's error list: branch errors of a failed oneOf/anyOf are folded into that one error
 * (an int-or-string anyOf becomes a type error), duplicates are dropped.
 */
export function toFieldErrors(errors: readonly ErrorObject[], data: unknown, prefix: readonly PathSegment[] = []): FieldError[] {
  const junctions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf').map((e) => e.schemaPath);
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (junctions.some((j) => e.schemaPath.startsWith(`${j}/`))) continue;
    let fe = toFieldError(e, data, prefix);
    if (e.keyword === 'anyOf' && isTypeOnlyAnyOf(e, errors)) {
      const { value } = segmentsOf(e.instancePath, data);
      fe = { path: fe.path, type: 'FieldValueTypeInvalid', message: `Invalid value: "${typeName(value)}": ${fe.path || '<root>'} in body must be of type integer,string: "${typeName(value)}"` };
    }
    const key = `${fe.path}|${fe.message}`;
    if (!seen.has(key)) out.push(fe);
    seen.add(key);
  }
  return out;
}

function isTypeOnlyAnyOf(e: ErrorObject, all: readonly ErrorObject[]): boolean {
  const branches = all.filter((b) => b.schemaPath.startsWith(`${e.schemaPath}/`) && b.instancePath === e.instancePath);
  return branches.length > 0 && branches.every((b) => b.keyword === 'type');
}
