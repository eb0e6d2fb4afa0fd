// SPDX-License-Identifier: Apache-2.0
/** The module's schemas as one source of truth: CRD and openapi YAML loaded into validators; types in types.generated.ts. */
export { compileCrd, compileCrdSchema, compileValuesSchema, SchemaCompileError } from './compile.js';
export type { CompiledCrd, SchemaResult, SchemaValidator, ValuesOptions } from './compile.js';
export { formatFieldError } from './errors.js';
export type { FieldError, FieldErrorType } from './errors.js';
export { structuralErrors } from './structural.js';
export { unsupportedRules } from './rules.js';
export { applyDefaults, prune } from './prune.js';
export { crdSchema, extendSchema, loadConfigValuesSchema, loadCrd, loadCrdFiles, loadValuesSchema, repoRoot } from './load.js';
export type { CrdFile } from './load.js';
export { convertSettings, ConversionError, latestVersion, loadConversions } from './conversions.js';
export type { Conversion, JqRunner } from './conversions.js';
export type { SchemaNode } from './schema.js';
