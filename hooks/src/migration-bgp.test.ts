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

  describe('a version 1 ModuleConfig as real clusters have it: nothing is dropped', () => {
    let cluster: Cluster;
    let r: Awaited<ReturnType<typeof runHook>>;
    beforeAll(async () => {
      cluster = new Cluster(fixture('migration-bgp-v1'));
      r = await runHook(hook, cluster);
    });
    const mlb = (kind: string, name: string) => cluster.get(G, kind, name)?.spec;
    const metallb = (v: string, kind: string, name: string) => cluster.get(`metallb.io/${v}`, kind, name, 'd8-metallb');

    test('a password becomes a labelled Secret in d8-metallb that the peer references', () => {
      const secret = cluster.get('v1', 'Secret', 'peer-3-password', 'd8-metallb') as { type: string; data: Record<string, string>; metadata: { labels: Record<string, string> } };
      expect(secret.type).toBe('kubernetes.io/basic-auth');
      expect(Buffer.from(secret.data.password ?? '', 'base64').toString()).toBe('another-password');
      expect(secret.metadata.labels).toMatchObject({ 'network.deckhouse.io/metallb-bgp-password': 'true', 'auto-generated-by': 'd8-migration-hook' });
      expect(mlb('MetalLoadBalancerBGPPeer', 'peer-3')).toEqual({ peerAddress: '192.0.2.4', peerASN: 1111, myASN: 2222, passwordSecretRef: { name: 'peer-3-password', namespace: 'd8-metallb' } });
    });

    test('a node-selector of labels gives the peer its own configuration, with the speaker selector too', () => {
      expect(mlb('MetalLoadBalancerBGPPeer', 'peer-1')).toEqual({ peerAddress: '192.0.2.2', peerASN: 1111, myASN: 2222, passwordSecretRef: { name: 'peer-1-password', namespace: 'd8-metallb' } });
      expect(mlb('MetalLoadBalancerConfiguration', 'migrated-bgp-peer-1')).toEqual({
        mode: 'BGP',
        nodeSelector: { mylabel: 'speaker', rack: 'r1', zone: 'a' },
        bgp: { peerNames: ['peer-1'] },
        advertisements: [{ poolNames: ['my-pool-bgp'], bgp: { communities: ['65535:65282'], localPref: 100, aggregationLength: 32 } }],
      });
      expect(mlb('MetalLoadBalancerConfiguration', 'migrated-bgp')).toMatchObject({ nodeSelector: { mylabel: 'speaker' }, bgp: { peerNames: ['peer-3'] } });
    });

    test('a source-address, or a selector a configuration cannot express, stays a MetalLB BGPPeer with its pools advertised to it', () => {
      expect(metallb('v1beta2', 'BGPPeer', 'peer-0')?.spec).toEqual({
        peerAddress: '192.0.2.1', peerASN: 1111, myASN: 2222, holdTime: '10s', sourceAddress: '192.0.2.12',
        nodeSelectors: [{ matchLabels: { node: 'test', mylabel: 'speaker' } }],
      });
      expect(metallb('v1beta2', 'BGPPeer', 'peer-2')?.spec).toMatchObject({ nodeSelectors: [{ matchExpressions: [{ key: 'bgp-capable', operator: 'Exists' }], matchLabels: { mylabel: 'speaker' } }] });
      expect(metallb('v1beta2', 'BGPPeer', 'peer-2')?.metadata?.labels).toEqual({ 'auto-generated-by': 'd8-migration-hook' });
      expect(metallb('v1beta1', 'BGPAdvertisement', 'peer-0-0')?.spec).toEqual({
        ipAddressPools: ['my-pool-bgp'], peers: ['peer-0'], communities: ['65535:65282'], localPref: 100, aggregationLength: 32, nodeSelectors: [{ matchLabels: { mylabel: 'speaker' } }],
      });
      expect(cluster.get(G, 'MetalLoadBalancerBGPPeer', 'peer-0')).toBeUndefined();
    });

    test('every setting that moved is a metric naming where it went', () => {
      const sets = r.output.metrics.flatMap((m) => (m.action === 'set' ? [m] : []));
      const set = sets.map((m) => `${m.labels?.setting} -> ${m.labels?.moved_to}`);
      expect(set).toEqual([
        'addressPools[0] -> MetalLoadBalancerPool my-pool-bgp',
        'bgpPeers[0] -> BGPPeer d8-metallb/peer-0 (metallb.io, keeping its source-address)',
        'bgpPeers[1].password -> Secret d8-metallb/peer-1-password',
        'bgpPeers[1] -> MetalLoadBalancerBGPPeer peer-1 in MetalLoadBalancerConfiguration migrated-bgp-peer-1',
        'bgpPeers[2] -> BGPPeer d8-metallb/peer-2 (metallb.io, keeping its node-selector)',
        'bgpPeers[3].password -> Secret d8-metallb/peer-3-password',
        'bgpPeers[3] -> MetalLoadBalancerBGPPeer peer-3 in MetalLoadBalancerConfiguration migrated-bgp',
      ]);
      expect(r.output.metrics[0]).toEqual({ group: 'D8MetallbBGPSettingsMigrated', action: 'expire' });
      expect(new Set(sets.map((m) => m.name))).toEqual(new Set(['d8_metallb_setting_migrated']));
    });

    test('every object fits its CRD and nothing is refused', () => {
      expect(migrateBgp((cluster.get('deckhouse.io/v1alpha1', 'ModuleConfig', 'metallb')?.spec as { settings: never }).settings).problems).toEqual([]);
    });
  });

  test('what MetalLB itself would refuse is listed', () => {
    const { problems } = migrateBgp({
      bgpPeers: [{ 'peer-address': '192.0.2.1', 'peer-asn': 1, 'my-asn': 2, 'hold-time': '1y' }],
      addressPools: [{ name: 'p', protocol: 'bgp', addresses: ['203.0.113.0/28'], 'bgp-advertisements': [{ communities: ['unknown'] }] }],
    });
    expect(problems).toEqual([
      'addressPools "p" bgp-advertisements[0]: community "unknown" is neither a value like 65535:65282 nor a key of bgpCommunities',
      'bgpPeers[0] (192.0.2.1): hold-time "1y" must be a duration such as 90s or 1m30s',
    ]);
  });
});
