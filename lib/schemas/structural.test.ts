// SPDX-License-Identifier: Apache-2.0
import { structuralErrors } from './structural.js';

describe('structuralErrors', () => {
  test('a structural schema has none', () => {
    expect(
      structuralErrors({
        type: 'object',
        properties: {
          metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
          spec: { type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] }, a: { type: 'string', oneOf: [{ pattern: 'a' }, { pattern: 'b' }] } } },
          status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        },
      }),
    ).toEqual([]);
  });

  test('each rule is reported with its path', () => {
    const errs = structuralErrors({
      type: 'object',
      properties: {
        metadata: { type: 'object', properties: { labels: { type: 'object' } } },
        a: { properties: {} },
        b: { type: 'array' },
        c: { type: 'object', properties: { x: { type: 'string' } }, additionalProperties: { type: 'string' } },
        d: { type: 'string', anyOf: [{ type: 'string', default: 'x' }] },
        e: { type: 'object', properties: { x: { type: 'string' } }, oneOf: [{ properties: { y: { pattern: 'y' } } }] },
        f: { $ref: '#/x' },
        g: { 'x-kubernetes-int-or-string': true, type: 'string' },
      },
    });
    const text = errs.join('\n');
    expect(text).toContain('properties.metadata.properties.labels: Forbidden');
    expect(text).toContain('properties.a.type: Required value');
    expect(text).toContain('properties.b.items: Required value');
    expect(text).toContain('properties.c.additionalProperties: Forbidden');
    expect(text).toContain('properties.d.anyOf[0].type: Forbidden');
    expect(text).toContain('properties.d.anyOf[0].default: Forbidden');
    expect(text).toContain('properties.e.oneOf[0].properties.y: Forbidden');
    expect(text).toContain('properties.f.$ref: Forbidden');
    expect(text).toContain('properties.g.type: Forbidden');
  });
});
