import fc from 'fast-check';
import { canonicalJson as canonical } from '../../lib/canonical-json.js';
import { sameJson, sameSpec, specOf, type KObject } from './types.js';

/** The same JSON value with every object's keys in another order. */
function shuffled(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x, i) => shuffled(x, seed + i));
  if (typeof v !== 'object' || v === null) return v;
  const keys = Object.keys(v);
  const order = keys.map((k, i) => ({ k, r: (seed * 31 + i * 17) % (keys.length + 3) })).sort((a, b) => a.r - b.r);
  return Object.fromEntries(order.map(({ k }) => [k, shuffled((v as Record<string, unknown>)[k], seed + 1)]));
}

describe('sameJson', () => {
  test('agrees with comparing canonical text', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), fc.nat(), (a, b, seed) => {
      expect(sameJson(a, b)).toBe(canonical(a) === canonical(b));
      expect(sameJson(a, shuffled(a, seed))).toBe(true);
    }));
  });

  test('an object changed in one place differs', () => {
    fc.assert(fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }), fc.jsonValue(), (o, v) => {
      const k = Object.keys(o)[0] ?? '';
      const changed = { ...o, [k]: v };
      expect(sameJson(o, changed)).toBe(canonical(o) === canonical(changed));
    }));
  });

  test('undefined keys count as absent, as in JSON', () => {
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: undefined })).toBe(true);
    expect(sameJson([undefined], [null])).toBe(true);
    expect(sameJson({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(sameJson([1, 2], [2, 1])).toBe(false);
    expect(sameJson({}, [])).toBe(false);
    expect(sameJson(null, {})).toBe(false);
  });

  test('values with toJSON compare as their JSON', () => {
    expect(sameJson({ t: new Date(0) }, { t: new Date(0) })).toBe(true);
    expect(sameJson({ t: new Date(0) }, { t: new Date(1) })).toBe(false);
    expect(sameJson({ t: new Date(0) }, { t: '1970-01-01T00:00:00.000Z' })).toBe(true);
  });

  test('own keys only: "__proto__" from parsed JSON is a plain key', () => {
    const a: unknown = JSON.parse('{"__proto__": {"x": 1}}');
    expect(sameJson(a, {})).toBe(canonical(a) === canonical({}));
  });
});

describe('sameSpec', () => {
  const base: KObject = { apiVersion: 'v1', kind: 'X', metadata: { name: 'a', labels: { x: 'y' } }, spec: { n: 1 }, status: { s: 1 } };
  test('ignores identity and metadata; status only when it is not a subresource', () => {
    const relabelled: KObject = { ...base, apiVersion: 'v2', metadata: { name: 'a' } };
    expect(sameSpec(base, relabelled, true)).toBe(true);
    const restatused: KObject = { ...base, status: { s: 2 } };
    expect(sameSpec(base, restatused, true)).toBe(true);
    expect(sameSpec(base, restatused, false)).toBe(false);
    expect(sameSpec(base, { ...base, spec: { n: 2 } }, true)).toBe(false);
  });

  test('agrees with comparing specOf text', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), fc.boolean(), (x, y, apart) => {
      const a: KObject = { ...base, spec: x };
      const b: KObject = { ...base, status: y };
      expect(sameSpec(a, b, apart)).toBe(specOf(a, apart) === specOf(b, apart));
    }));
  });
});
