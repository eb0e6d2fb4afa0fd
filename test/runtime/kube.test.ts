// SPDX-License-Identifier: Apache-2.0
/** The runtime's client parts against the embedded API server: hook Kubernetes operations and binding informers. */
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import { newLogger } from '../../lib/log.js';
import { Informer, type InformerEvent } from '../../lab/runtime/informer.js';
import { Kube } from '../../lab/runtime/kube.js';
import { applyKubeOperation } from '../../lab/runtime/kube-ops.js';
import { useApiServer } from '../helpers/apiserver.js';
import { until } from '../helpers/until.js';

const api = useApiServer();
const log = newLogger('kube-test', 'silent');
let kube: Kube;

const cm = (name: string, data: Record<string, string>, ns = 'hooks', labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels }, data });
const data = async (name: string, ns = 'hooks') => (await kube.get('v1', 'ConfigMap', ns, name))?.data as Record<string, string> | undefined;

beforeAll(async () => {
  kube = new Kube(api.kubeconfigPath);
  for (const ns of ['hooks', 'other']) await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
});

describe('hook Kubernetes operations', () => {
  test('Create fails on an existing object; CreateIfNotExists does not; CreateOrUpdate replaces', async () => {
    await applyKubeOperation(kube, { operation: 'Create', object: cm('a', { v: '1' }) });
    await expect(applyKubeOperation(kube, { operation: 'Create', object: cm('a', { v: '2' }) })).rejects.toThrow(/^Create failed: .*409/);
    await applyKubeOperation(kube, { operation: 'CreateIfNotExists', object: cm('a', { v: '3' }) });
    expect(await data('a')).toEqual({ v: '1' });
    await applyKubeOperation(kube, { operation: 'CreateOrUpdate', object: cm('a', { v: '4' }) });
    expect(await data('a')).toEqual({ v: '4' });
  });

  test('MergePatch, JSONPatch and JQPatch change the object; ignoreMissingObject tolerates a missing one', async () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'hooks', name: 'a' };
    await applyKubeOperation(kube, { operation: 'MergePatch', ...ref, mergePatch: { data: { m: 'x' } } });
    await applyKubeOperation(kube, { operation: 'JSONPatch', ...ref, jsonPatch: [{ op: 'add', path: '/data/j', value: 'y' }] });
    await applyKubeOperation(kube, { operation: 'JQPatch', ...ref, jqFilter: '.data.q = (.data.m + .data.j)' });
    expect(await data('a')).toEqual({ v: '4', m: 'x', j: 'y', q: 'xy' });
    const gone = { ...ref, name: 'gone' };
    await applyKubeOperation(kube, { operation: 'MergePatch', ...gone, mergePatch: {}, ignoreMissingObject: true });
    await applyKubeOperation(kube, { operation: 'JQPatch', ...gone, jqFilter: '.', ignoreMissingObject: true });
    await expect(applyKubeOperation(kube, { operation: 'JSONPatch', ...gone, jsonPatch: [] })).rejects.toThrow(/^JSONPatch failed: .*404/);
  });

  test('MergePatch on the status subresource', async () => {
    await kube.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'hooks' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] } });
    await applyKubeOperation(kube, { operation: 'MergePatch', apiVersion: 'v1', kind: 'Service', namespace: 'hooks', name: 's', subresource: 'status', mergePatch: { status: { loadBalancer: { ingress: [{ ip: '192.0.2.200' }] } } } });
    const s = await kube.get('v1', 'Service', 'hooks', 's');
    expect((s?.status as { loadBalancer: unknown }).loadBalancer).toEqual({ ingress: [{ ip: '192.0.2.200' }] });
  });

  test('the three deletes remove the object; deleting a missing one is not an error', async () => {
    for (const [i, operation] of (['Delete', 'DeleteInBackground', 'DeleteNonCascading'] as const).entries()) {
      await kube.create(cm(`d${i}`, {}));
      await applyKubeOperation(kube, { operation, apiVersion: 'v1', kind: 'ConfigMap', namespace: 'hooks', name: `d${i}` });
      expect(await data(`d${i}`)).toBeUndefined();
      await applyKubeOperation(kube, { operation, kind: 'ConfigMap', namespace: 'hooks', name: `d${i}` });
    }
  });
});

