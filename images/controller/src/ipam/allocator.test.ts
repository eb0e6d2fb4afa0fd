import { Allocator, display, type Result } from './allocator.js';
import { describeFailure, type Claim } from './claim.js';
import { poolFromSpec, type IPAddressPoolSpec, type PoolScope } from '../../../../lib/config/pool.js';
import { poolOverlaps } from './pool.js';

const L2: PoolScope = { l2: true, bgp: false };
const BGP: PoolScope = { l2: false, bgp: true };

function pool(name: string, addresses: string[], spec: Omit<IPAddressPoolSpec, 'addresses'> = {}, scope: PoolScope = BGP) {
  return poolFromSpec(name, { addresses, ...spec }, scope);
}

function claim(key: string, extra: Partial<Claim> = {}): Claim {
  return {
    key: `svc/default/${key}`,
    scope: 'bgp',
    namespace: 'default',
    namespaceLabels: {},
    labels: {},
    familyPolicy: 'SingleStack',
    families: [],
    desired: [],
    backendKey: '',
    ports: [{ protocol: 'TCP', port: 80 }],
    ...extra,
  };
}

function ips(r: Result): readonly string[] {
  if (!r.ok) throw new Error(`expected success, got ${describeFailure(r.failure)}`);
  return r.allocation.ips;
}

function failure(r: Result): string {
  if (r.ok) throw new Error(`expected a failure, got ${r.allocation.ips.join(',')}`);
  return r.failure.kind;
}

