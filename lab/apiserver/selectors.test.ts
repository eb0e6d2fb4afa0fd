import fc from 'fast-check';
import { fieldValue, matchFields, matchLabels, parseFieldSelector, parseLabelSelector, SelectorError } from './selectors.js';
import type { KObject } from './types.js';

const labels = { app: 'web', tier: 'front', 'example.com/zone': 'a' };

describe('label selectors', () => {
  test.each([
    ['', true],
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app=web,tier=front', true],
    ['app=web,tier=back', false],
    ['tier in (front, back)', true],
    ['tier notin (front)', false],
    ['tier notin (back)', true],
    ['missing notin (x)', true],
    ['example.com/zone', true],
    ['!example.com/zone', false],
    ['!missing', true],
    ['missing', false],
    ['app in (web),!missing,tier', true],
  ])('%s matches: %s', (sel, want) => {
    expect(matchLabels(parseLabelSelector(sel), labels)).toBe(want);
  });

  test('bad selectors are SelectorErrors naming the part', () => {
    expect(() => parseLabelSelector('app=we b')).toThrow(SelectorError);
    expect(() => parseLabelSelector('-app=x')).toThrow(/invalid label key "-app"/);
    expect(() => parseLabelSelector('app in x')).toThrow(SelectorError);
  });

  test('property: any text parses or fails with a SelectorError, never anything else', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      try {
        parseLabelSelector(s);
      } catch (e) {
        expect(e).toBeInstanceOf(SelectorError);
      }
    }));
  });

  test('property: "k=v" built from valid parts matches exactly the maps with k=v', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    fc.assert(fc.property(word, word, fc.dictionary(word, word), (k, v, m) => {
      expect(matchLabels(parseLabelSelector(`${k}=${v}`), m)).toBe(m[k] === v);
      expect(matchLabels(parseLabelSelector(`${k}!=${v}`), m)).toBe(m[k] !== v);
    }));
  });
});

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
