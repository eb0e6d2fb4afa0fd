import { configFor } from '../../../../lib/config/model.js';
import { parseDuration } from '../../../../lib/config/peer.js';
import { problemText } from '../../../../lib/config/problem.js';
import type { BFDProfile, BGPAdvertisement, BGPPeer, BGPPeerV1beta1, Community, IPAddressPool } from '../../../../lib/schemas/types.generated.js';
import { desiredBgp as desiredFromConfig, type BgpInput as DesiredInput, type ServiceInfo } from './desired.js';

/** The objects of one reading of the cluster, as the agent hands them to the config model. */
interface BgpInput extends Omit<DesiredInput, 'config'> {
  readonly namespace: string;
  readonly peers: ReadonlyArray<BGPPeer | BGPPeerV1beta1>;
  readonly advertisements: readonly BGPAdvertisement[];
  readonly pools: readonly IPAddressPool[];
  readonly communities: readonly Community[];
  readonly bfdProfiles: readonly BFDProfile[];
  readonly secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
}

/** The config model read with no earlier version, then this node's share: every problem, the model's after the node's. */
function desiredBgp(i: BgpInput): ReturnType<typeof desiredFromConfig> {
  const config = configFor({ peers: i.peers, pools: i.pools, communities: i.communities, bgpAdvertisements: i.advertisements, bfdProfiles: i.bfdProfiles, secrets: i.secrets, namespace: i.namespace });
  const d = desiredFromConfig({ node: i.node, config, services: i.services, defaultRouterId: i.defaultRouterId });
  return { ...d, problems: [...d.problems, ...config.problems] };
}

const svc = (name: string, ips: string[], o: Partial<ServiceInfo> = {}): ServiceInfo => ({ namespace: 'prod', name, ips, local: false, readyHere: false, ...o });

function input(o: Partial<BgpInput> = {}): BgpInput {
  return {
    node: { name: 'n1', labels: { zone: 'a' } },
    namespace: 'd8-metallb',
    defaultRouterId: '192.0.2.11',
    peers: [{ apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: { name: 'tor' }, spec: { myASN: 64513, peerASN: 64512, peerAddress: '192.0.2.1', holdTime: '9s', bfdProfile: 'fast', passwordSecret: { name: 'tor-pw' } } }],
    advertisements: [{ apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: { name: 'ad' }, spec: { ipAddressPools: ['bgp'], communities: ['64512:100', 'edge', 'large:64512:1:2'], localPref: 150 } }],
    pools: [{ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'bgp' }, spec: { addresses: ['203.0.113.0/24', '2001:db8:0:2::/64'] } }, { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'other' }, spec: { addresses: ['198.51.100.0/24'] } }],
    communities: [{ apiVersion: 'metallb.io/v1beta1', kind: 'Community', metadata: { name: 'c' }, spec: { communities: [{ name: 'edge', value: '64512:200' }] } }],
    bfdProfiles: [{ apiVersion: 'metallb.io/v1beta1', kind: 'BFDProfile', metadata: { name: 'fast' }, spec: { receiveInterval: 100, transmitInterval: 150, detectMultiplier: 4 } }],
    secrets: new Map([['d8-metallb/tor-pw', { password: 's3cret' }]]),
    services: [svc('web', ['203.0.113.5', '2001:db8:0:2::5']), svc('db', ['198.51.100.7'])],
    ...o,
  };
}

