import * as k8s from '@kubernetes/client-node';
import { useApiServer } from '../test/helpers/apiserver.js';
import { until } from '../test/helpers/until.js';
import { backoffMs, listedInformer, stuckInformer, type ListedInformer } from './informer.js';

const api = useApiServer();
const CMS = '/api/v1/namespaces/default/configmaps';

describe('an informer that knows whether it listed', () => {
  let inf: ListedInformer<k8s.V1ConfigMap> | undefined;
  afterEach(async () => inf?.stop());

  test('a failing list leaves it unlisted and failing, retried with back-off until the list works', async () => {
    const kc = api.kubeConfig();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'kept' }, data: { a: '1' } } });
    let calls = 0;
    const errors: number[] = [];
    inf = listedInformer<k8s.V1ConfigMap>(kc, CMS, async () => {
      if (++calls <= 2) throw new Error('the API server is not there');
      return core.listNamespacedConfigMap({ namespace: 'default' });
    }, { onError: (_e, before) => errors.push(before), backoff: () => 50 });
    const listed = inf.whenListed();
    await inf.start();
    // client-node's start() has resolved with an empty cache: that is not a listed one.
    expect(inf.listed).toBe(false);
    expect(inf.failingSince).toBeDefined();
    expect(inf.list()).toEqual([]);
    await listed;
    expect(calls).toBe(3);
    expect(errors).toEqual([0, 1]);
    expect(inf.failingSince).toBeUndefined();
    // The API server publishes kube-root-ca.crt in every namespace, as a cluster does.
    expect(inf.list().map((c) => c.metadata?.name).filter((n) => n !== 'kube-root-ca.crt')).toEqual(['kept']);
    // Watching: a change shows up.
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'second' } } });
    await until('the watch delivers', () => inf?.get('second', 'default'));
  });

  test('stop() releases whoever waits for the list', async () => {
    inf = listedInformer<k8s.V1ConfigMap>(api.kubeConfig(), CMS, () => Promise.reject(new Error('down')), { backoff: () => 10_000 });
    await inf.start();
    const waiting = inf.whenListed();
    await inf.stop();
    await waiting;
    expect(inf.listed).toBe(false);
  });
});

test('stuck: failing for longer than the limit, named', () => {
  expect(stuckInformer({ a: { failingSince: undefined }, b: { failingSince: 1000 } }, 60_000, 30_000)).toBeUndefined();
  expect(stuckInformer({ a: { failingSince: undefined }, b: { failingSince: 1000 } }, 60_000, 61_000)).toBe('b: cannot list or watch for 60 s');
});

test('back-off: 1 s doubling to 30 s', () => {
  expect([0, 1, 2, 3, 4, 5, 6, 20].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
});
