// SPDX-License-Identifier: Apache-2.0
/** The address patterns of MetalLoadBalancerClass/MetalLoadBalancerPool against lib/ip.ts, property by property. */
import fc from 'fast-check';
import { parsePoolEntry } from '../../lib/ip.js';
import { compileCrdSchema, crdSchema, loadCrd } from '../../lib/schemas/index.js';

const mlbc = compileCrdSchema(crdSchema(loadCrd('MetalLoadBalancerClass')));
const mlbp = compileCrdSchema(crdSchema(loadCrd('MetalLoadBalancerPool')));
const accepted = (entry: string) => {
  const a = mlbc({ spec: { addressPool: [entry] } }).valid;
  // Both classes of pools share the patterns.
  expect(mlbp({ spec: { addresses: [entry] } }).valid).toBe(a);
  return a;
};
// fast-check also writes IPv4-embedded IPv6 (::ffff:192.0.2.1); the patterns accept plain hex forms only.
const ipv6 = fc.ipV6().filter((ip) => !ip.includes('.'));

describe('address patterns', () => {
  test('every IPv4 CIDR and range is accepted', () => {
    fc.assert(fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (ip, prefix, other) => accepted(`${ip}/${prefix}`) && accepted(`${ip}-${other}`)));
  });

  test('every IPv6 CIDR and range in hex form is accepted', () => {
    fc.assert(fc.property(ipv6, fc.integer({ min: 0, max: 128 }), ipv6, (ip, prefix, other) => accepted(`${ip}/${prefix}`) && accepted(`${ip}-${other}`)));
  });

  test('prefixes beyond the family, bare addresses and mixed-family ranges are refused', () => {
    fc.assert(
      fc.property(fc.ipV4(), ipv6, fc.integer({ min: 33, max: 999 }), fc.integer({ min: 129, max: 999 }), (v4, v6, p4, p6) => {
        expect(accepted(`${v4}/${p4}`)).toBe(false);
        expect(accepted(`${v6}/${p6}`)).toBe(false);
        expect(accepted(v4)).toBe(false);
        expect(accepted(v6)).toBe(false);
        expect(accepted(`${v4}-${v6}`)).toBe(false);
      }),
    );
  });

  test('whatever the patterns accept, lib/ip.ts parses (only the order of a range is left to the controller)', () => {
    const chars = fc.constantFrom(...'0123456789abcdefABCDEF:./-'.split(''));
    const candidate = fc.oneof(
      fc.array(chars, { maxLength: 45 }).map((a) => a.join('')),
      fc.tuple(fc.oneof(fc.ipV4(), ipv6), fc.array(chars, { maxLength: 6 })).map(([ip, tail]) => ip + tail.join('')),
    );
    fc.assert(
      fc.property(candidate, (entry) => {
        if (!accepted(entry)) return;
        try {
          parsePoolEntry(entry);
        } catch (e) {
          expect((e as Error).message).toContain('range starts after it ends');
        }
      }),
      { numRuns: 2000 },
    );
  });
});
