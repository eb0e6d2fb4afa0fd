import fc from 'fast-check';
import { poolFromSpec, PoolError } from '../../../../lib/config/pool.js';
import { isBuggy, poolContains, poolSize, usableInRange } from './pool.js';
import { parsePoolEntry } from '../../../../lib/ip.js';

const ANY = { l2: true, bgp: true };

describe('poolFromSpec', () => {
  test('defaults: autoAssign on, avoidBuggyIPs off, no serviceAllocation', () => {
    expect(poolFromSpec('p', { addresses: ['192.0.2.0/30'] }, ANY)).toMatchObject({ autoAssign: true, avoidBuggyIPs: false, allocation: undefined });
  });

  test.each([
    [[], 'pool "p": has no addresses'],
    [['192.0.2.0/33'], 'pool "p": invalid IP "192.0.2.0/33": prefix length must be 0..32'],
    [['192.0.2.0/24', '192.0.2.100-192.0.2.110'], 'pool "p": "192.0.2.100-192.0.2.110" overlaps another entry of the same pool'],
    [['bogus'], 'pool "p": invalid IP "bogus": not an IPv4 or IPv6 address'],
  ])('%j is refused: %s', (addresses, msg) => {
    expect(() => poolFromSpec('p', { addresses }, ANY)).toThrow(new PoolError('p', msg.replace('pool "p": ', '')));
  });

  test('a bad serviceAllocation selector names the pool', () => {
    expect(() => poolFromSpec('p', { addresses: ['192.0.2.0/30'], serviceAllocation: { serviceSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Near' }] }] } }, ANY))
      .toThrow('pool "p": serviceAllocation: "Near" is not a valid label selector operator (on "a"; use In, NotIn, Exists or DoesNotExist)');
  });

  test('host bits in a CIDR entry are tolerated, as MetalLB does', () => {
    expect(poolFromSpec('p', { addresses: ['192.0.2.5/30'] }, ANY).ranges[0]).toMatchObject({ first: 0xc0000204n, last: 0xc0000207n });
  });

  test('contains respects avoidBuggyIPs and families', () => {
    const p = poolFromSpec('p', { addresses: ['192.0.2.0/24', '2001:db8::/126'], avoidBuggyIPs: true }, ANY);
    expect(poolContains(p, '192.0.2.0')).toBe(false);
    expect(poolContains(p, '192.0.2.1')).toBe(true);
    expect(poolContains(p, '2001:db8::')).toBe(true);
    expect(poolContains(p, '2001:db8::4')).toBe(false);
    expect(poolContains(p, 'garbage')).toBe(false);
    expect(poolSize(p)).toBe(254n + 4n);
  });

  test('property: usableInRange equals a brute-force count', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 0, max: 700 }), (start, len) => {
      const first = BigInt(0xc0000000 + start);
      const r = { family: 4 as const, first, last: first + BigInt(len) };
      let n = 0n;
      for (let x = r.first; x <= r.last; x++) if (!isBuggy(x, 4)) n++;
      expect(usableInRange(r, true)).toBe(n);
    }));
  });

  test('a single address entry is a one-address pool', () => {
    expect(usableInRange(parsePoolEntry('203.0.113.7'), false)).toBe(1n);
  });
});
