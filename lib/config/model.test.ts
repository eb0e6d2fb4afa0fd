import fc from 'fast-check';
import type { BFDProfile, BGPAdvertisement, BGPPeer, Community, IPAddressPool, L2Advertisement } from '../schemas/types.generated.js';
import type { ClassSettings } from './class.js';
import { versionedClass } from './class.js';
import { configFor, ConfigMemory, type ClusterObjects, type Config } from './model.js';
import { problemText } from './problem.js';

const NS = 'd8-metallb';
const meta = (name: string, rv = '1', extra: Record<string, unknown> = {}) => ({ name, namespace: NS, uid: `uid-${name}`, resourceVersion: rv, ...extra });
const pool = (name: string, addresses: string[], rv = '1', labels: Record<string, string> = {}): IPAddressPool => ({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: meta(name, rv, { labels }), spec: { addresses } });
const peer = (name: string, spec: Partial<NonNullable<BGPPeer['spec']>> = {}, rv = '1'): BGPPeer => ({ apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: meta(name, rv), spec: { myASN: 64513, peerASN: 64512, peerAddress: '192.0.2.1', ...spec } });
const bgpAd = (name: string, spec: BGPAdvertisement['spec'] = {}): BGPAdvertisement => ({ apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: meta(name), spec });
const l2Ad = (name: string, spec: L2Advertisement['spec'] = {}): L2Advertisement => ({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: meta(name), spec });
const community = (name: string, entries: Array<[string, string]>, rv = '1'): Community => ({ apiVersion: 'metallb.io/v1beta1', kind: 'Community', metadata: meta(name, rv), spec: { communities: entries.map(([n, value]) => ({ name: n, value })) } });
const bfd = (name: string, spec: BFDProfile['spec'] = {}): BFDProfile => ({ apiVersion: 'metallb.io/v1beta1', kind: 'BFDProfile', metadata: meta(name), spec });
const cls = (name: string, o: Partial<ClassSettings> = {}, uid = `uid-${name}`) => versionedClass({ name, uid, addressPool: ['192.0.2.200-192.0.2.210'], interfaces: [], nodeSelector: {}, tolerations: [], ...o });

const texts = (c: Config): string[] => c.problems.map(problemText);

