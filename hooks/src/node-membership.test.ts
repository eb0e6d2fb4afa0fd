// SPDX-License-Identifier: Apache-2.0
import { Cluster, fixture, runHook } from '../../test/hooks/harness.js';
import * as hook from './node-membership.js';

const MEMBER = 'l2-load-balancer.network.deckhouse.io/member';
const labelled = (c: Cluster): string[] => c.list('Node').filter((n) => MEMBER in (n.metadata?.labels ?? {})).map((n) => n.metadata?.name as string).sort();

describe('node-membership', () => {
  test('empty cluster: nothing to do', async () => {
    expect((await runHook(hook, new Cluster())).output.kube).toEqual([]);
  });

  test('labels exactly the nodes of all classes, only patching those that change', async () => {
    const cluster = new Cluster(fixture('membership'));
    const r = await runHook(hook, cluster);
    expect(labelled(cluster)).toEqual(['n1', 'n2', 'n3']);
    expect(r.output.kube).toEqual([
      { operation: 'MergePatch', apiVersion: 'v1', kind: 'Node', name: 'n1', mergePatch: { metadata: { labels: { [MEMBER]: '' } } }, ignoreMissingObject: true },
      { operation: 'MergePatch', apiVersion: 'v1', kind: 'Node', name: 'n3', mergePatch: { metadata: { labels: { [MEMBER]: '' } } }, ignoreMissingObject: true },
      { operation: 'MergePatch', apiVersion: 'v1', kind: 'Node', name: 'stale', mergePatch: { metadata: { labels: { [MEMBER]: null } } }, ignoreMissingObject: true },
    ]);
    expect((await runHook(hook, cluster)).output.kube).toEqual([]);
  });

  test('deleting a class removes the label from the nodes only it selected', async () => {
    const cluster = new Cluster(fixture('membership'));
    await runHook(hook, cluster);
    cluster.objects.delete('network.deckhouse.io|MetalLoadBalancerClass||b');
    await runHook(hook, cluster);
    expect(labelled(cluster)).toEqual(['n1', 'n2']);
  });

  test('a class whose nodeSelector became invalid keeps its nodes labelled, as discovery keeps its last valid version', async () => {
    const cluster = new Cluster(fixture('membership'));
    const b = cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', 'b') as { metadata: Record<string, string>; spec: Record<string, unknown> };
    b.metadata.uid = 'uid-b';
    await runHook(hook, cluster);
    // what discovery kept in force for b when it was valid
    const values = { metallb: { internal: { l2loadbalancers: [{ name: 'b', uid: 'uid-b', addressPool: ['192.0.2.210/30'], nodeSelector: { lb: 'b' }, interfaces: [], isDefault: false, tolerations: [] }] } } };
    b.spec.nodeSelector = { lb: 'b!' };
    expect((await runHook(hook, cluster, { values })).output.kube).toEqual([]);
    expect(labelled(cluster)).toEqual(['n1', 'n2', 'n3']);
    // without a valid version to keep, the class is left out
    await runHook(hook, cluster);
    expect(labelled(cluster)).toEqual(['n1', 'n2']);
  });
});
