// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { compileCrd, compileCrdSchema, compileValuesSchema, SchemaCompileError } from './compile.js';
import { formatFieldError } from './errors.js';
import type { SchemaNode } from './schema.js';

const pool: SchemaNode = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['addresses'],
      properties: {
        addresses: { type: 'array', minItems: 1, items: { type: 'string', oneOf: [{ pattern: '^[0-9.]+/[0-9]+$' }, { pattern: '^[0-9.]+-[0-9.]+$' }] } },
        autoAssign: { type: 'boolean', default: true },
        mode: { type: 'string', enum: ['L2'], default: 'L2', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'mode is immutable' }] },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        asn: { type: 'integer', minimum: 1, maximum: 4294967295 },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        note: { type: 'string', nullable: true },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        items: { type: 'array', items: { type: 'object', properties: { proto: { type: 'string', default: 'TCP' } } } },
        name: { type: 'string', maxLength: 5 },
      },
    },
  },
};

const lines = (r: { errors: Parameters<typeof formatFieldError>[0][] }) => r.errors.map(formatFieldError);

describe('compileCrdSchema', () => {
  const check = compileCrdSchema(pool);

  test('a missing required field is reported as the API server does', () => {
    expect(lines(check({ spec: {} }))).toEqual(['spec.addresses: Required value']);
  });

  test('a value matching no oneOf branch names the field and the value', () => {
    const r = check({ spec: { addresses: ['x'] } });
    expect(r.valid).toBe(false);
    expect(lines(r)).toEqual(['spec.addresses[0]: Invalid value: "x": spec.addresses[0] in body must validate one and only one schema (oneOf)']);
  });

  test('enum, bounds, length and minItems errors', () => {
    const r = check({ spec: { addresses: [], mode: 'L3', asn: 0, name: 'toolong' } });
    expect(lines(r)).toEqual(
      expect.arrayContaining([
        'spec.addresses: Invalid value: "array": spec.addresses in body should have at least 1 items',
        'spec.mode: Unsupported value: "L3": supported values: "L2"',
        'spec.asn: Invalid value: 0: spec.asn in body should be greater than or equal to 1',
        'spec.name: Too long: may not be more than 5 bytes',
      ]),
    );
    expect(r.errors.find((e) => e.path === 'spec.mode')?.type).toBe('FieldValueNotSupported');
  });

  test('int-or-string accepts both and names both types otherwise', () => {
    expect(check({ spec: { addresses: ['1.2.3.4/32'], port: 80 } }).valid).toBe(true);
    expect(check({ spec: { addresses: ['1.2.3.4/32'], port: 'http' } }).valid).toBe(true);
    expect(lines(check({ spec: { addresses: ['1.2.3.4/32'], port: true } }))).toEqual(['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']);
  });

  test('unknown fields are pruned and listed; apiVersion, kind, metadata and preserved subtrees stay', () => {
    const obj = { apiVersion: 'a/v1', kind: 'K', metadata: { name: 'x', labels: { a: 'b' } }, spec: { addresses: ['1.2.3.4/32'], bogus: 1, extra: { any: { thing: 1 } } }, top: 2 };
    const r = check(obj);
    expect(r.valid).toBe(true);
    expect(r.pruned.sort()).toEqual(['spec.bogus', 'top']);
    expect(r.object).toMatchObject({ apiVersion: 'a/v1', kind: 'K', metadata: { name: 'x', labels: { a: 'b' } }, spec: { extra: { any: { thing: 1 } } } });
    expect(obj.spec.bogus).toBe(1);
  });

  test('defaults fill absent fields, also inside array items, and are listed', () => {
    const r = check({ spec: { addresses: ['1.2.3.4/32'], items: [{}, { proto: 'UDP' }] } });
    expect(r.object).toMatchObject({ spec: { autoAssign: true, mode: 'L2', items: [{ proto: 'TCP' }, { proto: 'UDP' }] } });
    expect(r.defaulted).toEqual(['spec.autoAssign', 'spec.mode', 'spec.items[0].proto']);
  });

  test('null is dropped from non-nullable fields (then defaulted) and kept where nullable', () => {
    const r = check({ spec: { addresses: ['1.2.3.4/32'], autoAssign: null, note: null } });
    expect(r.valid).toBe(true);
    expect(r.object).toMatchObject({ spec: { autoAssign: true, note: null } });
  });

  test('self == oldSelf rejects a change on update only', () => {
    const obj = { spec: { addresses: ['1.2.3.4/32'], mode: 'L2' } };
    expect(check(obj).valid).toBe(true);
    expect(check(obj, { spec: { addresses: [], mode: 'L2' } }).valid).toBe(true);
    expect(lines(check(obj, { spec: { mode: 'Other' } }))).toEqual(['spec.mode: Invalid value: "string": mode is immutable']);
  });

  test('a non-structural schema is refused', () => {
    expect(() => compileCrdSchema({ type: 'object', properties: { spec: { properties: {} } } })).toThrow(SchemaCompileError);
  });

  test('any JSON input gives a result without throwing and leaves the input untouched', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const before = JSON.stringify(v);
        const r = check(v);
        expect(JSON.stringify(v)).toBe(before);
        expect(typeof r.valid).toBe('boolean');
        expect(r.valid).toBe(r.errors.length === 0);
      }),
    );
  });

  test('pruning and defaulting are idempotent', () => {
    fc.assert(
      fc.property(fc.record({ spec: fc.dictionary(fc.constantFrom('addresses', 'autoAssign', 'bogus', 'items', 'labels'), fc.jsonValue()) }), (v) => {
        const once = check(v).object;
        const twice = check(once);
        expect(twice.object).toEqual(once);
        expect(twice.pruned).toEqual([]);
        expect(twice.defaulted).toEqual([]);
      }),
    );
  });
});

