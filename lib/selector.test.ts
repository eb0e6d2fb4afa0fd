// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { EVERYTHING, matches, matchesAny, NOTHING, parseSelector, parseSelectorText, requirement, SelectorError, selectorText, unmet, type LabelSelector, type Labels } from './selector.js';

const KEYS = ['a', 'b', 'example.com/c', 'd_e.f'];
const VALUES = ['', '1', '2', 'x-y'];
const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 4 });
const valuesArb = fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 3 });
const expressionArb = fc.oneof(
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('In', 'NotIn'), values: valuesArb }),
  fc.record({ key: fc.constantFrom(...KEYS), operator: fc.constantFrom('Exists', 'DoesNotExist') }),
);
const selectorArb: fc.Arbitrary<LabelSelector> = fc.record(
  { matchLabels: fc.dictionary(fc.constantFrom(...KEYS), fc.constantFrom(...VALUES), { maxKeys: 2 }), matchExpressions: fc.array(expressionArb, { maxLength: 3 }) },
  { requiredKeys: [] },
);

/** The documented meaning of one expression (Kubernetes "Labels and Selectors", set-based requirements). */
function documented(e: { key: string; operator: string; values?: readonly string[] | undefined }, labels: Labels): boolean {
  const has = Object.keys(labels).includes(e.key);
  switch (e.operator) {
    case 'In': return has && (e.values ?? []).includes(labels[e.key] as string);
    case 'NotIn': return !has || !(e.values ?? []).includes(labels[e.key] as string);
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
  }
  throw new Error(`no documented meaning for ${e.operator}`);
}

