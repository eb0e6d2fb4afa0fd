// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { formatIp, parseIp } from '../../../../../lib/ip.js';
import { ipBytes } from './ip-bytes.js';

describe('ipBytes', () => {
  test('same bytes as parseIp, for both families, however often asked', () => {
    fc.assert(fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), (ip) => {
      const family = ip.includes(':') ? 6 : 4;
      expect([...ipBytes(ip, family)]).toEqual([...parseIp(ip).bytes]);
      expect(formatIp({ family, bytes: ipBytes(ip, family) })).toBe(formatIp(parseIp(ip)));
    }), { numRuns: 3000 });
  });

  test('the wrong family or no address throws with the address', () => {
    expect(() => ipBytes('192.0.2.1', 6)).toThrow('expected an IPv6 address, got "192.0.2.1"');
    expect(() => ipBytes('2001:db8::1', 4)).toThrow('expected an IPv4 address, got "2001:db8::1"');
    expect(() => ipBytes('nope', 4)).toThrow('invalid IP "nope"');
  });

  test('asked again, it answers from the first parse', () => {
    const a = ipBytes('2001:db8:0:1::200', 6);
    expect(ipBytes('2001:db8:0:1::200', 6)).toBe(a);
  });
});