describe('desired BGP state', () => {
  test('peer, BFD and routes with resolved community names', () => {
    const d = desiredBgp(input());
    expect(d.problems).toEqual([]);
    expect(d.peers).toEqual([expect.objectContaining({ name: 'tor', address: '192.0.2.1', localAs: 64513, peerAs: 64512, holdTime: 9, password: 's3cret', routerId: '192.0.2.11', families: ['ipv4', 'ipv6'] })]);
    expect(d.bfd).toEqual([{ address: '192.0.2.1', receiveIntervalMs: 100, transmitIntervalMs: 150, detectMultiplier: 4, passive: false }]);
    expect(d.routes.get('tor')).toEqual([
      { prefix: '2001:db8:0:2::5/128', communities: [0xfc000064, 0xfc0000c8], largeCommunities: [[64512, 1, 2]], localPref: 150 },
      { prefix: '203.0.113.5/32', communities: [0xfc000064, 0xfc0000c8], largeCommunities: [[64512, 1, 2]], localPref: 150 },
    ]);
  });

  test('externalTrafficPolicy Local: only with a ready endpoint on this node', () => {
    expect(desiredBgp(input({ services: [svc('web', ['203.0.113.5'], { local: true })] })).routes.get('tor')).toEqual([]);
    expect(desiredBgp(input({ services: [svc('web', ['203.0.113.5'], { local: true, readyHere: true })] })).routes.get('tor')?.length).toBe(1);
  });

  test('aggregationLength for Cluster services; Local keeps host routes', () => {
    const ads = [{ apiVersion: 'metallb.io/v1beta1' as const, kind: 'BGPAdvertisement' as const, metadata: { name: 'agg' }, spec: { aggregationLength: 24 } }];
    const d = desiredBgp(input({ advertisements: ads, services: [svc('a', ['203.0.113.5']), svc('b', ['203.0.113.9']), svc('c', ['203.0.113.77'], { local: true, readyHere: true })] }));
    expect(d.routes.get('tor')?.map((r) => r.prefix)).toEqual(['203.0.113.0/24', '203.0.113.77/32']);
  });

  test('node selectors on peers and advertisements; the exclude label withdraws everything', () => {
    const base = input();
    const peer = { apiVersion: 'metallb.io/v1beta2' as const, kind: 'BGPPeer' as const, metadata: { name: 'tor' }, spec: { myASN: 64513, peerASN: 64512, peerAddress: '192.0.2.1', nodeSelectors: [{ matchLabels: { zone: 'b' } }] } };
    expect(desiredBgp(input({ peers: [peer] })).peers).toEqual([]);
    const ad = base.advertisements[0];
    if (!ad) throw new Error('fixture');
    expect(desiredBgp(input({ advertisements: [{ ...ad, spec: { ...ad.spec, nodeSelectors: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }] } }] })).routes.get('tor')).toEqual([]);
    expect(desiredBgp(input({ node: { name: 'n1', labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } })).routes.get('tor')).toEqual([]);
  });

  test('a bad node or pool selector is a problem on its object, as in L2, and selects nothing', () => {
    const base = input();
    const ad = base.advertisements[0];
    const peer = base.peers[0];
    if (!ad || !peer) throw new Error('fixture');
    const badPeer = { ...peer, metadata: { name: 'odd' }, spec: { ...peer.spec, peerAddress: '192.0.2.9', nodeSelectors: [{ matchExpressions: [{ key: 'zone', operator: 'Near' }] }] } } as BGPPeer;
    const d = desiredBgp(input({
      peers: [peer, badPeer],
      advertisements: [
        { ...ad, metadata: { name: 'nodes' }, spec: { ...ad.spec, nodeSelectors: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: [] }] }] } },
        { ...ad, metadata: { name: 'pools' }, spec: { ipAddressPoolSelectors: [{ matchLabels: { 'bad key': 'x' } }] } },
      ],
    }));
    expect(d.peers.map((p) => p.name)).toEqual(['tor']);
    expect(d.routes.get('tor')).toEqual([]);
    expect(d.problems.map(problemText)).toEqual([
      'BGPPeer odd: nodeSelectors: "Near" is not a valid label selector operator (on "zone"; use In, NotIn, Exists or DoesNotExist)',
      'BGPAdvertisement nodes: nodeSelectors: operator In on "zone" needs at least one value',
      expect.stringMatching(/^BGPAdvertisement pools: ipAddressPoolSelectors: invalid label key "bad key"/),
    ]);
  });

  test('clear problems for bad objects; other peers still work', () => {
    const bad = [
      { apiVersion: 'metallb.io/v1beta2' as const, kind: 'BGPPeer' as const, metadata: { name: 'nosecret' }, spec: { myASN: 1, peerASN: 2, peerAddress: '192.0.2.2', passwordSecret: { name: 'missing' } } },
      { apiVersion: 'metallb.io/v1beta2' as const, kind: 'BGPPeer' as const, metadata: { name: 'emptykey' }, spec: { myASN: 1, peerASN: 2, peerAddress: '192.0.2.5', passwordSecret: { name: 'empty' } } },
      { apiVersion: 'metallb.io/v1beta1' as const, kind: 'BGPPeer' as const, metadata: { name: 'plain' }, spec: { myASN: 1, peerASN: 2, peerAddress: '192.0.2.3', password: 'x' } },
      { apiVersion: 'metallb.io/v1beta2' as const, kind: 'BGPPeer' as const, metadata: { name: 'hold' }, spec: { myASN: 1, peerASN: 2, peerAddress: '192.0.2.4', holdTime: '2s' } },
    ];
    const d = desiredBgp(input({ peers: [...input().peers, ...bad], secrets: new Map([...input().secrets, ['d8-metallb/empty', { password: '' }]]) }));
    // A plain-text password (MetalLB's v1beta1 form) still peers, with a warning that does not show it.
    expect(d.peers.map((p) => p.name)).toEqual(['tor', 'plain']);
    expect(d.peers.find((p) => p.name === 'plain')?.password).toBe('x');
    expect(d.problems.map(problemText)).toEqual([
      'BGPPeer nosecret: password Secret d8-metallb/missing is missing or its "password" key is empty; the peer stays down',
      'BGPPeer emptykey: password Secret d8-metallb/empty is missing or its "password" key is empty; the peer stays down',
      'BGPPeer plain: spec.password is kept in plain text in the object; move it to a Secret and set spec.passwordSecret',
      'BGPPeer hold: holdTime 2s must be 0 or at least 3s',
    ]);
    expect(d.problems.map(problemText).join()).not.toContain('"x"');
    expect(d.problems[0]).toEqual({ kind: 'BGPPeer', name: 'nosecret', message: 'password Secret d8-metallb/missing is missing or its "password" key is empty; the peer stays down' });
  });

  test('graceful restart: off unless enabled; restart time from the annotation, 120 s by default, a bad one reported', () => {
    const peer = (annotations: Record<string, string> | undefined, enable = true): BGPPeer => ({
      apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer',
      metadata: { name: 'tor', ...(annotations ? { annotations } : {}) },
      spec: { myASN: 64513, peerASN: 64512, peerAddress: '192.0.2.1', ...(enable ? { enableGracefulRestart: true } : {}) },
    });
    const gr = (p: BGPPeer) => desiredBgp(input({ peers: [p] }));
    expect(gr(peer(undefined, false)).peers[0]?.gracefulRestart).toBeUndefined();
    expect(gr(peer(undefined)).peers[0]?.gracefulRestart).toEqual({ restartTime: 120 });
    expect(gr(peer({ 'network.deckhouse.io/bgp-graceful-restart-time': '1m30s' })).peers[0]?.gracefulRestart).toEqual({ restartTime: 90 });
    const bad = gr(peer({ 'network.deckhouse.io/bgp-graceful-restart-time': '2h' }));
    expect(bad.peers[0]?.gracefulRestart).toEqual({ restartTime: 120 });
    expect(bad.problems.map(problemText)).toEqual(['BGPPeer tor: annotation network.deckhouse.io/bgp-graceful-restart-time: 2h is not between 1s and 4095s; using 120s']);
  });

  test('an advertisement with a bad community reports it', () => {
    const d = desiredBgp(input({ advertisements: [{ apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: { name: 'ad' }, spec: { communities: ['99999:1'] } }] }));
    expect(d.problems.map(problemText)).toEqual(['BGPAdvertisement ad: invalid community "99999:1": want "asn:value" with both parts 0..65535']);
  });

  test('durations', () => {
    expect(parseDuration('1m30s')).toBe(90);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(() => parseDuration('90')).toThrow(/invalid duration "90"/);
  });
});

describe('GTSM', () => {
  test('the annotation gives TTL 255 out and the lowest TTL accepted in; a bad value is a problem', () => {
    const peer = (value: string) => ({ apiVersion: 'metallb.io/v1beta2' as const, kind: 'BGPPeer' as const, metadata: { name: 'gtsm', annotations: { 'network.deckhouse.io/bgp-ttl-security-hops': value } }, spec: { myASN: 64513, peerASN: 64512, peerAddress: '192.0.2.1' } });
    expect(desiredBgp(input({ peers: [peer('1')] })).peers.find((p) => p.name === 'gtsm')).toMatchObject({ ttl: 255, minTtl: 255 });
    expect(desiredBgp(input({ peers: [peer('2')] })).peers.find((p) => p.name === 'gtsm')).toMatchObject({ ttl: 255, minTtl: 254 });
    const bad = desiredBgp(input({ peers: [peer('0')] }));
    expect(bad.peers.find((p) => p.name === 'gtsm')).toBeUndefined();
    expect(bad.problems.map(problemText)).toContain('BGPPeer gtsm: annotation network.deckhouse.io/bgp-ttl-security-hops "0" must be a number of hops from 1 to 254');
  });
});
