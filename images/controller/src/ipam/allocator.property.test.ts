import fc from 'fast-check';
import { Allocator } from './allocator.js';
import type { Claim, FamilyPolicy } from './claim.js';
import { poolFromSpec, PoolError, type Pool } from '../../../../lib/config/pool.js';
import { poolContains } from './pool.js';

/** Eight non-overlapping slots to build pools from: small, so pools fill up and sharing happens. */
const SLOTS = [
  '192.0.2.0/29', '192.0.2.8-192.0.2.12', '192.0.2.250-192.0.2.255', '198.51.100.0/30',
  '2001:db8:0:2::/125', '2001:db8:0:2::100-2001:db8:0:2::103', '203.0.113.7', '2001:db8:0:3::/127',
];

const poolsArb = fc.uniqueArray(
  fc.record({ slots: fc.uniqueArray(fc.integer({ min: 0, max: SLOTS.length - 1 }), { minLength: 1, maxLength: 3 }), avoid: fc.boolean(), auto: fc.boolean(), l2: fc.boolean() }),
  { minLength: 1, maxLength: 3, selector: (p) => p.slots[0] },
).map((specs) => {
  const used = new Set<number>();
  return specs.flatMap((s, i): Pool[] => {
    const slots = s.slots.filter((x) => !used.has(x));
    slots.forEach((x) => used.add(x));
    if (!slots.length) return [];
    return [poolFromSpec(`p${i}`, { addresses: slots.map((x) => SLOTS[x] ?? ''), avoidBuggyIPs: s.avoid, autoAssign: s.auto }, { l2: s.l2, bgp: !s.l2 })];
  });
});

const claimArb = fc.record({
  id: fc.integer({ min: 0, max: 11 }),
  scope: fc.constantFrom('l2' as const, 'bgp' as const),
  familyPolicy: fc.constantFrom<FamilyPolicy>('SingleStack', 'PreferDualStack', 'RequireDualStack'),
  families: fc.constantFrom<(4 | 6)[]>([], [4], [6], [6, 4]),
  pool: fc.option(fc.constantFrom('p0', 'p1', 'p2'), { nil: undefined }),
  desired: fc.option(fc.constantFrom('192.0.2.3', '192.0.2.255', '2001:db8:0:2::1', '203.0.113.7', '198.51.100.2'), { nil: undefined }),
  sharingKey: fc.option(fc.constantFrom('a', 'b'), { nil: undefined }),
  backendKey: fc.constantFrom('', 'app=x'),
  ports: fc.uniqueArray(fc.record({ protocol: fc.constantFrom('TCP', 'UDP'), port: fc.constantFrom(53, 80) }), { maxLength: 2, selector: (p) => `${p.protocol}/${p.port}` }),
}).map((c): Claim => ({
  key: `${c.scope}/ns/s${c.id}`,
  scope: c.scope,
  namespace: 'ns',
  namespaceLabels: {},
  labels: {},
  familyPolicy: c.familyPolicy,
  families: c.families,
  pool: c.pool,
  desired: c.desired ? [c.desired] : [],
  sharingKey: c.sharingKey,
  backendKey: c.backendKey,
  ports: c.ports,
}));

type Op = { op: 'allocate'; claim: Claim } | { op: 'release'; id: number } | { op: 'pools'; pools: Pool[] };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: claimArb.map((claim) => ({ op: 'allocate' as const, claim })) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 11 }).map((id) => ({ op: 'release' as const, id })) },
  { weight: 1, arbitrary: poolsArb.map((pools) => ({ op: 'pools' as const, pools })) },
);

/** Runs the ops and returns the allocator plus the last claim seen for every key still holding addresses. */
function run(pools: Pool[], ops: Op[]): { a: Allocator; claims: Map<string, Claim>; pools: Pool[] } {
  const a = new Allocator();
  a.setPools(pools);
  let current = pools;
  const claims = new Map<string, Claim>();
  for (const o of ops) {
    if (o.op === 'allocate') {
      claims.set(o.claim.key, o.claim);
      a.allocate(o.claim);
    } else if (o.op === 'release') {
      for (const s of ['l2', 'bgp']) a.release(`${s}/ns/s${o.id}`);
    } else {
      current = o.pools;
      a.setPools(o.pools);
    }
    checkInvariants(a, claims, current);
  }
  for (const k of [...claims.keys()]) if (!a.get(k)) claims.delete(k);
  return { a, claims, pools: current };
}

