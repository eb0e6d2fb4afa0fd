// SPDX-License-Identifier: Apache-2.0
import { Cluster, fixture, parseState, runHook } from '../../test/hooks/harness.js';
import * as hook from './alert-ignored-objects.js';

const expires = [
  { group: 'D8MetallbL2AdvertisementIgnored', action: 'expire' },
  { group: 'D8MetallbObjectOutsideModuleNamespace', action: 'expire' },
];
const MC = (version: number) => `apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata: {name: metallb}\nspec: {version: ${version}, settings: {}}`;

describe('alert-ignored-objects', () => {
  test('empty cluster: only the groups are expired', async () => {
    expect((await runHook(hook, new Cluster())).output.metrics).toEqual(expires);
  });

  test("a MetalLB installation's objects: its own L2Advertisements anywhere, and every object outside d8-metallb", async () => {
    const m = (await runHook(hook, new Cluster([...parseState(MC(3)), ...fixture('metallb-system')]))).output.metrics;
    expect(m).toEqual([
      ...expires,
      { name: 'd8_metallb_l2advertisement_ignored', action: 'set', value: 1, labels: { namespace: 'metallb-system', name: 'example' }, group: expires[0]?.group },
      { name: 'd8_metallb_l2advertisement_ignored', action: 'set', value: 1, labels: { namespace: 'd8-metallb', name: 'legacy-l2' }, group: expires[0]?.group },
      { name: 'd8_metallb_object_outside_module_namespace', action: 'set', value: 1, labels: { kind: 'IPAddressPool', namespace: 'metallb-system', name: 'first-pool' }, group: expires[1]?.group },
      { name: 'd8_metallb_object_outside_module_namespace', action: 'set', value: 1, labels: { kind: 'BGPPeer', namespace: 'metallb-system', name: 'sample' }, group: expires[1]?.group },
      { name: 'd8_metallb_object_outside_module_namespace', action: 'set', value: 1, labels: { kind: 'BGPAdvertisement', namespace: 'metallb-system', name: 'example' }, group: expires[1]?.group },
    ]);
  });

  test('nothing while a version 1 ModuleConfig migrates them (its upgrade check names what blocks); without a ModuleConfig, the same as version 3', async () => {
    expect((await runHook(hook, new Cluster([...parseState(MC(1)), ...fixture('metallb-system')]))).output.metrics).toEqual(expires);
    expect((await runHook(hook, new Cluster(fixture('metallb-system')))).output.metrics).toHaveLength(7);
  });
});