describe('compileValuesSchema', () => {
  const check = compileValuesSchema({ type: 'object', properties: { a: { type: 'object', default: {}, properties: { b: { type: 'integer', default: 3 } } }, m: { type: 'object', additionalProperties: { type: 'string' } } } }, { prefix: ['settings'] });

  test('unknown keys of declared objects are errors, maps stay open', () => {
    const r = check({ a: { c: 1 }, m: { any: 'x' } });
    expect(lines(r)).toEqual(['settings.a.c: Forbidden: unknown field']);
    expect(r.pruned).toEqual([]);
  });

  test('defaults apply to nested objects created by defaults', () => {
    expect(check(undefined).object).toEqual({ a: { b: 3 } });
  });

  test('type errors carry the prefix', () => {
    expect(lines(check({ m: { k: 1 } }))).toEqual(['settings.m.k: Invalid value: "integer": settings.m.k in body must be of type string: "integer"']);
  });
});

describe('compileCrd', () => {
  test('compiles every version and names the failing one', () => {
    const crd = (schema: SchemaNode) => ({ metadata: { name: 'xs.example.org' }, spec: { group: 'example.org', scope: 'Namespaced', names: { kind: 'X', plural: 'xs' }, versions: [{ name: 'v1', schema: { openAPIV3Schema: schema } }] } });
    const c = compileCrd(crd(pool));
    expect(c).toMatchObject({ name: 'xs.example.org', kind: 'X', plural: 'xs', namespaced: true });
    expect(c.versions.v1?.({ spec: {} }).valid).toBe(false);
    expect(() => compileCrd(crd({ type: 'object', properties: { spec: {} } }))).toThrow(/version v1: openAPIV3Schema.properties.spec.type: Required value/);
  });
});

describe('closed objects and junctors', () => {
  test('oneOf branches that list some properties do not reject the others', () => {
    const check = compileValuesSchema({
      type: 'object',
      properties: { e: { type: 'object', properties: { key: { type: 'string' }, operator: { type: 'string' }, values: { type: 'array', items: { type: 'string' } } }, oneOf: [{ properties: { operator: { enum: ['Exists'] } }, not: { required: ['values'] } }, { properties: { operator: { enum: ['In'] } }, required: ['values'] }] } },
    });
    expect(check({ e: { key: 'a', operator: 'Exists' } }).valid).toBe(true);
    expect(check({ e: { key: 'a', operator: 'In', values: ['x'] } }).valid).toBe(true);
    expect(check({ e: { key: 'a', operator: 'In' } }).valid).toBe(false);
    expect(check({ e: { key: 'a', operator: 'Exists', extra: 1 } }).errors.map(formatFieldError)).toEqual(['e.extra: Forbidden: unknown field']);
  });
});

describe('list types', () => {
  const check = compileCrdSchema({
    type: 'object',
    properties: {
      ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'], items: { type: 'object', required: ['port'], properties: { port: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } } },
      tags: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
    },
  });

  test('map items are unique by their keys, after defaulting', () => {
    expect(check({ ports: [{ port: 80 }, { port: 80, protocol: 'UDP' }] }).valid).toBe(true);
    expect(check({ ports: [{ port: 80 }, { port: 80, protocol: 'TCP' }] }).errors.map(formatFieldError)).toEqual(['ports[1]: Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}']);
  });

  test('set items are unique', () => {
    expect(check({ tags: ['a', 'b', 'a'] }).errors.map(formatFieldError)).toEqual(['tags[2]: Duplicate value: "a"']);
  });

  test('a map list whose key is optional without default is not structural', () => {
    expect(() => compileCrdSchema({ type: 'object', properties: { l: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'object', properties: { k: { type: 'string' } } } } } })).toThrow(/must be required or have a default/);
  });
});

describe('validation rules', () => {
  const check = compileCrdSchema({
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          connectTime: { type: 'string', 'x-kubernetes-validations': [{ rule: 'duration(self).getSeconds() >= 1', message: 'at least 1s' }] },
          ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'port is immutable' }] } } } },
          odd: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self.lowerAscii() == self' }] },
        },
      },
    },
  });

  test('plain rules run on every write', () => {
    expect(check({ spec: { connectTime: '2s' } }).valid).toBe(true);
    expect(lines(check({ spec: { connectTime: '100ms' } }))).toEqual(['spec.connectTime: Invalid value: "string": at least 1s']);
    expect(lines(check({ spec: { connectTime: 'soon' } }))[0]).toMatch(/^spec\.connectTime: Invalid value: "string": invalid duration "soon" evaluating rule/);
  });

  test('transition rules in map lists compare the item with the same key', () => {
    const old = { spec: { ports: [{ name: 'a', port: 1 }, { name: 'b', port: 2 }] } };
    expect(check({ spec: { ports: [{ name: 'b', port: 2 }, { name: 'a', port: 1 }, { name: 'c', port: 9 }] } }, old).valid).toBe(true);
    expect(lines(check({ spec: { ports: [{ name: 'b', port: 3 }] } }, old))).toEqual(['spec.ports[0].port: Invalid value: "integer": port is immutable']);
  });

  test('rules outside the subset are skipped and listed', () => {
    expect(check({ spec: { odd: 'X' } }).valid).toBe(true);
  });
});
