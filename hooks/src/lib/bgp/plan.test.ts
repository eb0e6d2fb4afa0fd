// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { passwordSecretName, planBgp } from './plan.js';
import { configFromObject, peerFromObject, poolFromObject, secretFromObject } from './types.js';

describe('BGP filters', () => {
  test('any spec shape is decoded or dropped, never thrown on', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (spec, status) => {
        const o = { metadata: { name: 'x' }, spec: spec as never, status: status as never, data: spec as never };
        expect(() => [poolFromObject(o), peerFromObject(o), configFromObject(o), secretFromObject(o)]).not.toThrow();
      }),
    );
  });
});

describe('planBgp', () => {
  const name: fc.Arbitrary<string> = fc.constantFrom('a', 'b', 'c', 'd');
  const input = fc.record({
    pools: fc.uniqueArray(name, { maxLength: 3 }).map((ns) => ns.map((n) => ({ name: n, addresses: ['203.0.113.0/28'] }))),
    peers: fc.uniqueArray(name, { maxLength: 3 }).map((ns) => ns.map((n) => ({ name: n, peerAddress: '192.0.2.1', peerASN: 1, myASN: 2, sourceAddresses: [] }))),
    configs: fc.uniqueArray(
      fc.record({ name, peerNames: fc.array(name, { maxLength: 3 }), pools: fc.array(fc.array(name, { minLength: 1, maxLength: 2 }), { maxLength: 2 }), sel: fc.boolean() }),
      { selector: (c) => c.name, maxLength: 3 },
    ),
  });

  test('advertisements only name existing pools and never an empty peer list; output is sorted', () => {
    fc.assert(
      fc.property(input, (i) => {
        const plan = planBgp({
          pools: i.pools,
          peers: i.peers,
          secrets: [],
          configs: i.configs.map((c) => ({ name: c.name, mode: 'BGP', nodeSelector: c.sel ? { role: c.name } : {}, peerNames: c.peerNames, advertisements: c.pools.map((p) => ({ poolNames: p })), conditions: [] })),
        });
        const pools = new Set(i.pools.map((p) => p.name));
        for (const a of plan.bgpAdvertisements) {
          expect(a.peers?.length ?? 0).toBeGreaterThan(0);
          for (const p of a.ipAddressPools) expect(pools.has(p)).toBe(true);
        }
        const names = plan.bgpPeers.map((p) => p.name);
        expect(names).toEqual([...names].sort());
        expect(new Set(names).size).toBe(names.length);
      }),
    );
  });
});

describe('password Secret copies', () => {
  test('names never collide across namespaces, stay valid and within 253 characters', () => {
    const a = passwordSecretName({ namespace: 'a-b', name: 'c' });
    const b = passwordSecretName({ namespace: 'a', name: 'b-c' });
    expect(a).not.toBe(b);
    expect(a).toMatch(/^bgp-pwd-a-b-c-[0-9a-f]{10}$/);
    const long = passwordSecretName({ namespace: 'n'.repeat(63), name: `${'x'.repeat(180)}.${'y'.repeat(60)}` });
    expect(long.length).toBeLessThanOrEqual(253);
    expect(long).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
    expect(long).not.toMatch(/[.-]{2}/);
    expect(passwordSecretName({ namespace: 'n'.repeat(63), name: `${'x'.repeat(180)}.${'z'.repeat(60)}` })).not.toBe(long);
  });
});
