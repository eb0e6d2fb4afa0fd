// SPDX-License-Identifier: Apache-2.0
/** Validators built from CRD and openapi schemas, behaving as the API server and addon-operator do. Pure. */
import type { ValidateFunction } from 'ajv';
import { ajv, toAjvSchema } from './ajv.js';
import { toFieldErrors, type FieldError } from './errors.js';
import { listErrors } from './lists.js';
import { shapeErrors } from './meta.js';
import { applyDefaults, prune } from './prune.js';
import { cloneJson, isObject, type PathSegment, type SchemaNode } from './schema.js';
import { structuralErrors } from './structural.js';
import { ruleErrors } from './rules.js';

/** What a validator returns. The input is never modified. */
export interface SchemaResult {
  valid: boolean;
  /** Field errors in the API server's words; `formatFieldError` gives `spec.addressPool: Required value`. */
  errors: FieldError[];
  /** The object after pruning and defaulting: what the server would store. */
  object: unknown;
  /** Paths of the fields dropped as undeclared (the server's "unknown field" warnings). */
  pruned: string[];
  /** Paths of the fields filled from defaults. */
  defaulted: string[];
}

/** Validates an object; `old` (on update) enables transition rules such as `self == oldSelf`. */
export type SchemaValidator = (obj: unknown, old?: unknown) => SchemaResult;

/** A schema that cannot be used: malformed, not structural, or rejected by ajv. `problems` name the schema paths. */
export class SchemaCompileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'SchemaCompileError';
  }
}

function compileAjv(schema: SchemaNode, closedObjects: boolean): ValidateFunction {
  try {
    return ajv.compile(toAjvSchema(schema, { closedObjects }));
  } catch (e) {
    throw new SchemaCompileError([(e as Error).message]);
  }
}

/**
 * Compiles a CRD version's `openAPIV3Schema` into a validator that does what the API server does
 * on create/update: prune undeclared fields (and nulls of non-nullable ones), apply defaults, then
 * validate, reporting errors such as `spec.addressPool: Required value` or
 * `spec.addressPool[0]: Invalid value: "10.0.0.0/33": ... must validate one and only one schema (oneOf)`;
 * duplicate items of `x-kubernetes-list-type` set/map lists are `Duplicate value` errors, and
 * `x-kubernetes-validations` rules run through the CEL subset of cel.ts (transition rules only with `old`).
 * `apiVersion`, `kind` and `metadata` are left to the caller.
 * Throws {@link SchemaCompileError} when the schema is malformed, not structural or does not compile.
 * @example
 *   const check = compileCrdSchema(crd.spec.versions[0].schema.openAPIV3Schema);
 *   const r = check(obj);   // { valid, errors: [{ path, message, type }], object, pruned, defaulted }
 */
export function compileCrdSchema(schema: SchemaNode): SchemaValidator {
  const shape = shapeErrors(schema);
  if (shape.length > 0) throw new SchemaCompileError(shape);
  const problems = structuralErrors(schema);
  if (problems.length > 0) throw new SchemaCompileError(problems);
  const fn = compileAjv(schema, false);
  return (obj, old) => {
    const object = cloneJson(obj);
    const pruned = prune(schema, object);
    const defaulted = applyDefaults(schema, object);
    const errors = fn(object) ? [] : toFieldErrors(fn.errors ?? [], object);
    errors.push(...listErrors(schema, object));
    errors.push(...ruleErrors(schema, object, old));
    return { valid: errors.length === 0, errors, object, pruned, defaulted };
  };
}

/** Options of {@link compileValuesSchema}. */
export interface ValuesOptions {
  /** Prepended to every error path, e.g. `['settings']` or `['metallb']`. */
  prefix?: PathSegment[];
}

/**
 * Compiles a Deckhouse openapi schema (`config-values.yaml`, `values.yaml` after x-extend) the way
 * addon-operator applies it: defaults first, then validation, with unknown keys of declared
 * objects rejected (`additionalProperties` defaults to false). Nothing is pruned.
 */
export function compileValuesSchema(schema: SchemaNode, opts: ValuesOptions = {}): SchemaValidator {
  const shape = shapeErrors(schema);
  if (shape.length > 0) throw new SchemaCompileError(shape);
  const fn = compileAjv(schema, true);
  const prefix = opts.prefix ?? [];
  return (obj) => {
    const object = obj === undefined || obj === null ? {} : cloneJson(obj);
    const defaulted = applyDefaults(schema, object);
    const errors = fn(object) ? [] : toFieldErrors(fn.errors ?? [], object, prefix);
    return { valid: errors.length === 0, errors, object, pruned: [], defaulted };
  };
}

/** The served versions of a CRD with their validators. */
export interface CompiledCrd {
  name: string;
  group: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Validator per version name. */
  versions: Record<string, SchemaValidator>;
}

/** Compiles every version of a CustomResourceDefinition object; throws {@link SchemaCompileError} naming the version. */
export function compileCrd(crd: unknown): CompiledCrd {
  const c = isObject(crd) ? crd : {};
  const meta = isObject(c.metadata) ? c.metadata : {};
  const spec = isObject(c.spec) ? c.spec : {};
  const names = isObject(spec.names) ? spec.names : {};
  const versions: Record<string, SchemaValidator> = {};
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    if (!isObject(v) || typeof v.name !== 'string') continue;
    const schema = isObject(v.schema) && isObject(v.schema.openAPIV3Schema) ? (v.schema.openAPIV3Schema as SchemaNode) : undefined;
    if (!schema) throw new SchemaCompileError([`version ${v.name}: openAPIV3Schema is required`]);
    try {
      versions[v.name] = compileCrdSchema(schema);
    } catch (e) {
      if (e instanceof SchemaCompileError) throw new SchemaCompileError(e.problems.map((p) => `version ${String(v.name)}: ${p}`));
      throw e;
    }
  }
  return {
    name: String(meta.name ?? ''),
    group: String(spec.group ?? ''),
    kind: String(names.kind ?? ''),
    plural: String(names.plural ?? ''),
    namespaced: spec.scope === 'Namespaced',
    versions,
  };
}