describe('config model: one object at a time', () => {
  test.each<[string, ClusterObjects, string[]]>([
    ['a pool with a backwards range', { pools: [pool('p', ['192.0.2.9-192.0.2.1'])] }, ['IPAddressPool p: pool "p": invalid IP "192.0.2.9-192.0.2.1": range starts after it ends']],
    ['a pool with no addresses', { pools: [pool('p', [])] }, ['IPAddressPool p: pool "p": has no addresses']],
    ['a pool with a bad service selector', { pools: [{ ...pool('p', ['192.0.2.0/28']), spec: { addresses: ['192.0.2.0/28'], serviceAllocation: { serviceSelectors: [{ matchLabels: { 'bad key': 'x' } }] } } }] }, [expect.stringMatching(/^IPAddressPool p: pool "p": serviceAllocation: invalid label key "bad key"/) as unknown as string]],
    ['a peer with a hold time under 3 s', { peers: [peer('tor', { holdTime: '2s' })] }, ['BGPPeer tor: holdTime 2s must be 0 or at least 3s']],
    ['a peer with a keepalive over its hold time', { peers: [peer('tor', { holdTime: '9s', keepaliveTime: '10s' })] }, ['BGPPeer tor: keepaliveTime 10s exceeds holdTime']],
    ['a peer with no peer AS', { peers: [peer('tor', { peerASN: 0 })] }, ['BGPPeer tor: peerASN is required']],
    ['a peer with a bad node selector', { peers: [peer('tor', { nodeSelectors: [{ matchExpressions: [{ key: 'zone', operator: 'Near' }] }] })] }, ['BGPPeer tor: nodeSelectors: "Near" is not a valid label selector operator (on "zone"; use In, NotIn, Exists or DoesNotExist)']],
    ['a Community with a value out of range', { communities: [community('names', [['edge', '64512:300000']])] }, ['Community names: invalid community "64512:300000": want "asn:value" with both parts 0..65535']],
    ['a BGPAdvertisement naming no known community', { bgpAdvertisements: [bgpAd('ad', { communities: ['edge'] })] }, ['BGPAdvertisement ad: invalid community "edge": want "asn:value" with both parts 0..65535']],
    ['a BGPAdvertisement with a bad pool selector', { bgpAdvertisements: [bgpAd('ad', { ipAddressPoolSelectors: [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }] })] }, ['BGPAdvertisement ad: ipAddressPoolSelectors: operator In on "a" needs at least one value']],
    ['an L2Advertisement with two problems names both', { l2Advertisements: [l2Ad('c', { nodeSelectors: [{ matchLabels: { zone: 'yes please' } }], interfaces: ['eth 0'] })] }, [expect.stringMatching(/^L2Advertisement c: L2Advertisement "c": nodeSelectors\[0\]: invalid label value "yes please".*; interfaces: "eth 0" is not an interface name$/) as unknown as string]],
    ['a class with a bad pool and node selector', { classes: [cls('ingress', { addressPool: ['192.0.2.250-192.0.2.200'], nodeSelector: { role: 'yes please' } })] }, [expect.stringMatching(/^MetalLoadBalancerClass ingress: MetalLoadBalancerClass "ingress": addressPool: invalid IP .*; nodeSelector: invalid label value "yes please"/) as unknown as string]],
    ['a class tolerating an empty key with Equal', { classes: [cls('c', { tolerations: [{ operator: 'Equal', value: 'x' }] })] }, ['MetalLoadBalancerClass c: MetalLoadBalancerClass "c": tolerations[0]: operator must be Exists when key is empty']],
  ])('%s is a problem naming the object and field, and is left out', (_, objects, want) => {
    const c = configFor(objects);
    expect(texts(c)).toEqual(want);
    expect([...c.pools, ...c.peers, ...c.bgpAdvertisements, ...c.l2Advertisements, ...c.classes]).toEqual([]);
    expect(c.stale.map((s) => [s.kind, s.inForce])).toEqual([[c.problems[0]?.kind, undefined]]);
  });

  test('valid objects with their defaults and parsed fields', () => {
    const c = configFor({
      pools: [pool('bgp', ['203.0.113.0/24'], '1', { app: 'x' }), pool('l2', ['192.0.2.0/28'], '1', { heritage: 'deckhouse' })],
      peers: [peer('tor', { holdTime: '9s', bfdProfile: 'fast', passwordSecret: { name: 'pw' } })],
      communities: [community('names', [['edge', '64512:200']])],
      bgpAdvertisements: [bgpAd('ad', { communities: ['edge', 'no-export', '64512:1:2'], aggregationLength: 24 })],
      l2Advertisements: [l2Ad('c', { interfaces: ['eth0'] })],
      bfdProfiles: [bfd('fast', { receiveInterval: 100 })],
      secrets: new Map([[`${NS}/pw`, { password: 's3cret' }]]),
      namespace: NS,
      classes: [cls('ingress')],
    });
    expect(c.problems).toEqual([]);
    expect(c.pools.map((p) => [p.name, p.autoAssign, p.avoidBuggyIPs, p.scope, p.labels])).toEqual([['bgp', true, false, { l2: false, bgp: true }, { app: 'x' }], ['l2', true, false, { l2: true, bgp: false }, { heritage: 'deckhouse' }]]);
    expect(c.peers).toEqual([expect.objectContaining({ password: 's3cret', down: undefined, problems: [], bfd: { receiveIntervalMs: 100, transmitIntervalMs: 300, detectMultiplier: 3, passive: false, echoMode: false } })]);
    expect(c.peers[0]?.peer).toMatchObject({ name: 'tor', holdTime: 9, port: 179, connectTimeMs: 10_000, families: ['ipv4', 'ipv6'], routerId: undefined });
    expect(c.communities).toEqual(new Map([['edge', '64512:200']]));
    expect(c.bgpAdvertisements[0]).toMatchObject({ name: 'ad', communities: [0xfc0000c8, 0xffffff01], largeCommunities: [[64512, 1, 2]], aggregationLength: 24, poolNames: [] });
    expect(c.l2Advertisements).toEqual([{ name: 'c', nodeSelectors: [], interfaces: ['eth0'] }]);
    expect(c.classes.map((x) => x.name)).toEqual(['ingress']);
  });

  test('references are looked up afresh: a missing Secret keeps the peer down, a missing BFD profile or a plain password is a caveat', () => {
    const c = configFor({ peers: [peer('a', { passwordSecret: { name: 'gone' } }), peer('b', { bfdProfile: 'nope' }), { ...peer('c'), apiVersion: 'metallb.io/v1beta1', spec: { myASN: 1, peerASN: 2, peerAddress: '192.0.2.3', password: 'x' } }], namespace: NS });
    expect(c.problems).toEqual([]);
    expect(c.peers.map((p) => [p.peer.name, p.down, p.problems.map(problemText)])).toEqual([
      ['a', `password Secret ${NS}/gone is missing or its "password" key is empty; the peer stays down`, []],
      ['b', undefined, ['BGPPeer b: BFDProfile nope not found; the session runs without BFD']],
      ['c', undefined, ['BGPPeer c: spec.password is kept in plain text in the object; move it to a Secret and set spec.passwordSecret']],
    ]);
    expect(c.peers[2]?.password).toBe('x');
  });
});

