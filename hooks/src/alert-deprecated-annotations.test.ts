// SPDX-License-Identifier: Apache-2.0
import { Cluster, fixture, parseState, runHook } from '../../test/hooks/harness.js';
import * as hook from './alert-deprecated-annotations.js';

const expires = [
  { group: 'D8MetallbNotSupportedServiceAnnotationsDetected', action: 'expire' },
  { group: 'd8_l2_load_balancer', action: 'expire' },
  { group: 'D8MetallbIgnoredLayer2PoolsAreUsed', action: 'expire' },
  { group: 'D8MetallbUpdateMCVersionRequired', action: 'expire' },
];

describe('alert-deprecated-annotations', () => {
  test('empty cluster: only the groups are expired', async () => {
    expect((await runHook(hook, new Cluster())).output.metrics).toEqual(expires);
  });

  test('deprecated annotations per LoadBalancer Service, orphans of the l2-load-balancer module, ignored layer2 pools, version to raise', async () => {
    const m = (await runHook(hook, new Cluster(fixture('alerts')))).output.metrics;
    expect(m).toEqual([
      expires[0],
      expires[1],
      { name: 'd8_metallb_not_supported_service_annotations_detected', action: 'set', value: 1, labels: { name: 'legacy', namespace: 'app', annotation: 'metallb.universe.tf/address-pool' }, group: expires[0]?.group },
      { name: 'd8_metallb_not_supported_service_annotations_detected', action: 'set', value: 1, labels: { name: 'legacy', namespace: 'app', annotation: 'metallb.io/loadBalancerIPs' }, group: expires[0]?.group },
      { name: 'd8_l2_load_balancer_orphan_service', action: 'set', value: 1, labels: { name: 'old-l2lb', namespace: 'app' }, group: 'd8_l2_load_balancer' },
      expires[2],
      expires[3],
      { name: 'd8_metallb_ignored_layer2_pools_are_used', action: 'set', value: 1, labels: { name: 'old-l2' }, group: expires[2]?.group },
      { name: 'd8_metallb_update_mc_version_required', action: 'set', value: 1, labels: {}, group: expires[3]?.group },
    ]);
  });

  test('a v3 ModuleConfig without legacy settings raises nothing', async () => {
    const m = (await runHook(hook, new Cluster(parseState('apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata: {name: metallb}\nspec: {version: 3, settings: {}}')))).output.metrics;
    expect(m).toEqual(expires);
  });
});

describe('alert-deprecated-annotations under Service churn', () => {
  test('Service changes run nothing; every minute the hook reads the Services and the ModuleConfig', () => {
    const services = hook.config.kubernetes?.find((b) => b.kind === 'Service');
    expect(services?.executeHookOnEvent).toEqual([]);
    expect(hook.config.schedule).toEqual([expect.objectContaining({ crontab: '* * * * *', includeSnapshotsFrom: ['services', 'module_config'] })]);
  });
});
