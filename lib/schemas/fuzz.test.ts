// SPDX-License-Identifier: Apache-2.0
/** Schemas come from users (a CRD applied to the lab's API server): junk must give SchemaCompileError, never a crash. */
import fc from 'fast-check';
import { compileCrd, compileCrdSchema, SchemaCompileError } from './compile.js';
import type { SchemaNode } from './schema.js';

const keyword = fc.constantFrom('type', 'properties', 'items', 'additionalProperties', 'required', 'enum', 'default', 'pattern', 'format', 'oneOf', 'anyOf', 'allOf', 'not', 'nullable', 'minimum', 'maxLength', 'x-kubernetes-validations', 'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'description', '$ref');
const schemaLike = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.dictionary(keyword, fc.oneof(tie('node'), fc.constantFrom('object', 'string', 'array', 'integer', 'map', 'set'), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 })), { maxKeys: 5 }),
    fc.record({ type: fc.constant('object'), properties: fc.dictionary(fc.string({ maxLength: 4 }), tie('node'), { maxKeys: 3 }) }),
  ),
})).node;

describe('compiling junk schemas', () => {
  test('either compiles or throws SchemaCompileError; the validator never throws', () => {
    fc.assert(
      fc.property(schemaLike, fc.jsonValue({ maxDepth: 3 }), (schema, obj) => {
        let validate;
        try {
          validate = compileCrdSchema(schema as SchemaNode);
        } catch (e) {
          expect(e).toBeInstanceOf(SchemaCompileError);
          return;
        }
        const r = validate(obj, obj);
        expect(r.valid).toBe(r.errors.length === 0);
      }),
      { numRuns: 3000 },
    );
  });

  test('a CRD object of any shape gives a result or SchemaCompileError', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), schemaLike, (junk, schema) => {
        for (const crd of [junk, { spec: { versions: [{ name: 'v1', schema: { openAPIV3Schema: schema } }, junk] } }]) {
          try {
            compileCrd(crd);
          } catch (e) {
            expect(e).toBeInstanceOf(SchemaCompileError);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
