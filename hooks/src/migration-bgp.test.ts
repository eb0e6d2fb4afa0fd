// SPDX-License-Identifier: Apache-2.0
import { Cluster, fixture, parseState, runHook } from '../../test/hooks/harness.js';
import { migrateBgp } from './lib/migrate-bgp.js';
import * as hook from './migration-bgp.js';

const G = 'network.deckhouse.io/v1alpha1';
const labels = { heritage: 'deckhouse', 'auto-generated-by': 'd8-migration-hook' };

describe('migration-bgp', () => {
  test('empty cluster (no ModuleConfig): nothing', async () => {
    expect((await runHook(hook, new Cluster())).output.kube).toEqual([]);
  });

  describe('v2 ModuleConfig with BGP settings', () => {
    let cluster: Cluster;
    let ops: unknown[];
    beforeAll(async () => {
      cluster = new Cluster(fixture('migration-bgp'));
      ops = (await runHook(hook, cluster)).output.kube;
    });

    test('pools keep their names and settings; the user\'s own pool of the same name is untouched', () => {
      expect(cluster.get(G, 'MetalLoadBalancerPool', 'public')).toEqual({
        apiVersion: G,
        kind: 'MetalLoadBalancerPool',
        metadata: { name: 'public', labels },
        spec: { addresses: ['203.0.113.0/26', '203.0.113.100-203.0.113.110'], autoAssign: false },
      });
      expect(cluster.get(G, 'MetalLoadBalancerPool', 'mine')?.spec).toEqual({ addresses: ['203.0.113.192/26'] });
      expect(ops).toHaveLength(4);
    });

    test('peers become peer-<i> with hold times as durations', () => {
      expect(cluster.get(G, 'MetalLoadBalancerBGPPeer', 'peer-0')?.spec).toEqual({ peerAddress: '192.0.2.1', peerASN: 64512, myASN: 64500, holdTime: '10s', routerID: '192.0.2.11' });
      expect(cluster.get(G, 'MetalLoadBalancerBGPPeer', 'peer-1')?.spec).toEqual({ peerAddress: '192.0.2.2', peerASN: 64513, myASN: 64500, peerPort: 1179, holdTime: '90s' });
    });

    test('migrated-bgp ties peers and pools, with communities mapped to values', () => {
      expect(cluster.get(G, 'MetalLoadBalancerConfiguration', 'migrated-bgp')?.spec).toEqual({
        mode: 'BGP',
        nodeSelector: { 'node-role.deckhouse.io/frontend': '' },
        bgp: { peerNames: ['peer-0', 'peer-1'] },
        advertisements: [
          { poolNames: ['public'], bgp: { communities: ['65535:65282', '64512:100'], localPref: 100, aggregationLength: 32 } },
          { poolNames: ['public'], bgp: { localPref: 50 } },
          { poolNames: ['mine'] },
        ],
      });
    });

    test('idempotent: a second run creates nothing new', async () => {
      const before = cluster.objects.size;
      const again = await runHook(hook, cluster);
      expect(again.output.kube).toEqual([]);
      expect(cluster.objects.size).toBe(before);
    });
  });

  test('version 3 or no BGP settings: nothing', async () => {
    const v3 = parseState('apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata: {name: metallb}\nspec: {version: 3, settings: {bgpPeers: [{peer-address: 192.0.2.1, peer-asn: 1, my-asn: 2}]}}');
    expect((await runHook(hook, new Cluster(v3))).output.kube).toEqual([]);
    const l2only = parseState('apiVersion: deckhouse.io/v1alpha1\nkind: ModuleConfig\nmetadata: {name: metallb}\nspec: {version: 2, settings: {addressPools: [{name: a, protocol: layer2, addresses: [192.0.2.200/30]}]}}');
    expect((await runHook(hook, new Cluster(l2only))).output.kube).toEqual([]);
  });

  test('what cannot be carried over is listed with what to do', () => {
    const { problems } = migrateBgp({
      bgpPeers: [{ 'peer-address': '192.0.2.1', 'peer-asn': 1, 'my-asn': 2, password: 'x', 'source-address': '192.0.2.11', 'node-selector': { matchLabels: { a: 'b' } }, 'hold-time': '1y' }],
      addressPools: [{ name: 'p', protocol: 'bgp', addresses: ['203.0.113.0/28'], 'bgp-advertisements': [{ communities: ['unknown'] }] }],
    });
    expect(problems).toEqual([
      'addressPools "p" bgp-advertisements[0]: community "unknown" is neither a value like 65535:65282 nor a key of bgpCommunities',
      'bgpPeers[0]: hold-time "1y" must be a duration such as 90s or 1m30s',
      'bgpPeers[0] (192.0.2.1): password is not migrated; put it in a Secret labelled network.deckhouse.io/metallb-bgp-password: "true" and reference it from MetalLoadBalancerBGPPeer "peer-0" spec.passwordSecretRef',
      'bgpPeers[0] (192.0.2.1): source-address is not migrated; set it per node in MetalLoadBalancerBGPPeer "peer-0" spec.sourceAddresses',
      'bgpPeers[0] (192.0.2.1): node-selector is not migrated; create a MetalLoadBalancerConfiguration with that nodeSelector for this peer',
    ]);
  });
});
