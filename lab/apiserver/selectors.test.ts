import fc from 'fast-check';
import { fieldValue, matchFields, parseFieldSelector, SelectorError } from './selectors.js';
import type { KObject } from './types.js';

describe('field selectors', () => {
  const svc: KObject = { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', port: 80 } };

  test('supported fields match; unsupported ones are refused', () => {
    expect(matchFields(parseFieldSelector('metadata.name=web,spec.type=LoadBalancer', ['spec.type']), svc)).toBe(true);
    expect(matchFields(parseFieldSelector('spec.type!=LoadBalancer', ['spec.type']), svc)).toBe(false);
    expect(() => parseFieldSelector('spec.clusterIP=x', ['spec.type'])).toThrow('field label not supported: spec.clusterIP');
    expect(() => parseFieldSelector('nonsense', [])).toThrow(SelectorError);
  });

  test('values: strings, numbers as text, missing as empty', () => {
    expect(fieldValue(svc, 'spec.port')).toBe('80');
    expect(fieldValue(svc, 'spec.nothing')).toBe('');
    expect(matchFields(parseFieldSelector('spec.nodeName=', ['spec.nodeName']), svc)).toBe(true);
  });

  test('property: any text parses or fails with a SelectorError', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      try {
        parseFieldSelector(s, ['spec.type']);
      } catch (e) {
        expect(e).toBeInstanceOf(SelectorError);
      }
    }));
  });
});
