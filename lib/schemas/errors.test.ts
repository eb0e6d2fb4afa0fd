// SPDX-License-Identifier: Apache-2.0
import { formatFieldError, segmentsOf, showValue } from './errors.js';
import { fieldPath } from './schema.js';

describe('field paths', () => {
  test('indexes and keys render as the API server prints them', () => {
    expect(fieldPath(['spec', 'ports', 0, 'port'])).toBe('spec.ports[0].port');
    expect(fieldPath([])).toBe('');
  });

  test('JSON pointers decode with escapes, indexes only inside arrays', () => {
    const data = { metadata: { annotations: { 'a/b~c': 'x' } }, spec: { list: [{ '0': 'y' }] } };
    expect(segmentsOf('/metadata/annotations/a~1b~0c', data)).toEqual({ segments: ['metadata', 'annotations', 'a/b~c'], value: 'x' });
    expect(segmentsOf('/spec/list/0/0', data)).toEqual({ segments: ['spec', 'list', 0, '0'], value: 'y' });
  });

  test('values are quoted like the server does', () => {
    expect(showValue('a')).toBe('"a"');
    expect(showValue(3)).toBe('3');
    expect(showValue({})).toBe('"object"');
    expect(formatFieldError({ path: 'spec.x', message: 'Required value', type: 'FieldValueRequired' })).toBe('spec.x: Required value');
    expect(formatFieldError({ path: '', message: 'Invalid value', type: 'FieldValueInvalid' })).toBe('Invalid value');
  });
});
