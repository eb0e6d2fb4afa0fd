import fc from 'fast-check';
import { applyPatch } from 'fast-json-patch';
import { PatchableValues, pointer } from './values.js';

describe('PatchableValues', () => {
  test('set creates missing parents with add operations and later reads see the write', () => {
    const v = new PatchableValues({ metallb: {} }, 'metallb');
    v.set('metallb.internal.pools', [{ name: 'a' }]);
    expect(v.get('metallb.internal.pools')).toEqual([{ name: 'a' }]);
    expect(v.patches()).toEqual([
      { op: 'add', path: '/metallb/internal', value: {} },
      { op: 'add', path: '/metallb/internal/pools', value: [{ name: 'a' }] },
    ]);
  });

  test('remove of a missing key emits nothing; of a present key emits remove', () => {
    const v = new PatchableValues({ metallb: { internal: { a: 1 } } }, 'metallb');
    v.remove('metallb.internal.b');
    v.remove('metallb.internal.a');
    expect(v.patches()).toEqual([{ op: 'remove', path: '/metallb/internal/a' }]);
    expect(v.has('metallb.internal.a')).toBe(false);
  });

  test('writes outside the module key or to a whole top-level key are refused', () => {
    const v = new PatchableValues({}, 'metallb');
    expect(() => v.set('global.x', 1)).toThrow('outside "metallb"');
    expect(() => v.set('metallb', {})).toThrow('whole top-level key');
    expect(() => v.set('metallb..x', 1)).toThrow('bad values path');
    expect(() => v.set('metallb.x', undefined)).toThrow('use remove');
  });

  test('keys with dots and slashes go through a key list and are escaped', () => {
    const v = new PatchableValues({ metallb: {} });
    v.set(['metallb', 'a.b/c~d'], 1);
    expect(pointer(['metallb', 'a.b/c~d'])).toBe('/metallb/a.b~1c~0d');
    expect(v.patches()).toEqual([{ op: 'add', path: '/metallb/a.b~1c~0d', value: 1 }]);
  });

  test('the input document is not mutated and values are copied', () => {
    const doc = { metallb: { internal: { list: [1] } } };
    const v = new PatchableValues(doc, 'metallb');
    const list = [2];
    v.set('metallb.internal.list', list);
    list.push(3);
    expect(doc.metallb.internal.list).toEqual([1]);
    expect(v.get('metallb.internal.list')).toEqual([2]);
  });

  test('property: applying the recorded patches to the original gives the local document', () => {
    const key = fc.constantFrom('a', 'b', 'c', 'd.e', 'f/g');
    const step = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), path: fc.array(key, { minLength: 1, maxLength: 3 }), value: fc.jsonValue() }),
      fc.record({ kind: fc.constant('remove' as const), path: fc.array(key, { minLength: 1, maxLength: 3 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 12 }), (steps) => {
        const start = { metallb: { a: { b: 1 } } };
        const v = new PatchableValues(start, 'metallb');
        for (const s of steps) {
          try {
            if (s.kind === 'set') v.set(['metallb', ...s.path], s.value);
            else v.remove(['metallb', ...s.path]);
          } catch (e) {
            expect((e as Error).message).toMatch(/is not an object/);
          }
        }
        const applied = applyPatch(structuredClone(start), v.patches() as never, true, false).newDocument;
        expect(applied).toEqual(v.toJSON());
      }),
    );
  });
});