describe('config model: the last good version', () => {
  test('a broken edit keeps the version before it in force, per kind; a fix takes over', () => {
    const memory = new ConfigMemory();
    configFor({ pools: [pool('p', ['192.0.2.0/28'])], peers: [peer('tor')], communities: [community('n', [['edge', '64512:1']])], bgpAdvertisements: [bgpAd('ad', { communities: ['edge'] })] }, memory);
    const broken = configFor({ pools: [pool('p', ['nope'], '2')], peers: [peer('tor', { holdTime: '1s' }, '2')], communities: [community('n', [['edge', '64512:99999']], '2')], bgpAdvertisements: [bgpAd('ad', { communities: ['edge'] })] }, memory);
    expect(broken.pools.map((p) => p.ranges.length)).toEqual([1]);
    expect(broken.peers.map((p) => p.peer.holdTime)).toEqual([90]);
    // The community name still means what the Community in force says.
    expect(broken.bgpAdvertisements[0]?.communities).toEqual([0xfc000001]);
    expect(broken.stale.map((s) => [s.kind, s.inForce?.metadata?.resourceVersion])).toEqual([['BGPPeer', '1'], ['IPAddressPool', '1'], ['Community', '1']]);
    const fixed = configFor({ pools: [pool('p', ['192.0.2.0/27'], '3')], peers: [peer('tor', {}, '3')], communities: [community('n', [['edge', '64512:2']], '3')], bgpAdvertisements: [bgpAd('ad', { communities: ['edge'] })] }, memory);
    expect(fixed.stale).toEqual([]);
    expect(fixed.bgpAdvertisements[0]?.communities).toEqual([0xfc000002]);
  });

  test('a kind left out of a reading is not forgotten; a deleted object is', () => {
    const memory = new ConfigMemory();
    configFor({ pools: [pool('p', ['192.0.2.0/28'])] }, memory);
    configFor({ l2Advertisements: [] }, memory);
    expect(configFor({ pools: [pool('p', ['x'], '2')] }, memory).pools).toHaveLength(1);
    configFor({ pools: [] }, memory);
    expect(configFor({ pools: [pool('p', ['x'], '3')] }, memory).pools).toEqual([]);
  });

  test('classes kept outside the process (the hooks\' values) stay in force', () => {
    const kept = [{ object: cls('c'), value: cls('c').info }];
    const c = configFor({ classes: [cls('c', { addressPool: ['bad'] })] }, new ConfigMemory(kept));
    expect(c.classes.map((x) => x.addressPool)).toEqual([['192.0.2.200-192.0.2.210']]);
    expect(c.stale[0]).toMatchObject({ kind: 'MetalLoadBalancerClass', inForce: { metadata: { name: 'c' } } });
  });
});

describe('config model: properties', () => {
  // Pools drawn from a small space of good (disjoint) and bad entries, with distinct names; an entry twice would overlap itself.
  const entry = fc.oneof(fc.constantFrom('192.0.2.0/28', '198.51.100.0/24', '2001:db8::/120', '203.0.113.1-203.0.113.9'), fc.constantFrom('nope', '192.0.2.9-192.0.2.1', '192.0.2.0/33'));
  const pools = fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z]{1,6}$/), addresses: fc.uniqueArray(entry, { maxLength: 3 }) }), { selector: (p) => p.name, maxLength: 8 }).map((ps) => ps.map((p) => pool(p.name, p.addresses)));
  const byName = (c: Config) => ({ pools: c.pools.map((p) => JSON.stringify(p, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort(), problems: texts(c).sort() });

  test('reading is deterministic and does not depend on the order of the objects', () => {
    fc.assert(fc.property(pools.chain((ps) => fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length }))), ([ps, shuffled]) => {
      expect(byName(configFor({ pools: shuffled }))).toEqual(byName(configFor({ pools: ps })));
      expect(byName(configFor({ pools: ps }))).toEqual(byName(configFor({ pools: ps })));
    }));
  });

  test('one bad object never hides a good one: every object is either in force or named in a problem', () => {
    fc.assert(fc.property(pools, (ps) => {
      const c = configFor({ pools: ps });
      const good = ps.filter((p) => p.spec.addresses.length > 0 && p.spec.addresses.every((a) => !['nope', '192.0.2.9-192.0.2.1', '192.0.2.0/33'].includes(a)));
      expect(c.pools.map((p) => p.name)).toEqual(good.map((p) => p.metadata.name));
      expect(c.problems.map((p) => p.name).sort()).toEqual(ps.filter((p) => !good.includes(p)).map((p) => p.metadata.name).sort());
    }));
  });

  test('a bad peer next to good ones: the good ones are all read, whatever the order', () => {
    const peers = fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z]{1,6}$/), hold: fc.constantFrom('0s', '3s', '90s', '1s', '2s', 'soon') }), { selector: (p) => p.name, maxLength: 8 });
    fc.assert(fc.property(peers, (list) => {
      const c = configFor({ peers: list.map((p) => peer(p.name, { holdTime: p.hold })) });
      const bad = new Set(['1s', '2s', 'soon']);
      expect(c.peers.map((p) => p.peer.name)).toEqual(list.filter((p) => !bad.has(p.hold)).map((p) => p.name));
      expect(c.problems.map((p) => p.name)).toEqual(list.filter((p) => bad.has(p.hold)).map((p) => p.name));
    }));
  });
});