describe('label selectors', () => {
  test('a selector matches exactly when every matchLabels pair and every expression holds', () => {
    fc.assert(fc.property(selectorArb, labelsArb, (sel, labels) => {
      const want = Object.entries(sel.matchLabels ?? {}).every(([k, v]) => Object.keys(labels).includes(k) && labels[k] === v)
        && (sel.matchExpressions ?? []).every((e) => documented(e, labels));
      expect(matches(parseSelector(sel), labels)).toBe(want);
    }));
  });

  test('unmet names the first requirement (by key) that does not hold, exactly when the selector does not match', () => {
    fc.assert(fc.property(selectorArb, labelsArb, (spec, labels) => {
      const sel = parseSelector(spec);
      const miss = unmet(sel, labels);
      expect(miss === undefined).toBe(matches(sel, labels));
      if (miss) expect(matches({ requirements: [miss] }, labels)).toBe(false);
    }));
    expect(unmet(parseSelector({ matchLabels: { b: '1', a: '1' } }), {})).toEqual({ key: 'a', operator: '=', values: ['1'] });
  });

  test('the empty selector matches every object; a null or absent one matches none', () => {
    fc.assert(fc.property(labelsArb, (labels) => {
      expect(matches(parseSelector({}), labels)).toBe(true);
      expect(matches(parseSelector({ matchLabels: {}, matchExpressions: [] }), labels)).toBe(true);
      expect(matches(parseSelector(null), labels)).toBe(false);
      expect(matches(parseSelector(undefined), labels)).toBe(false);
    }));
    expect(matches(EVERYTHING, undefined)).toBe(true);
    expect(matches(NOTHING, {})).toBe(false);
  });

  test('NotIn and DoesNotExist match objects without the label; In and Exists do not', () => {
    const none = {};
    expect(matches(parseSelector({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }), none)).toBe(true);
    expect(matches(parseSelector({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }), none)).toBe(true);
    expect(matches(parseSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }), none)).toBe(false);
    expect(matches(parseSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }), none)).toBe(false);
    // A label with the empty value exists and equals "".
    expect(matches(parseSelector({ matchLabels: { a: '' } }), { a: '' })).toBe(true);
    expect(matches(parseSelector({ matchExpressions: [{ key: 'a', operator: 'Exists' }] }), { a: '' })).toBe(true);
  });

  test('an unknown operator is an error, never a match or a non-match', () => {
    const known = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);
    fc.assert(fc.property(fc.string().filter((op) => !known.has(op)), (operator) => {
      expect(() => parseSelector({ matchExpressions: [{ key: 'a', operator, values: ['1'] }] })).toThrow(SelectorError);
    }));
    // Gt and Lt belong to node selectors only.
    expect(() => parseSelector({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toThrow(/not a valid label selector operator/);
    expect(() => parseSelector({ matchExpressions: [{ key: 'a', operator: 'in', values: ['1'] }] })).toThrow(/"in" is not a valid/);
  });

  test.each([
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '' }, false],
    [{}, { x: 'y' }, true],
  ])('%j on %j is %s', (spec, labels, want) => {
    expect(matches(parseSelector(spec), labels)).toBe(want);
  });

  test('values that do not fit the operator are errors', () => {
    expect(() => parseSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(/needs at least one value/);
    expect(() => parseSelector({ matchExpressions: [{ key: 'a', operator: 'NotIn' }] })).toThrow(/needs at least one value/);
    expect(() => parseSelector({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['1'] }] })).toThrow(/takes no values/);
    expect(() => parseSelector({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['1'] }] })).toThrow(/takes no values/);
  });

  test('keys and values must be valid label keys and values', () => {
    for (const key of ['', '-a', 'a b', 'a/b/c', 'UPPER.example.com/x', `${'x'.repeat(64)}`, '/a', 'a/']) {
      expect(() => parseSelector({ matchLabels: { [key]: 'v' } })).toThrow(SelectorError);
    }
    for (const value of ['-v', 'v-', 'a b', 'x'.repeat(64), 'a/b']) {
      expect(() => parseSelector({ matchLabels: { a: value } })).toThrow(SelectorError);
      expect(() => parseSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', value] }] })).toThrow(SelectorError);
    }
    expect(() => parseSelector({ matchLabels: { 'kubernetes.io/hostname': 'node-1', 'node.kubernetes.io/exclude-from-external-load-balancers': '', [`${'a'.repeat(63)}`]: 'b'.repeat(63) } })).not.toThrow();
  });

  test('the query-string form reads back to a selector that matches the same objects', () => {
    fc.assert(fc.property(selectorArb, labelsArb, (sel, labels) => {
      const parsed = parseSelector(sel);
      const again = parseSelectorText(selectorText(parsed));
      expect(again.requirements.map((r) => r.key)).toEqual(parsed.requirements.map((r) => r.key));
      expect(matches(again, labels)).toBe(matches(parsed, labels));
    }));
    expect(selectorText(parseSelector({ matchLabels: { b: '1' }, matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['x', 'y'] }, { key: 'c', operator: 'DoesNotExist' }] }))).toBe('a notin (x,y),b=1,!c');
    expect(() => selectorText(NOTHING)).toThrow(SelectorError);
  });

  test('the query-string form: every operator, and errors for what labels.Parse refuses', () => {
    const s = parseSelectorText('a=1, b==2, c!=3, d in (x, y), e notin (z), f, !g');
    expect(matches(s, { a: '1', b: '2', c: '4', d: 'y', e: 'w', f: '' })).toBe(true);
    expect(matches(s, { a: '1', b: '2', c: '4', d: 'y', e: 'w', f: '', g: '' })).toBe(false);
    expect(matches(parseSelectorText(''), { any: 'thing' })).toBe(true);
    // As in labels.Parse, empty parentheses are the one empty value.
    expect([matches(parseSelectorText('a in ()'), { a: '' }), matches(parseSelectorText('a in ()'), { a: '1' })]).toEqual([true, false]);
    for (const bad of [ 'a in (b', '=x', 'a=b c', 'a b', 'a/b/c=1', 'a=-x']) expect(() => parseSelectorText(bad)).toThrow(SelectorError);
  });

  test('node selector requirements compare integers with Gt and Lt; a non-integer label never matches', () => {
    const gt = { requirements: [requirement('cpu', 'Gt', ['4'])] };
    const lt = { requirements: [requirement('cpu', 'Lt', ['4'])] };
    expect([matches(gt, { cpu: '8' }), matches(gt, { cpu: '4' }), matches(gt, { cpu: 'many' }), matches(gt, {})]).toEqual([true, false, false, false]);
    expect([matches(lt, { cpu: '-1' }), matches(lt, { cpu: '4' }), matches(lt, { cpu: '3.5' })]).toEqual([true, false, false]);
    expect(() => requirement('cpu', 'Gt', ['x'])).toThrow(SelectorError);
    expect(() => requirement('cpu', 'Lt', ['1', '2'])).toThrow(SelectorError);
    expect(() => requirement('cpu', 'Near' as never, ['1'])).toThrow(/unknown operator/);
  });

  test('selector lists: none selects everything, else any one must match', () => {
    fc.assert(fc.property(fc.array(selectorArb, { maxLength: 3 }), labelsArb, (sels, labels) => {
      const parsed = sels.map((s) => parseSelector(s));
      expect(matchesAny(parsed, labels)).toBe(parsed.length === 0 || parsed.some((p) => matches(p, labels)));
    }));
  });
});

const served = { app: 'web', tier: 'front', 'example.com/zone': 'a' };

describe('label selectors in the query-string form', () => {
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
    expect(matches(parseSelectorText(sel), served)).toBe(want);
  });

  test('bad selectors are SelectorErrors naming the part', () => {
    expect(() => parseSelectorText('app=we b')).toThrow(SelectorError);
    expect(() => parseSelectorText('-app=x')).toThrow(/invalid label key "-app"/);
    expect(() => parseSelectorText('app in x')).toThrow(SelectorError);
  });

  test('property: any text parses or fails with a SelectorError, never anything else', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), (s) => {
      try {
        parseSelectorText(s);
      } catch (e) {
        expect(e).toBeInstanceOf(SelectorError);
      }
    }));
  });

  test('property: "k=v" built from valid parts matches exactly the maps with k=v', () => {
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    fc.assert(fc.property(word, word, fc.dictionary(word, word), (k, v, m) => {
      expect(matches(parseSelectorText(`${k}=${v}`), m)).toBe(m[k] === v);
      expect(matches(parseSelectorText(`${k}!=${v}`), m)).toBe(m[k] !== v);
    }));
  });
});
