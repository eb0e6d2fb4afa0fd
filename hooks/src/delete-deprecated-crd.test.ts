// SPDX-License-Identifier: Apache-2.0
import { Cluster, parseState, runHook } from '../../test/hooks/harness.js';
import * as hook from './delete-deprecated-crd.js';

const crd = (name: string): string => `apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: ${name}}\nspec: {group: metallb.io}`;

describe('delete-deprecated-crd', () => {
  test('empty cluster: asks for the deletion, which is a no-op', async () => {
    const cluster = new Cluster();
    const r = await runHook(hook, cluster, { binding: 'onStartup' });
    expect(r.output.kube).toEqual([{ operation: 'Delete', apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'addresspools.metallb.io' }]);
    expect(cluster.objects.size).toBe(0);
  });

  test('deletes addresspools.metallb.io and nothing else', async () => {
    const cluster = new Cluster(parseState(`${crd('addresspools.metallb.io')}\n---\n${crd('ipaddresspools.metallb.io')}`));
    await runHook(hook, cluster, { binding: 'onStartup' });
    expect([...cluster.objects.values()].map((o) => o.metadata?.name)).toEqual(['ipaddresspools.metallb.io']);
  });
});
