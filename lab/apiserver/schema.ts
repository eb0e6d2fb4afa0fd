// SPDX-License-Identifier: Apache-2.0
/** A CRD version's openAPIV3Schema as the server applies it, through the shared schema library. Pure. */
import { compileCrdSchema, type SchemaNode } from '../../lib/schemas/index.js';
import type { StatusCause } from './status.js';
import type { KObject } from './types.js';

export type Schema = Record<string, unknown>;

export interface CompiledSchema {
  /** The schema as the CRD gave it (served by /openapi). */
  readonly raw: Schema;
  /** Prunes undeclared fields, applies defaults and validates (`old` on update, for immutability rules). */
  check(obj: KObject, old?: KObject): { object: KObject; pruned: string[]; causes: StatusCause[] };
}

/** Compiles a schema; throws (SchemaCompileError) when it is not structural or does not compile. */
export function compileSchema(raw: Schema): CompiledSchema {
  const validate = compileCrdSchema(raw as SchemaNode);
  return {
    raw,
    check(obj, old) {
      const r = validate(obj, old);
      const causes = r.errors.map((e) => ({ reason: e.type, message: e.message, field: e.path }));
      return { object: r.object as KObject, pruned: r.pruned, causes };
    },
  };
}
