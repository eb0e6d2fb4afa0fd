// SPDX-License-Identifier: Apache-2.0
import { readFileSync } from 'node:fs';
import { generatedPath, loadTypeSources, renderTypes, typeOf } from './gen-types.js';

describe('generated types', () => {
  test('types.generated.ts is what the schemas generate, byte for byte (run `make gen-types` after changing YAML)', () => {
    expect(readFileSync(generatedPath(), 'utf8')).toBe(renderTypes(loadTypeSources()));
  });

  test('schema nodes map to TypeScript types', () => {
    expect(typeOf({ 'x-kubernetes-int-or-string': true })).toBe('number | string');
    expect(typeOf({ type: 'string', enum: ['A', 'B'] })).toBe('"A" | "B"');
    expect(typeOf({ type: 'array', items: { type: 'string', enum: ['A', 'B'] } })).toBe('("A" | "B")[]');
    expect(typeOf({ type: 'object', additionalProperties: { type: 'string' } })).toBe('Record<string, string>');
    expect(typeOf({ type: 'object', nullable: true })).toBe('Record<string, unknown> | null');
    expect(typeOf({ type: 'object', required: ['a'], properties: { a: { type: 'integer', description: 'The a.' }, 'b-c': { type: 'boolean' } } })).toBe(
      '{\n  /** The a. */\n  a: number;\n  "b-c"?: boolean;\n}',
    );
  });
});
