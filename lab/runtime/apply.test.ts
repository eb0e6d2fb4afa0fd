import { APPLIED_HASH_ANNOTATION, decodeRecord, encodeRecord, isSubset, mark, needsUpdate, pruneList, refKey, RELEASE_NAME_ANNOTATION, sortForApply } from './apply.js';

const rel = { name: 'metallb', namespace: 'd8-metallb', module: 'metallb' };
const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'd8-metallb' }, data });

describe('apply planning', () => {
  test('mark adds ownership labels, the release annotations and a hash that follows the content', () => {
    const a = mark(cm({ k: 'v' }), rel);
    expect(a.metadata?.labels).toEqual({ heritage: 'deckhouse', module: 'metallb' });
    expect(a.metadata?.annotations?.[RELEASE_NAME_ANNOTATION]).toBe('metallb');
    const h = a.metadata?.annotations?.[APPLIED_HASH_ANNOTATION];
    expect(h).toMatch(/^[0-9a-f]{32}$/);
    expect(mark(a, rel).metadata?.annotations?.[APPLIED_HASH_ANNOTATION]).toBe(h);
    expect(mark(cm({ k: 'w' }), rel).metadata?.annotations?.[APPLIED_HASH_ANNOTATION]).not.toBe(h);
    expect(mark(cm({}), rel, false).metadata?.annotations?.[RELEASE_NAME_ANNOTATION]).toBeUndefined();
  });

  test('an object the server filled in is not rewritten; a removed field or a user edit is', () => {
    const want = mark(cm({ k: 'v' }), rel);
    const live = { ...structuredClone(want), metadata: { ...structuredClone(want.metadata), resourceVersion: '7', uid: 'u' }, status: { x: 1 } };
    expect(needsUpdate(want, live)).toBe(false);
    expect(needsUpdate(mark(cm({}), rel), live)).toBe(true);
    const edited = structuredClone(live);
    (edited as unknown as { data: Record<string, string> }).data.k = 'edited';
    expect(needsUpdate(want, edited)).toBe(true);
  });

  test('isSubset compares arrays element by element and objects by the wanted keys', () => {
    expect(isSubset({ a: [1, { b: 2 }] }, { a: [1, { b: 2, c: 3 }], d: 4 })).toBe(true);
    expect(isSubset({ a: [1] }, { a: [1, 2] })).toBe(false);
    expect(isSubset({ a: null }, { a: null })).toBe(true);
    expect(isSubset({ a: 1 }, { a: '1' })).toBe(false);
  });

  test('prune list: what was applied before and is not rendered now', () => {
    const r = (name: string, namespace?: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, ...(namespace ? { namespace } : {}) });
    expect(pruneList([r('a', 'n'), r('b', 'n'), r('c')], [r('b', 'n'), r('c')]).map(refKey)).toEqual(['v1/ConfigMap/n/a']);
  });

  test('the release record lists names per kind and reads back the same refs; the older list of refs reads too', () => {
    const refs = [
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'd8-metallb', name: 'a' },
      { apiVersion: 'internal.network.deckhouse.io/v1alpha1', kind: 'SDNInternalL2LBService', namespace: 'default', name: 'web-ingress-0' },
      { apiVersion: 'v1', kind: 'Namespace', name: 'd8-metallb' },
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'd8-metallb', name: 'b' },
    ];
    const text = encodeRecord(refs);
    expect(JSON.parse(text)).toEqual({ 'v1/ConfigMap': ['d8-metallb/a', 'd8-metallb/b'], 'internal.network.deckhouse.io/v1alpha1/SDNInternalL2LBService': ['default/web-ingress-0'], 'v1/Namespace': ['/d8-metallb'] });
    expect(decodeRecord(text).map(refKey).sort()).toEqual(refs.map(refKey).sort());
    expect(decodeRecord(JSON.stringify(refs))).toEqual(refs);
  });

  test('namespaces and CRDs go first, workloads last', () => {
    const o = (kind: string) => ({ kind, metadata: { name: kind } });
    expect(sortForApply([o('DaemonSet'), o('IPAddressPool'), o('ConfigMap'), o('Namespace'), o('CustomResourceDefinition')]).map((x) => x.kind)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'ConfigMap',
      'DaemonSet',
      'IPAddressPool',
    ]);
  });
});