describe('binding informer', () => {
  test('list, then watch: with a jqFilter, Modified fires only when the filter result changes', async () => {
    await kube.create(cm('w1', { a: '1', b: '1' }, 'hooks', { watch: 'yes' }));
    await kube.create(cm('w-other', { a: '1' }, 'other', { watch: 'yes' }));
    await kube.create(cm('w-unlabelled', { a: '1' }));
    const inf = new Informer(kube, { name: 'cms', kind: 'ConfigMap', jqFilter: '.data.a', keepFullObjectsInMemory: false, labelSelector: { matchLabels: { watch: 'yes' } }, namespace: { nameSelector: { matchNames: ['hooks'] } } }, log);
    const events: InformerEvent[] = [];
    inf.onEvent = (e) => events.push(e);
    try {
      await inf.start();
      expect(inf.snapshot()).toEqual([{ filterResult: '1' }]);
      await kube.patch('v1', 'ConfigMap', 'hooks', 'w1', 'merge', { data: { b: '2' } });
      await kube.patch('v1', 'ConfigMap', 'hooks', 'w1', 'merge', { data: { a: '2' } });
      await kube.create(cm('w2', { a: '9' }, 'hooks', { watch: 'yes' }));
      await kube.delete('v1', 'ConfigMap', 'hooks', 'w1');
      await until('three events', () => events.length >= 3, 10000, 20);
      await new Promise((r) => setTimeout(r, 300));
      expect(events).toEqual([
        { watchEvent: 'Modified', item: { filterResult: '2' } },
        { watchEvent: 'Added', item: { filterResult: '9' } },
        { watchEvent: 'Deleted', item: { filterResult: '2' } },
      ]);
      expect(inf.snapshot()).toEqual([{ filterResult: '9' }]);
    } finally {
      inf.stop();
    }
  });

  test('a burst of changes is filtered together, in order; an object the jqFilter fails on is left out and the rest still come', async () => {
    const inf = new Informer(kube, { name: 'burst', kind: 'ConfigMap', jqFilter: '.data.n | tonumber', keepFullObjectsInMemory: false, labelSelector: { matchLabels: { burst: 'yes' } } }, log);
    const events: InformerEvent[] = [];
    inf.onEvent = (e) => events.push(e);
    try {
      await inf.start();
      await Promise.all(Array.from({ length: 100 }, (_, i) => kube.create(cm(`b${i}`, { n: String(i) }, 'hooks', { burst: 'yes' }))));
      await kube.create(cm('b-bad', { n: 'x' }, 'hooks', { burst: 'yes' }));
      for (let v = 100; v < 110; v++) await kube.patch('v1', 'ConfigMap', 'hooks', 'b0', 'merge', { data: { n: String(v) } });
      await kube.create(cm('b-last', { n: '1000' }, 'hooks', { burst: 'yes' }));
      await until('the last one', () => events.some((e) => e.item.filterResult === 1000), 10000, 20);
      const added = events.filter((e) => e.watchEvent === 'Added').map((e) => e.item.filterResult as number);
      expect(added).toHaveLength(101); // b-bad is left out
      // b0's changes come in order (each change its own event)
      const b0 = events.map((e) => e.item.filterResult as number).filter((n) => n >= 100 && n < 1000);
      expect(b0).toEqual([...b0].sort((x, y) => x - y));
      const snap = inf.snapshot().map((i) => i.filterResult as number);
      expect([...snap].sort((x, y) => x - y)).toEqual([...Array.from({ length: 99 }, (_, i) => i + 1), 109, 1000]);
    } finally {
      inf.stop();
    }
  });

  test('without a jqFilter the full objects are kept and every change is an event', async () => {
    const inf = new Informer(kube, { name: 'one', kind: 'ConfigMap', nameSelector: { matchNames: ['solo'] }, keepFullObjectsInMemory: true }, log);
    const events: InformerEvent[] = [];
    inf.onEvent = (e) => events.push(e);
    try {
      await inf.start();
      expect(inf.snapshot()).toEqual([]);
      await kube.create(cm('solo', { x: '1' }, 'other'));
      await kube.patch('v1', 'ConfigMap', 'other', 'solo', 'merge', { metadata: { annotations: { touched: 'yes' } } });
      await until('two events', () => events.length >= 2, 10000, 20);
      expect(events.map((e) => e.watchEvent)).toEqual(['Added', 'Modified']);
      expect(inf.snapshot()[0]?.object?.metadata?.annotations).toEqual({ touched: 'yes' });
      expect(inf.snapshot()[0]?.filterResult).toBeUndefined();
    } finally {
      inf.stop();
    }
  });
});
