// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { formatMac, isGroupMac, isMac, macBytes, writeMac } from './mac.js';

const bytes = fc.uint8Array({ minLength: 6, maxLength: 6 });

describe('MAC addresses', () => {
  test('format and parse are inverse, in either case', () => {
    fc.assert(fc.property(bytes, (b) => {
      const text = formatMac(b);
      expect(text).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect([...macBytes(text)]).toEqual([...b]);
      expect([...macBytes(text.toUpperCase())]).toEqual([...b]);
    }));
  });

  test('formats at an offset', () => {
    expect(formatMac(Uint8Array.from([9, 0x02, 0, 0, 0, 0x01, 0x0b]), 1)).toBe('02:00:00:00:01:0b');
  });

  test('writes in place without touching its neighbours', () => {
    const out = new Uint8Array(10).fill(0xee);
    writeMac('02:00:00:00:01:0b', out, 2);
    expect([...out]).toEqual([0xee, 0xee, 2, 0, 0, 0, 1, 0x0b, 0xee, 0xee]);
  });

  test.each(['', '02:00:00:00:01', '02:00:00:00:01:0g', '02-00-00-00-01-0b', '02:00:00:00:01:0b:', ' 2:00:00:00:01:0b', '0200.0000.010b.'])('rejects "%s"', (text) => {
    expect(isMac(text)).toBe(false);
    expect(() => macBytes(text)).toThrow(`invalid MAC "${text}"`);
    expect(() => writeMac(text, new Uint8Array(6), 0)).toThrow('invalid MAC');
  });

  test('arbitrary text never parses unless it is a MAC', () => {
    fc.assert(fc.property(fc.string({ maxLength: 20 }), (s) => {
      expect(isMac(s)).toBe(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(s));
    }));
  });

  test('group bit', () => {
    expect(isGroupMac('ff:ff:ff:ff:ff:ff')).toBe(true);
    expect(isGroupMac('33:33:ff:00:02:00')).toBe(true);
    expect(isGroupMac('01:00:5e:00:00:01')).toBe(true);
    expect(isGroupMac('02:00:00:00:01:0b')).toBe(false);
    expect(isGroupMac('zz:00:00:00:00:00')).toBe(false);
  });
});
