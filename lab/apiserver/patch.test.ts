import fc from 'fast-check';
import { jsonPatch, mergePatch, PatchError, strategicMerge } from './patch.js';

describe('merge patch (RFC 7386)', () => {
  test('the RFC 7386 appendix examples', () => {
    expect(mergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(mergePatch({ a: 'b' }, { b: 'c' })).toEqual({ a: 'b', b: 'c' });
    expect(mergePatch({ a: 'b' }, { a: null })).toEqual({});
    expect(mergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(mergePatch({ a: { b: 'c' } }, { a: { b: 'd', c: null } })).toEqual({ a: { b: 'd' } });
    expect(mergePatch(['a'], { a: 'b' })).toEqual({ a: 'b' });
    expect(mergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
  });

  test('property: applying a patch twice is the same as once', () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (doc, patch) => {
      const once = mergePatch(doc, patch);
      expect(mergePatch(once, patch)).toEqual(once);
    }));
  });
});

describe('JSON patch (RFC 6902)', () => {
  test('ops apply in order, a failed test fails the whole patch', () => {
    expect(jsonPatch({ a: [1, 2] }, [{ op: 'add', path: '/a/-', value: 3 }, { op: 'remove', path: '/a/0' }])).toEqual({ a: [2, 3] });
    expect(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(PatchError);
    expect(() => jsonPatch({ a: 1 }, { op: 'add' })).toThrow('json patch must be an array');
  });

  test('the input is not modified', () => {
    const doc = { a: { b: 1 } };
    jsonPatch(doc, [{ op: 'replace', path: '/a/b', value: 2 }]);
    expect(doc).toEqual({ a: { b: 1 } });
  });
});

describe('strategic merge patch', () => {
  const deploy = {
    spec: { template: { spec: { containers: [
      { name: 'a', image: 'a:1', env: [{ name: 'X', value: '1' }], ports: [{ containerPort: 80 }] },
      { name: 'b', image: 'b:1' },
    ] } } },
  };

  test('containers merge by name, env by name, container ports by containerPort', () => {
    const out = strategicMerge(deploy, { spec: { template: { spec: { containers: [{ name: 'a', image: 'a:2', env: [{ name: 'Y', value: '2' }], ports: [{ containerPort: 443 }] }] } } } });
    expect(out).toEqual({ spec: { template: { spec: { containers: [
      { name: 'a', image: 'a:2', env: [{ name: 'X', value: '1' }, { name: 'Y', value: '2' }], ports: [{ containerPort: 80 }, { containerPort: 443 }] },
      { name: 'b', image: 'b:1' },
    ] } } } });
  });

  test('$patch: delete removes a list item; $patch: replace replaces a map', () => {
    const del = strategicMerge(deploy, { spec: { template: { spec: { containers: [{ name: 'b', $patch: 'delete' }] } } } }) as typeof deploy;
    expect(del.spec.template.spec.containers.map((c) => c.name)).toEqual(['a']);
    expect(strategicMerge({ spec: { a: 1, b: 2 } }, { spec: { $patch: 'replace', c: 3 } })).toEqual({ spec: { c: 3 } });
  });

  test('Service ports merge by port, conditions by type, other lists replace', () => {
    expect(strategicMerge({ spec: { ports: [{ port: 80, name: 'http' }] } }, { spec: { ports: [{ port: 443 }] } })).toEqual({ spec: { ports: [{ port: 80, name: 'http' }, { port: 443 }] } });
    expect(strategicMerge({ status: { conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'True' }] } }, { status: { conditions: [{ type: 'B', status: 'False' }] } }))
      .toEqual({ status: { conditions: [{ type: 'A', status: 'True' }, { type: 'B', status: 'False' }] } });
    expect(strategicMerge({ spec: { externalIPs: ['192.0.2.1'] } }, { spec: { externalIPs: ['192.0.2.2'] } })).toEqual({ spec: { externalIPs: ['192.0.2.2'] } });
  });

  test('finalizers are a set; $deleteFromPrimitiveList removes; $setElementOrder is ignored', () => {
    expect(strategicMerge({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: ['b', 'a'] } })).toEqual({ metadata: { finalizers: ['a', 'b'] } });
    expect(strategicMerge({ metadata: { finalizers: ['a', 'b'] } }, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } })).toEqual({ metadata: { finalizers: ['b'] } });
    expect(strategicMerge({ spec: { ports: [{ port: 1 }] } }, { spec: { '$setElementOrder/ports': [{ port: 1 }] } })).toEqual({ spec: { ports: [{ port: 1 }] } });
  });

  test('keyed list items that are not objects are a PatchError', () => {
    expect(() => strategicMerge({ spec: { ports: [] } }, { spec: { ports: [80] } })).toThrow(PatchError);
  });

  test('property: on maps without lists it equals a merge patch', () => {
    const noLists = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.constant(null), fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), tie('v'))),
    })).v;
    fc.assert(fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), noLists), fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), noLists), (doc, patch) => {
      expect(strategicMerge(doc, patch)).toEqual(mergePatch(doc, patch));
    }));
  });
});
