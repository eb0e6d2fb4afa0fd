import fc from 'fast-check';
import { Store, TooOldError } from './store.js';
import type { KObject } from './types.js';

function obj(store: Store, name: string, ns = 'default'): KObject {
  return { metadata: { name, namespace: ns, resourceVersion: String(store.nextVersion()) } };
}

describe('store', () => {
  test('every write takes a higher resourceVersion; a delete too', () => {
    const s = new Store(100);
    const a = obj(s, 'a');
    s.put('cm', a);
    const a2 = obj(s, 'a');
    s.put('cm', a2, a);
    const gone = s.remove('cm', a2);
    expect(Number(a2.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
    expect(Number(gone.metadata.resourceVersion)).toBeGreaterThan(Number(a2.metadata.resourceVersion));
    expect(s.get('cm', 'default', 'a')).toBeUndefined();
  });

  test('since() replays one kind in order, and refuses versions older than the window', () => {
    const s = new Store(4);
    const start = s.resourceVersion;
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      s.put('cm', obj(s, `c${i}`));
      s.put('svc', obj(s, `s${i}`));
      names.push(`c${i}`);
    }
    expect(() => s.since('cm', start)).toThrow(TooOldError);
    const recent = s.since('cm', s.resourceVersion - 3);
    expect(recent.map((e) => e.object.metadata.name)).toEqual(['c2']);
    expect(s.since('cm', s.resourceVersion)).toEqual([]);
  });

  test('list is per kind and namespace, sorted by namespace/name', () => {
    const s = new Store();
    for (const [ns, n] of [['b', 'x'], ['a', 'y'], ['a', 'b']] as const) s.put('cm', obj(s, n, ns));
    expect(s.list('cm').map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['a/b', 'a/y', 'b/x']);
    expect(s.list('cm', 'a')).toHaveLength(2);
    expect(s.list('other')).toEqual([]);
  });

  test('a snapshot restores objects and the version; history starts empty at that version', () => {
    const s = new Store();
    s.put('cm', obj(s, 'a'));
    const r = new Store(10, JSON.parse(JSON.stringify(s.snapshot())));
    expect(r.resourceVersion).toBe(s.resourceVersion);
    expect(r.get('cm', 'default', 'a')).toEqual(s.get('cm', 'default', 'a'));
    expect(r.since('cm', r.resourceVersion)).toEqual([]);
    expect(() => r.since('cm', r.resourceVersion - 1)).toThrow(TooOldError);
  });

  test('property: a watcher resuming from any held version sees exactly the later events', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 20 }), (ops, window) => {
      const s = new Store(window);
      const seen: number[] = [];
      s.subscribe((e) => seen.push(e.rv));
      for (const i of ops) s.put('cm', obj(s, `o${i}`));
      for (const from of [1, ...seen]) {
        try {
          expect(s.since('cm', from).map((e) => e.rv)).toEqual(seen.filter((rv) => rv > from));
        } catch (e) {
          if (!(e instanceof TooOldError)) throw e;
          // Refused only when events after `from` are really gone.
          expect(seen.filter((rv) => rv > from).length).toBeGreaterThan(window);
        }
      }
    }));
  });
});
