// SPDX-License-Identifier: Apache-2.0
import * as fs from 'node:fs';
import * as path from 'node:path';
import { yamlObjects } from '../../lab/scenario/examples.js';
import { at, Cluster, fixture, parseState, runHook } from '../../test/hooks/harness.js';
import * as hook from './discovery-bgp.js';

beforeAll(() => {
  hook.clock.now = () => new Date('2026-11-25T12:00:00Z');
});
const v = (values: unknown, k: string): unknown => at(values, `metallb.internal.${k}`);

describe('discovery-bgp', () => {
  test('empty cluster: empty lists and affinity {} (speakers on every node)', async () => {
    const r = await runHook(hook, new Cluster());
    for (const k of ['addressPools', 'bgpPeers', 'bgpAdvertisements', 'bfdProfiles', 'secretsToCopy']) expect(v(r.values, k)).toEqual([]);
    expect(v(r.values, 'speakerNodeAffinity')).toEqual({});
    expect(r.output.kube).toEqual([]);
  });

  describe('pools, peers, configurations and secrets', () => {
    let r: Awaited<ReturnType<typeof runHook>>;
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = new Cluster(fixture('bgp'));
      r = await runHook(hook, cluster);
    });

    test('pools carry autoAssign and avoidBuggyIPs', () => {
      expect(v(r.values, 'addressPools')).toEqual([{ name: 'test-pool', addresses: ['203.0.113.0/26'], autoAssign: true, avoidBuggyIPs: false }]);
    });

    test('a node-pinned peer per source address and a fallback for the other nodes, with password and BFD', () => {
      const peers = v(r.values, 'bgpPeers') as { name: string }[];
      expect(peers.filter((p) => p.name.startsWith('test-peer'))).toEqual([
        {
          name: 'test-peer-test-config',
          myASN: 64500,
          peerASN: 64512,
          peerAddress: '192.0.2.1',
          holdTime: '3s',
          passwordSecret: 'bgp-pwd-ns1-secret1-8ce9617fb4',
          bfdProfile: 'bfd-test-peer',
          gracefulRestartTime: '120s',
          nodeSelectors: [{ matchLabels: { role: 'worker' }, matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['node-1'] }] }],
        },
        {
          name: 'test-peer-test-config-node-node-1',
          myASN: 64500,
          peerASN: 64512,
          peerAddress: '192.0.2.1',
          holdTime: '3s',
          passwordSecret: 'bgp-pwd-ns1-secret1-8ce9617fb4',
          bfdProfile: 'bfd-test-peer',
          gracefulRestartTime: '120s',
          sourceAddress: '192.0.2.11',
          nodeSelectors: [{ matchLabels: { role: 'worker', 'kubernetes.io/hostname': 'node-1' } }],
        },
      ]);
    });

    test('advertisements name the generated peers and the configuration selector', () => {
      expect((v(r.values, 'bgpAdvertisements') as unknown[])[0]).toEqual({
        name: 'test-config-adv-0',
        ipAddressPools: ['test-pool'],
        peers: ['test-peer-test-config-node-node-1', 'test-peer-test-config'],
        nodeSelectors: [{ matchLabels: { role: 'worker' } }],
        localPref: 100,
      });
    });

    test('BFD profiles are rendered; the labelled Secret is copied decoded', () => {
      expect(v(r.values, 'bfdProfiles')).toEqual([{ name: 'bfd-test-peer', receiveInterval: 300, transmitInterval: 300 }]);
      expect(v(r.values, 'secretsToCopy')).toEqual([{ name: 'bgp-pwd-ns1-secret1-8ce9617fb4', namespace: 'ns1', data: { password: 's3cr3t' } }]);
    });

    test('speaker affinity: the configuration selectors and pinned nodes, OR-ed', () => {
      expect(v(r.values, 'speakerNodeAffinity')).toEqual({
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }] },
            { matchExpressions: [{ key: 'role', operator: 'In', values: ['edge'] }] },
            { matchExpressions: [{ key: 'role', operator: 'In', values: ['worker'] }] },
          ],
        },
      });
    });

    test('dangling references are skipped and reported in the configuration status, not fatal', () => {
      const adv = v(r.values, 'bgpAdvertisements') as { name: string; ipAddressPools: string[]; peers: string[] }[];
      expect(adv.find((a) => a.name === 'z-dangling-adv-0')).toMatchObject({ ipAddressPools: ['test-pool'], peers: ['bad-secret-peer-z-dangling'], communities: ['65535:65282'], aggregationLength: 32 });
      expect(adv.find((a) => a.name === 'z-dangling-adv-1')).toBeUndefined();
      const bad = (v(r.values, 'bgpPeers') as { name: string; passwordSecret?: string }[]).find((p) => p.name === 'bad-secret-peer-z-dangling');
      // Fail closed: the peer names the copy that does not exist, so the speakers keep it down instead of peering without TCP-MD5.
      expect(bad?.passwordSecret).toBe('bgp-pwd-ns1-unlabelled-f572380b4c');
      expect((v(r.values, 'secretsToCopy') as { name: string }[]).map((s) => s.name)).not.toContain('bgp-pwd-ns1-unlabelled-f572380b4c');
      const cond = (name: string) => (cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerConfiguration', name)?.status as { conditions: { status: string; message: string }[] }).conditions[0];
      expect(cond('test-config')).toMatchObject({ status: 'True' });
      expect(cond('z-dangling')?.status).toBe('False');
      expect(cond('z-dangling')?.message).toContain('MetalLoadBalancerBGPPeer "missing-peer" does not exist');
      expect(cond('z-dangling')?.message).toContain('Secret ns1/unlabelled of peer "bad-secret-peer" not found (it needs the label network.deckhouse.io/metallb-bgp-password: "true"); the peer stays down until it exists');
      expect(cond('z-dangling')?.message).toContain('MetalLoadBalancerPool "missing-pool" does not exist');
    });

    test('a re-run writes the same values and no status patches', async () => {
      const again = await runHook(hook, cluster);
      expect(again.values).toEqual(r.values);
      expect(again.output.kube).toEqual([]);
    });
  });

  test('a configuration without nodeSelector puts speakers on every node; user pools in d8-metallb count as existing; graceful restart unless a peer turns it off', async () => {
    const r = await runHook(
      hook,
      new Cluster(
        parseState(`
apiVersion: network.deckhouse.io/v1alpha1
kind: MetalLoadBalancerBGPPeer
metadata: {name: p}
spec: {peerAddress: 192.0.2.1, peerASN: 64512, myASN: 64500, gracefulRestart: {enabled: false}}
---
apiVersion: network.deckhouse.io/v1alpha1
kind: MetalLoadBalancerBGPPeer
metadata: {name: q}
spec: {peerAddress: 192.0.2.2, peerASN: 64512, myASN: 64500, gracefulRestart: {restartTime: 30s}}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: mine, namespace: d8-metallb}
spec: {addresses: ["203.0.113.64/26"]}
---
apiVersion: network.deckhouse.io/v1alpha1
kind: MetalLoadBalancerConfiguration
metadata: {name: all}
spec: {mode: BGP, bgp: {peerNames: [p, q]}, advertisements: [{poolNames: [mine]}]}
`),
      ),
    );
    expect(v(r.values, 'speakerNodeAffinity')).toEqual({});
    // Graceful restart is on unless the peer turns it off.
    expect(v(r.values, 'bgpPeers')).toEqual([
      { name: 'p-all', myASN: 64500, peerASN: 64512, peerAddress: '192.0.2.1' },
      { name: 'q-all', myASN: 64500, peerASN: 64512, peerAddress: '192.0.2.2', gracefulRestartTime: '30s' },
    ]);
    expect(v(r.values, 'bgpAdvertisements')).toEqual([{ name: 'all-adv-0', ipAddressPools: ['mine'], peers: ['p-all', 'q-all'] }]);
  });

  describe("a user's own metallb.io objects alone (the docs' Coming from MetalLB example)", () => {
    const docs = yamlObjects(fs.readFileSync(path.join(__dirname, '../../docs/EXAMPLES.md'), 'utf8')).filter((o) => o.apiVersion?.startsWith('metallb.io/'));

    test('the speakers run on every node for a BGPPeer without nodeSelectors', async () => {
      expect(docs.map((o) => o.kind).sort()).toEqual(['BGPAdvertisement', 'BGPPeer', 'IPAddressPool', 'IPAddressPool', 'L2Advertisement']);
      const r = await runHook(hook, new Cluster(docs));
      expect(v(r.values, 'nativeBgpPeers')).toEqual([{ name: 'legacy-router', netAdmin: true }]);
      expect(v(r.values, 'speakerNodeAffinity')).toEqual({});
      expect(v(r.values, 'bgpPeers')).toEqual([]);
    });

    test("MetalLB's nodeSelectors (matchLabels and matchExpressions, ORed) become the speakers' affinity, beside the module's own configurations", async () => {
      const r = await runHook(hook, new Cluster([...fixture('bgp'), ...parseState(`
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: example, namespace: d8-metallb}
spec:
  myASN: 64512
  peerASN: 64512
  peerAddress: 192.0.2.3
  peerPort: 180
  nodeSelectors:
  - matchLabels: {rack: frontend}
    matchExpressions:
    - {key: network-speed, operator: NotIn, values: [slow]}
  - matchExpressions:
    - {key: kubernetes.io/hostname, operator: In, values: [hostA, hostB]}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: rendered-by-the-module, namespace: d8-metallb, labels: {heritage: deckhouse}}
spec: {myASN: 64512, peerASN: 64512, peerAddress: 192.0.2.4}
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: {name: elsewhere, namespace: metallb-system}
spec: {myASN: 64512, peerASN: 64512, peerAddress: 192.0.2.5}
`)]));
      expect(v(r.values, 'nativeBgpPeers')).toEqual([{ name: 'example', netAdmin: false }]);
      const terms = (v(r.values, 'speakerNodeAffinity') as { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: unknown[] } }).requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
      expect(terms).toEqual(expect.arrayContaining([
        { matchExpressions: [{ key: 'rack', operator: 'In', values: ['frontend'] }, { key: 'network-speed', operator: 'NotIn', values: ['slow'] }] },
        { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['hostA', 'hostB'] }] },
        { matchExpressions: [{ key: 'role', operator: 'In', values: ['worker'] }] },
      ]));
    });
  });
});
