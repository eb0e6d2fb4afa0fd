import { Api, type Target } from './api.js';
import { StatusError } from './status.js';
import type { KObject, WatchType } from './types.js';

function setup(window?: number): { api: Api; t: (g: string, r: string, ns?: string, name?: string) => Target } {
  let now = Date.parse('2026-01-01T00:00:00Z');
  const api = new Api({ now: () => (now += 1000), ...(window ? { window } : {}) });
  api.create({ type: api.find('', 'v1', 'namespaces') as Target['type'], version: 'v1' }, { metadata: { name: 'default' } }, {});
  const t = (g: string, r: string, ns?: string, name?: string): Target => {
    const type = api.find(g, g === '' ? 'v1' : g === 'events.k8s.io' ? 'v1' : 'v1', r);
    if (!type) throw new Error(`no ${r}`);
    const out: Target = { type, version: 'v1' };
    if (ns !== undefined) out.namespace = ns;
    if (name !== undefined) out.name = name;
    return out;
  };
  return { api, t };
}

function code(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof StatusError) return e.code;
    throw e;
  }
  return undefined;
}

describe('API semantics', () => {
  test('generation counts spec changes only; status goes through /status', () => {
    const { api, t } = setup();
    const d = api.create(t('apps', 'deployments', 'default'), { metadata: { name: 'd' }, spec: { replicas: 1 }, status: { x: 1 } }, {}).object;
    expect(d.metadata.generation).toBe(1);
    expect(d.status).toBeUndefined();
    const labelled = api.update(t('apps', 'deployments', 'default', 'd'), { ...d, metadata: { ...d.metadata, labels: { a: 'b' } } }, {}).object;
    expect(labelled.metadata.generation).toBe(1);
    const scaled = api.update(t('apps', 'deployments', 'default', 'd'), { ...labelled, spec: { replicas: 2 } }, {}).object;
    expect(scaled.metadata.generation).toBe(2);
    const st = api.update({ ...t('apps', 'deployments', 'default', 'd'), subresource: 'status' }, { ...scaled, spec: { replicas: 9 }, status: { observedGeneration: 2 } }, {}).object;
    expect(st.spec).toEqual({ replicas: 2 });
    expect(st.status).toEqual({ observedGeneration: 2 });
    expect(st.metadata.generation).toBe(2);
  });

  test('a no-op update keeps the resourceVersion; a stale one is 409; a missing object 404', () => {
    const { api, t } = setup();
    const c = api.create(t('', 'configmaps', 'default'), { metadata: { name: 'c' }, data: { a: '1' } }, {}).object;
    expect(api.update(t('', 'configmaps', 'default', 'c'), c, {}).object.metadata.resourceVersion).toBe(c.metadata.resourceVersion);
    api.update(t('', 'configmaps', 'default', 'c'), { ...c, data: { a: '2' } }, {});
    expect(code(() => api.update(t('', 'configmaps', 'default', 'c'), { ...c, data: { a: '3' } }, {}))).toBe(409);
    expect(code(() => api.get(t('', 'configmaps', 'default', 'nope')))).toBe(404);
    expect(code(() => api.create(t('', 'configmaps', 'nons'), { metadata: { name: 'x' } }, {}))).toBe(404);
    expect(code(() => api.create(t('', 'configmaps', 'default'), { metadata: { name: 'c' } }, {}))).toBe(409);
  });

  test('generateName, dry-run and name validation', () => {
    const { api, t } = setup();
    const g = api.create(t('', 'configmaps', 'default'), { metadata: { generateName: 'x-' } }, {}).object;
    expect(g.metadata.name).toMatch(/^x-[a-z0-9]{5}$/);
    api.create(t('', 'configmaps', 'default'), { metadata: { name: 'dry' } }, { dryRun: true });
    expect(code(() => api.get(t('', 'configmaps', 'default', 'dry')))).toBe(404);
    expect(code(() => api.create(t('', 'configmaps', 'default'), { metadata: { name: 'Bad_Name' } }, {}))).toBe(422);
  });

  test('finalizers hold a delete until removed; namespace delete cascades; owners collect dependents', () => {
    const { api, t } = setup();
    api.create(t('', 'namespaces'), { metadata: { name: 'n' } }, {});
    api.create(t('', 'configmaps', 'n'), { metadata: { name: 'held', finalizers: ['x/y'] } }, {});
    api.create(t('', 'configmaps', 'n'), { metadata: { name: 'free' } }, {});
    api.delete(t('', 'namespaces', undefined, 'n'), {});
    expect(api.get(t('', 'namespaces', undefined, 'n')).status).toEqual({ phase: 'Terminating' });
    expect(code(() => api.get(t('', 'configmaps', 'n', 'free')))).toBe(404);
    const held = api.get(t('', 'configmaps', 'n', 'held'));
    expect(held.metadata.deletionTimestamp).toBeDefined();
    expect(code(() => api.create(t('', 'configmaps', 'n'), { metadata: { name: 'late' } }, {}))).toBe(403);
    api.update(t('', 'configmaps', 'n', 'held'), { ...held, metadata: { ...held.metadata, finalizers: [] } }, {});
    expect(code(() => api.get(t('', 'namespaces', undefined, 'n')))).toBe(404);

    const owner = api.create(t('', 'configmaps', 'default'), { metadata: { name: 'owner' } }, {}).object;
    api.create(t('', 'secrets', 'default'), { metadata: { name: 'dep', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid ?? '' }] } }, {});
    api.delete(t('', 'configmaps', 'default', 'owner'), {});
    expect(code(() => api.get(t('', 'secrets', 'default', 'dep')))).toBe(404);
  });

  test('a watch with a selector sees objects enter (ADDED) and leave (DELETED) it', () => {
    const { api, t } = setup();
    const seen: Array<[WatchType, string]> = [];
    const stop = api.watch(t('', 'configmaps', 'default'), String(api.store.resourceVersion), { labelSelector: 'on=yes' }, (type, o) => seen.push([type, o.metadata.name ?? '']));
    const c = api.create(t('', 'configmaps', 'default'), { metadata: { name: 'c' } }, {}).object;
    const on = api.update(t('', 'configmaps', 'default', 'c'), { ...c, metadata: { ...c.metadata, labels: { on: 'yes' } } }, {}).object;
    const on2 = api.update(t('', 'configmaps', 'default', 'c'), { ...on, data: { a: '1' } }, {}).object;
    api.update(t('', 'configmaps', 'default', 'c'), { ...on2, metadata: { ...on2.metadata, labels: {} } }, {});
    stop();
    api.delete(t('', 'configmaps', 'default', 'c'), {});
    expect(seen).toEqual([['ADDED', 'c'], ['MODIFIED', 'c'], ['DELETED', 'c']]);
  });

  test('a watch from a version older than the window is 410; "0" starts with the current objects', () => {
    const { api, t } = setup(3);
    const start = String(api.store.resourceVersion);
    for (let i = 0; i < 10; i++) api.create(t('', 'configmaps', 'default'), { metadata: { name: `c${i}` } }, {});
    expect(code(() => api.watch(t('', 'configmaps', 'default'), start, {}, () => undefined))).toBe(410);
    const names: string[] = [];
    api.watch(t('', 'configmaps', 'default'), '0', {}, (_, o: KObject) => names.push(o.metadata.name ?? ''))();
    expect(names).toHaveLength(10);
  });

  test('core and events.k8s.io Events share one store', () => {
    const { api, t } = setup();
    api.create(t('events.k8s.io', 'events', 'default'), { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, regarding: { kind: 'Service', name: 'web' }, note: 'hello', reason: 'R', type: 'Normal' }, {});
    const core = api.list(t('', 'events', 'default'), { fieldSelector: 'involvedObject.name=web' }).items;
    expect(core.map((e) => [e.message, e.reason])).toEqual([['hello', 'R']]);
    expect(api.get(t('events.k8s.io', 'events', 'default', 'e')).note).toBe('hello');
  });
});