describe('Allocator', () => {
  test('hands out addresses in pool order and counts them', () => {
    const a = new Allocator();
    a.setPools([pool('p', ['192.0.2.10-192.0.2.11'])]);
    expect(ips(a.allocate(claim('a')))).toEqual(['192.0.2.10']);
    expect(ips(a.allocate(claim('b')))).toEqual(['192.0.2.11']);
    expect(a.counters('p')).toEqual({ inUse: 2, total: 2n });
    const r = a.allocate(claim('c'));
    expect(r).toEqual({ ok: false, failure: { kind: 'PoolExhausted', pools: ['p'] } });
    expect(describeFailure(r.ok ? (undefined as never) : r.failure)).toBe('no available IPs in pool "p"');
  });

  test('a claim keeps its address on every later call', () => {
    const a = new Allocator();
    a.setPools([pool('p', ['192.0.2.0/29'])]);
    const first = ips(a.allocate(claim('a')));
    a.allocate(claim('b'));
    const again = a.allocate(claim('a'));
    expect(again).toMatchObject({ ok: true, changed: false });
    expect(ips(again)).toEqual(first);
  });

  test('a released address is handed out again, lowest first', () => {
    const a = new Allocator();
    a.setPools([pool('p', ['198.51.100.1-198.51.100.3'])]);
    for (const k of ['a', 'b', 'c']) a.allocate(claim(k));
    expect(a.release('svc/default/b')).toBe(true);
    expect(a.release('svc/default/b')).toBe(false);
    expect(ips(a.allocate(claim('d')))).toEqual(['198.51.100.2']);
  });

  test.each([
    ['192.0.2.0/30', true, ['192.0.2.1', '192.0.2.2', '192.0.2.3']],
    ['192.0.2.254-192.0.3.1', true, ['192.0.2.254', '192.0.3.1']],
    ['192.0.2.255-192.0.3.0', true, []],
    ['192.0.2.0/30', false, ['192.0.2.0', '192.0.2.1', '192.0.2.2', '192.0.2.3']],
  ])('avoidBuggyIPs on %s (%s) gives %j', (range, avoid, want) => {
    const a = new Allocator();
    a.setPools([pool('p', [range], { avoidBuggyIPs: avoid })]);
    const got: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = a.allocate(claim(`s${i}`));
      if (r.ok) got.push(...r.allocation.ips);
    }
    expect(got).toEqual(want);
    expect(a.counters('p').total).toBe(BigInt(want.length));
  });

  test('avoidBuggyIPs counts two addresses per /24', () => {
    const a = new Allocator();
    a.setPools([pool('p', ['192.0.2.0/23', '2001:db8::/120'], { avoidBuggyIPs: true })]);
    expect(a.counters('p').total).toBe(512n - 4n + 256n);
  });

  test('autoAssign false: only by name or by desired IP', () => {
    const a = new Allocator();
    a.setPools([pool('manual', ['203.0.113.0/30'], { autoAssign: false })]);
    expect(failure(a.allocate(claim('a')))).toBe('NoMatchingPool');
    expect(ips(a.allocate(claim('b', { pool: 'manual' })))).toEqual(['203.0.113.0']);
    expect(ips(a.allocate(claim('c', { desired: ['203.0.113.3'] })))).toEqual(['203.0.113.3']);
  });

  describe('serviceAllocation', () => {
    const pools = () => [
      pool('any', ['203.0.113.100/30']),
      pool('late', ['203.0.113.50/31'], { serviceAllocation: { priority: 20 } }),
      pool('early', ['203.0.113.10/31'], { serviceAllocation: { priority: 10, namespaces: ['web'] } }),
      pool('labelled', ['203.0.113.20/31'], { serviceAllocation: { priority: 5, namespaceSelectors: [{ matchLabels: { zone: 'east' } }] } }),
      pool('tier', ['203.0.113.30/31'], { serviceAllocation: { priority: 1, serviceSelectors: [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] }] } }),
    ];
    test.each([
      ['default namespace, no labels', {}, '203.0.113.50'],
      ['namespace in the list', { namespace: 'web' }, '203.0.113.10'],
      ['namespace selector', { namespace: 'web', namespaceLabels: { zone: 'east' } }, '203.0.113.20'],
      ['service selector wins by priority', { namespace: 'web', namespaceLabels: { zone: 'east' }, labels: { tier: 'gold' } }, '203.0.113.30'],
    ] as const)('%s', (_name, extra, want) => {
      const a = new Allocator();
      a.setPools(pools());
      expect(ips(a.allocate(claim('a', extra)))).toEqual([want]);
    });

    test('a full prioritised pool falls through to the next', () => {
      const a = new Allocator();
      a.setPools(pools());
      expect(ips(a.allocate(claim('a')))).toEqual(['203.0.113.50']);
      expect(ips(a.allocate(claim('b')))).toEqual(['203.0.113.51']);
      expect(ips(a.allocate(claim('c')))).toEqual(['203.0.113.100']);
    });

    test('a named pool that does not serve the namespace says why', () => {
      const a = new Allocator();
      a.setPools(pools());
      const r = a.allocate(claim('a', { pool: 'early' }));
      expect(r).toEqual({ ok: false, failure: { kind: 'PoolNotAllowed', pool: 'early', detail: 'namespace "default" is not in its serviceAllocation' } });
    });
  });

  test('scopes keep L2 instances and BGP Services apart', () => {
    const a = new Allocator();
    a.setPools([pool('class-a', ['192.0.2.200/31'], {}, L2), pool('bgp', ['203.0.113.0/31'])]);
    expect(ips(a.allocate(claim('i', { key: 'l2/default/i', scope: 'l2', pool: 'class-a' })))).toEqual(['192.0.2.200']);
    expect(ips(a.allocate(claim('s')))).toEqual(['203.0.113.0']);
    expect(a.allocate(claim('t', { pool: 'class-a' }))).toMatchObject({ ok: false, failure: { kind: 'PoolNotAllowed', detail: 'it is not a pool for BGP Services' } });
    expect(failure(a.allocate(claim('u', { desired: ['192.0.2.201'] })))).toBe('PoolNotAllowed');
  });

  describe('desired IPs', () => {
    test.each([
      [['203.0.113.9'], 'DesiredIPOutsidePools'],
      [['192.0.2.5'], 'DesiredIPOutsidePools'],
    ])('%j fails with %s', (desired, kind) => {
      const a = new Allocator();
      a.setPools([pool('p', ['203.0.113.0/29'])]);
      expect(failure(a.allocate(claim('a', { desired })))).toBe(kind);
    });

    test('an address held by another claim is refused and names the holder', () => {
      const a = new Allocator();
      a.setPools([pool('p', ['203.0.113.0/29'])]);
      a.allocate(claim('a'));
      const r = a.allocate(claim('b', { desired: ['203.0.113.0'] }));
      expect(r).toEqual({ ok: false, failure: { kind: 'AlreadyInUse', ip: '203.0.113.0', by: ['default/a'] } });
    });

    test('changing the desired IP moves the claim and frees the old one', () => {
      const a = new Allocator();
      a.setPools([pool('p', ['203.0.113.0/29'])]);
      expect(ips(a.allocate(claim('a', { desired: ['203.0.113.5'] })))).toEqual(['203.0.113.5']);
      expect(a.allocate(claim('a', { desired: ['203.0.113.6'] }))).toMatchObject({ ok: true, changed: true });
      expect(a.holders('203.0.113.5')).toEqual([]);
      expect(a.counters('p').inUse).toBe(1);
    });
  });

  describe('sharing', () => {
    const setup = () => {
      const a = new Allocator();
      a.setPools([pool('p', ['203.0.113.0/29'])]);
      return a;
    };
    test('same key, disjoint ports: one address', () => {
      const a = setup();
      const x = ips(a.allocate(claim('dns-tcp', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 53 }] })));
      const y = ips(a.allocate(claim('dns-udp', { sharingKey: 'k', ports: [{ protocol: 'UDP', port: 53 }] })));
      expect(y).toEqual(x);
      expect(a.holders(x[0] ?? '').sort()).toEqual(['svc/default/dns-tcp', 'svc/default/dns-udp']);
      expect(a.counters('p').inUse).toBe(1);
    });
    test.each([
      ['colliding ports', { sharingKey: 'k' }, 'port TCP/80 is already used by default/a'],
      ['another key', { sharingKey: 'other', ports: [{ protocol: 'TCP', port: 81 }] }, 'sharing key "other" differs from "k" of default/a'],
      ['another backend', { sharingKey: 'k', backendKey: 'app=x', ports: [{ protocol: 'TCP', port: 81 }] }, 'externalTrafficPolicy or selector differs from default/a'],
    ] as const)('desired shared address with %s is refused', (_n, extra, detail) => {
      const a = setup();
      const x = ips(a.allocate(claim('a', { sharingKey: 'k' })))[0] ?? '';
      expect(a.allocate(claim('b', { ...extra, desired: [x] }))).toEqual({ ok: false, failure: { kind: 'SharingConflict', ip: x, detail } });
    });
    test('colliding ports without a desired IP get their own address', () => {
      const a = setup();
      const x = ips(a.allocate(claim('a', { sharingKey: 'k' })));
      expect(ips(a.allocate(claim('b', { sharingKey: 'k' })))).not.toEqual(x);
    });
    test('releasing one sharer keeps the address for the other', () => {
      const a = setup();
      const x = ips(a.allocate(claim('a', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 1 }] })));
      a.allocate(claim('b', { sharingKey: 'k', ports: [{ protocol: 'TCP', port: 2 }] }));
      a.release('svc/default/a');
      expect(a.holders(x[0] ?? '')).toEqual(['svc/default/b']);
      expect(ips(a.allocate(claim('c')))).not.toEqual(x);
    });
  });

  describe('dual-stack', () => {
    const dual = () => pool('dual', ['203.0.113.0/30', '2001:db8:0:2::/126']);
    test.each([
      ['SingleStack, IPv6 first', 'SingleStack', [6], ['2001:db8:0:2::']],
      ['RequireDualStack', 'RequireDualStack', [], ['203.0.113.0', '2001:db8:0:2::']],
      ['RequireDualStack, IPv6 first', 'RequireDualStack', [6, 4], ['2001:db8:0:2::', '203.0.113.0']],
      ['PreferDualStack', 'PreferDualStack', [4], ['203.0.113.0', '2001:db8:0:2::']],
    ] as const)('%s', (_n, familyPolicy, families, want) => {
      const a = new Allocator();
      a.setPools([dual()]);
      expect(ips(a.allocate(claim('a', { familyPolicy, families })))).toEqual(want);
    });
    test('RequireDualStack from a single-family pool says which family is missing', () => {
      const a = new Allocator();
      a.setPools([pool('v4', ['203.0.113.0/30'])]);
      expect(a.allocate(claim('a', { familyPolicy: 'RequireDualStack' }))).toEqual({ ok: false, failure: { kind: 'FamilyUnavailable', family: 6, pool: 'v4' } });
    });
    test('PreferDualStack settles for one family', () => {
      const a = new Allocator();
      a.setPools([pool('v6', ['2001:db8:0:2::10-2001:db8:0:2::20'])]);
      expect(ips(a.allocate(claim('a', { familyPolicy: 'PreferDualStack' })))).toEqual(['2001:db8:0:2::10']);
    });
    test('a pair that cannot be completed takes nothing', () => {
      const a = new Allocator();
      a.setPools([pool('dual', ['203.0.113.0/31', '2001:db8:0:2::/127'])]);
      a.allocate(claim('v6a', { families: [6] }));
      a.allocate(claim('v6b', { families: [6] }));
      expect(failure(a.allocate(claim('pair', { familyPolicy: 'RequireDualStack' })))).toBe('PoolExhausted');
      expect(ips(a.allocate(claim('v4')))).toEqual(['203.0.113.0']);
    });
  });

  describe('pool edits', () => {
    test('shrinking releases only addresses outside the new pool', () => {
      const a = new Allocator();
      a.setPools([pool('p', ['192.0.2.200-192.0.2.203'])]);
      for (const k of ['a', 'b', 'c', 'd']) a.allocate(claim(k));
      const released = a.setPools([pool('p', ['192.0.2.200-192.0.2.201'])]);
      expect(released).toEqual([
        { key: 'svc/default/c', ips: ['192.0.2.202'], reason: '192.0.2.202 is no longer inside a pool that can serve it' },
        { key: 'svc/default/d', ips: ['192.0.2.203'], reason: '192.0.2.203 is no longer inside a pool that can serve it' },
      ]);
      expect(a.get('svc/default/a')?.ips).toEqual(['192.0.2.200']);
      expect(a.get('svc/default/b')?.ips).toEqual(['192.0.2.201']);
      expect(a.counters('p')).toEqual({ inUse: 2, total: 2n });
    });
    test('an address moved to a renamed pool stays and is counted there', () => {
      const a = new Allocator();
      a.setPools([pool('old', ['192.0.2.0/30'])]);
      a.allocate(claim('a'));
      expect(a.setPools([pool('new', ['192.0.2.0/29'])])).toEqual([]);
      expect(a.get('svc/default/a')).toEqual({ ips: ['192.0.2.0'], pools: ['new'] });
      expect(a.counters('new').inUse).toBe(1);
      expect(a.counters('old').inUse).toBe(0);
    });
    test('turning on avoidBuggyIPs releases a .0 address', () => {
      const a = new Allocator();
      a.setPools([pool('p', ['192.0.2.0/30'])]);
      a.allocate(claim('a'));
      expect(a.setPools([pool('p', ['192.0.2.0/30'], { avoidBuggyIPs: true })]).map((r) => r.key)).toEqual(['svc/default/a']);
      expect(ips(a.allocate(claim('a')))).toEqual(['192.0.2.1']);
    });
  });

  test('a big IPv6 pool does not walk its whole range', () => {
    const a = new Allocator();
    a.setPools([pool('v6', ['2001:db8:0:2::/64'])]);
    for (let i = 0; i < 100; i++) a.allocate(claim(`s${i}`, { families: [6] }));
    expect(ips(a.allocate(claim('last', { families: [6] })))).toEqual(['2001:db8:0:2::64']);
    expect(a.counters('v6')).toEqual({ inUse: 101, total: 1n << 64n });
  });

  test('unknown pool', () => {
    const a = new Allocator();
    a.setPools([]);
    expect(a.allocate(claim('a', { pool: 'nope' }))).toEqual({ ok: false, failure: { kind: 'UnknownPool', pool: 'nope' } });
  });

  test('display strips the scope', () => {
    expect(display('l2/ns/name')).toBe('ns/name');
  });
});

describe('overlapping pools', () => {
  test('are reported, and every address is still given out once', () => {
    const left = pool('left', ['192.0.2.10-192.0.2.13']);
    const right = pool('right', ['192.0.2.12-192.0.2.15']);
    expect(poolOverlaps([left, right, pool('apart', ['198.51.100.0/30'])])).toEqual([{ pools: ['left', 'right'], range: '192.0.2.12-192.0.2.13' }]);
    const a = new Allocator();
    a.setPools([left, right]);
    const got: string[] = [];
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) {
      const r = a.allocate(claim(k));
      if (r.ok) got.push(...r.allocation.ips);
    }
    expect(new Set(got).size).toBe(got.length);
    expect(got.sort()).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.12', '192.0.2.13', '192.0.2.14', '192.0.2.15']);
  });
});