function checkInvariants(a: Allocator, claims: Map<string, Claim>, pools: Pool[]): void {
  const byIp = new Map<string, Claim[]>();
  for (const [k, c] of claims) {
    const al = a.get(k);
    if (!al) continue;
    al.ips.forEach((ip, i) => {
      // Every handed-out address is inside a pool that may serve the claim.
      const p = pools.find((x) => x.name === al.pools[i]);
      expect(p && poolContains(p, ip) && p.scope[c.scope]).toBeTruthy();
      byIp.set(ip, [...(byIp.get(ip) ?? []), c]);
    });
    expect(new Set(al.ips).size).toBe(al.ips.length);
  }
  // No address is held twice except under one sharing key, one backend key and disjoint ports.
  for (const [ip, holders] of byIp) {
    expect(a.holders(ip).sort()).toEqual(holders.map((h) => h.key).sort());
    if (holders.length < 2) continue;
    const [first] = holders;
    for (const h of holders) {
      expect(h.sharingKey).toBeTruthy();
      expect(h.sharingKey).toBe(first?.sharingKey);
      expect(h.backendKey).toBe(first?.backendKey);
    }
    const ports = holders.flatMap((h) => h.ports.map((p) => `${p.protocol}/${p.port}`));
    expect(new Set(ports).size).toBe(ports.length);
  }
  for (const p of pools) {
    const inPool = new Set([...byIp.keys()].filter((ip) => poolContains(p, ip) && [...claims.keys()].some((k) => a.get(k)?.ips.some((x, i) => x === ip && a.get(k)?.pools[i] === p.name))));
    expect(a.counters(p.name).inUse).toBe(inPool.size);
  }
}

describe('Allocator properties', () => {
  test('no double allocation outside valid sharing; every address inside a pool; counters agree', () => {
    fc.assert(fc.property(poolsArb, fc.array(opArb, { maxLength: 40 }), (pools, ops) => {
      run(pools, ops);
    }), { numRuns: 500 });
  });

  test('restart stability: rebuilding from what is held gives the same assignments, in any order', () => {
    fc.assert(fc.property(poolsArb, fc.array(opArb, { maxLength: 40 }), fc.integer(), (pools, ops, seed) => {
      const { a, claims, pools: now } = run(pools, ops);
      const b = new Allocator();
      b.setPools(now);
      const keys = [...claims.keys()].sort((x, y) => ((hash(x) ^ seed) - (hash(y) ^ seed)));
      for (const k of keys) {
        const c = claims.get(k);
        const held = a.get(k);
        if (!c || !held) continue;
        expect(b.assign(c, held.ips)).toMatchObject({ ok: true });
      }
      for (const k of keys) {
        const c = claims.get(k);
        if (!c) continue;
        const r = b.allocate(c);
        expect(r).toMatchObject({ ok: true, changed: false });
        expect(r.ok && r.allocation.ips).toEqual(a.get(k)?.ips);
      }
    }), { numRuns: 500 });
  });

  test('pool specs: any text gives a pool or a PoolError, nothing else', () => {
    fc.assert(fc.property(fc.array(fc.oneof(fc.string(), fc.ipV4(), fc.ipV6(), fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([ip, n]) => `${ip}/${n}`))), (addresses) => {
      try {
        const p = poolFromSpec('x', { addresses }, { l2: true, bgp: true });
        expect(p.ranges.length).toBe(addresses.length);
      } catch (e) {
        expect(e).toBeInstanceOf(PoolError);
      }
    }));
  });
});

function hash(s: string): number {
  let h = 0;
  for (const ch of s) h = (h * 31 + ch.charCodeAt(0)) | 0;
  return h;
}
