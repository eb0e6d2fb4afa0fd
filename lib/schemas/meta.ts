// SPDX-License-Identifier: Apache-2.0
/** The shape of an openAPIV3Schema (JSONSchemaProps), checked before anything reads it. Pure. */
import type { ValidateFunction } from 'ajv';
import { ajv } from './ajv.js';
import { formatFieldError, toFieldErrors } from './errors.js';

const count = { type: 'integer', minimum: 0 };
const flag = { type: 'boolean' };

/** JSONSchemaProps as apiextensions.k8s.io/v1 declares it, as a recursive JSON Schema. */
const jsonSchemaProps = {
  $id: 'https://metallb.deckhouse.io/schemas/json-schema-props',
  type: 'object',
  properties: {
    type: { enum: ['object', 'array', 'string', 'integer', 'number', 'boolean'] },
    description: { type: 'string' },
    title: { type: 'string' },
    format: { type: 'string' },
    pattern: { type: 'string' },
    nullable: flag,
    enum: { type: 'array' },
    required: { type: 'array', items: { type: 'string' } },
    properties: { type: 'object', additionalProperties: { $ref: '#' } },
    additionalProperties: { anyOf: [flag, { $ref: '#' }] },
    items: { $ref: '#' },
    oneOf: { type: 'array', items: { $ref: '#' } },
    anyOf: { type: 'array', items: { $ref: '#' } },
    allOf: { type: 'array', items: { $ref: '#' } },
    not: { $ref: '#' },
    minimum: { type: 'number' },
    maximum: { type: 'number' },
    multipleOf: { type: 'number', exclusiveMinimum: 0 },
    exclusiveMinimum: { type: ['boolean', 'number'] },
    exclusiveMaximum: { type: ['boolean', 'number'] },
    minLength: count,
    maxLength: count,
    minItems: count,
    maxItems: count,
    minProperties: count,
    maxProperties: count,
    uniqueItems: flag,
    $ref: { type: 'string' },
    'x-kubernetes-preserve-unknown-fields': flag,
    'x-kubernetes-int-or-string': flag,
    'x-kubernetes-embedded-resource': flag,
    'x-kubernetes-list-type': { enum: ['atomic', 'set', 'map'] },
    'x-kubernetes-list-map-keys': { type: 'array', items: { type: 'string' } },
    'x-kubernetes-map-type': { enum: ['atomic', 'granular'] },
    'x-kubernetes-validations': {
      type: 'array',
      items: {
        type: 'object',
        required: ['rule'],
        properties: { rule: { type: 'string' }, message: { type: 'string' }, messageExpression: { type: 'string' }, reason: { type: 'string' }, fieldPath: { type: 'string' }, optionalOldSelf: flag },
      },
    },
  },
};

let check: ValidateFunction | undefined;

/** Shape errors of a schema, as `openAPIV3Schema.properties.x.type: ...` lines; empty when well-formed. */
export function shapeErrors(schema: unknown): string[] {
  check ??= ajv.compile(jsonSchemaProps);
  if (check(schema)) return [];
  return toFieldErrors(check.errors ?? [], schema, ['openAPIV3Schema']).map(formatFieldError);
}
