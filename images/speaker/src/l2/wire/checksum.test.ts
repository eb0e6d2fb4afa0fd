// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { internetChecksum } from './checksum.js';

/** RFC 1071 §4.1 done the slow way, over one byte string: the oracle. */
function oracle(b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < b.length; i += 2) s += ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0);
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return ~s & 0xffff;
}

describe('internet checksum', () => {
  test('RFC 1071 example: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2', () => {
    expect(internetChecksum([Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7])])).toBe(~0xddf2 & 0xffff);
  });

  test('parts cut anywhere, odd lengths included, sum as their concatenation', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 70 }), { maxLength: 6 }), (parts) => {
      expect(internetChecksum(parts)).toBe(oracle(Uint8Array.from(parts.flatMap((p) => [...p]))));
    }), { numRuns: 2000 });
  });

  test('a large all-ones message folds correctly', () => {
    const b = new Uint8Array(65536).fill(0xff);
    expect(internetChecksum([b.subarray(0, 3), b.subarray(3)])).toBe(oracle(b));
  });
});
