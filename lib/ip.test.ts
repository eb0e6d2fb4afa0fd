import fc from 'fast-check';
import { bigIntToIp, canonicalIp, formatIp, formatIpNumber, ipToBigInt, parseCidr, parseIp, parsePoolEntry, rangeToCidrs, rangesOverlap, IpParseError } from './ip.js';

describe('ip', () => {
  test.each([
    ['192.0.2.1', '192.0.2.1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::', '::'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['2001:db8::', '2001:db8::'],
  ])('canonical form of %s is %s', (input, want) => {
    expect(canonicalIp(input)).toBe(want);
  });

  test('rejects garbage with the input named', () => {
    expect(() => parseIp('300.1.1.1')).toThrow(/invalid IP "300.1.1.1"/);
  });

  test('CIDR parsing checks prefix and host bits', () => {
    expect(parseCidr('192.0.2.0/24')).toMatchObject({ family: 4, prefix: 24, network: '192.0.2.0' });
    expect(() => parseCidr('192.0.2.1/24')).toThrow(/host bits are set \(network is 192.0.2.0\/24\)/);
    expect(() => parseCidr('192.0.2.0/33')).toThrow(IpParseError);
    expect(parseCidr('2001:db8::/64').last - parseCidr('2001:db8::/64').first).toBe((1n << 64n) - 1n);
  });

  test('pool entries: CIDR, range, single address', () => {
    expect(parsePoolEntry('192.0.2.10-192.0.2.20')).toMatchObject({ first: 0xc000020an, last: 0xc0000214n });
    expect(() => parsePoolEntry('192.0.2.20-192.0.2.10')).toThrow(/starts after it ends/);
    expect(() => parsePoolEntry('192.0.2.1-2001:db8::1')).toThrow(/different families/);
    expect(parsePoolEntry('203.0.113.7')).toMatchObject({ first: 0xcb007107n, last: 0xcb007107n });
  });

  test('overlap', () => {
    expect(rangesOverlap(parsePoolEntry('192.0.2.0/25'), parsePoolEntry('192.0.2.100-192.0.2.200'))).toBe(true);
    expect(rangesOverlap(parsePoolEntry('192.0.2.0/25'), parsePoolEntry('192.0.2.128/25'))).toBe(false);
  });

  test('range to CIDRs', () => {
    expect(rangeToCidrs(parsePoolEntry('192.0.2.1-192.0.2.6'))).toEqual(['192.0.2.1/32', '192.0.2.2/31', '192.0.2.4/31', '192.0.2.6/32']);
    expect(rangeToCidrs(parsePoolEntry('192.0.2.0/24'))).toEqual(['192.0.2.0/24']);
  });

  test('property: IPv6 text round-trips through bytes and integers', () => {
    fc.assert(fc.property(fc.ipV6(), (text) => {
      const ip = parseIp(text);
      expect(formatIp(bigIntToIp(ipToBigInt(ip), 6))).toBe(formatIp(ip));
      expect(canonicalIp(formatIp(ip))).toBe(formatIp(ip));
    }));
  });

  test('property: IPv4 text round-trips', () => {
    fc.assert(fc.property(fc.ipV4(), (text) => {
      expect(formatIp(parseIp(text))).toBe(text);
    }));
  });
});

describe('formatIpNumber', () => {
  test('gives the text formatIp gives for the same address, in both families', () => {
    fc.assert(fc.property(fc.oneof(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }).map((n) => [n, 4] as const), fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((n) => [n, 6] as const)), ([n, family]) => {
      expect(formatIpNumber(n, family)).toBe(formatIp(bigIntToIp(n, family)));
    }));
  });
});
