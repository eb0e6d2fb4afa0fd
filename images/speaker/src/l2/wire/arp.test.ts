// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { expectDecodesAnyBytes, expectReencodes, expectRoundTrips } from '../../../../../test/helpers/codec.js';
import { ARP_REPLY, ARP_REQUEST, arpCodec, arpProbeFrame, arpReplyFrame, decodeArp, encodeArp, gratuitousArpFrame, type ArpPacket } from './arp.js';
import { decodeFrame } from './frame.js';
import { formatMac } from '../../../../../lib/mac.js';

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b));
const ipv4 = fc.ipV4();
const packet: fc.Arbitrary<ArpPacket> = fc.record({
  op: fc.constantFrom(ARP_REQUEST, ARP_REPLY),
  sha: mac,
  spa: ipv4,
  tha: mac,
  tpa: ipv4,
});

// who-has 192.0.2.200 tell 192.0.2.100, as arping sends it (padding stripped).
const WHO_HAS = Uint8Array.from([
  0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, // Ethernet/IPv4, request
  0x02, 0x00, 0x00, 0x00, 0x00, 0x64, 192, 0, 2, 100, // sender
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 192, 0, 2, 200, // target
]);

describe('arp', () => {
  test('round-trips every packet', () => {
    expectRoundTrips(arpCodec, packet, undefined);
  });

  test('decodes a captured who-has', () => {
    expect(expectReencodes(arpCodec, WHO_HAS, undefined)).toEqual({ op: ARP_REQUEST, sha: '02:00:00:00:00:64', spa: '192.0.2.100', tha: 'ff:ff:ff:ff:ff:ff', tpa: '192.0.2.200' });
  });

  test('refuses other hardware or protocol types and ops', () => {
    const b = Uint8Array.from(WHO_HAS);
    b[3] = 0xdd; // protocol 0x08dd
    expect(decodeArp(b)).toEqual({ ok: false, error: { reason: 'unsupportedArp' } });
    const c = Uint8Array.from(WHO_HAS);
    c[7] = 3; // RARP request
    expect(decodeArp(c)).toEqual({ ok: false, error: { reason: 'unsupportedArp' } });
    expect(decodeArp(WHO_HAS.subarray(0, 27))).toEqual({ ok: false, error: { reason: 'truncated' } });
  });

  test('the reply goes unicast to the asker, from us, for the asked address', () => {
    const req = decodeArp(WHO_HAS);
    if (!req.ok) throw new Error(req.error.reason);
    const f = decodeFrame(arpReplyFrame(req.value, '02:00:00:00:00:0b'));
    if (!f.ok || f.value.kind !== 'arp') throw new Error('not an ARP frame');
    expect(f.value.eth).toMatchObject({ dst: '02:00:00:00:00:64', src: '02:00:00:00:00:0b' });
    expect(f.value.arp).toEqual({ op: ARP_REPLY, sha: '02:00:00:00:00:0b', spa: '192.0.2.200', tha: '02:00:00:00:00:64', tpa: '192.0.2.100' });
  });

  test('gratuitous ARP in both forms: sender = target = the address, broadcast, padded to 60 bytes', () => {
    for (const form of ['request', 'reply'] as const) {
      const b = gratuitousArpFrame('02:00:00:00:00:0b', '192.0.2.200', form);
      expect(b.length).toBe(60);
      const f = decodeFrame(b);
      if (!f.ok || f.value.kind !== 'arp') throw new Error('not an ARP frame');
      expect(f.value.eth.dst).toBe('ff:ff:ff:ff:ff:ff');
      expect(f.value.arp).toMatchObject({ op: form === 'request' ? ARP_REQUEST : ARP_REPLY, spa: '192.0.2.200', tpa: '192.0.2.200' });
    }
  });

  test('the probe carries sender address 0.0.0.0', () => {
    const f = decodeFrame(arpProbeFrame('02:00:00:00:00:0b', '192.0.2.201', [5]));
    if (!f.ok || f.value.kind !== 'arp') throw new Error('not an ARP frame');
    expect(f.value.eth.vlans).toEqual([5]);
    expect(f.value.arp).toMatchObject({ op: ARP_REQUEST, spa: '0.0.0.0', tpa: '192.0.2.201', tha: '00:00:00:00:00:00' });
  });

  test('any bytes decode to a packet that re-encodes to them, or to a drop reason', () => {
    const header = fc.constant(Uint8Array.from([0, 1, 8, 0, 6, 4, 0]));
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.tuple(header, fc.uint8Array({ maxLength: 30 })).map(([h, t]) => Uint8Array.from([...h, ...t])));
    expectDecodesAnyBytes(arpCodec, undefined, { bytes, reasons: ['truncated', 'unsupportedArp'] });
    fc.assert(fc.property(bytes, (b) => {
      const d = decodeArp(b);
      if (d.ok) expect(encodeArp(d.value)).toEqual(b.subarray(0, d.bytes));
    }));
  });
});
