// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { expectDecodesAnyBytes, expectRoundTrips } from '../../../../../test/helpers/codec.js';
import { decodeEthernet, ethernetCodec, vlanId, ETHERTYPE_ARP, type EthernetFrame } from './ethernet.js';
import { formatMac } from '../../../../../lib/mac.js';

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b));
const frame: fc.Arbitrary<EthernetFrame> = fc.record({
  dst: mac,
  src: mac,
  vlans: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 2 }),
  etherType: fc.integer({ min: 0x0600, max: 0xffff }).filter((t) => t !== 0x8100 && t !== 0x88a8),
  payload: fc.uint8Array({ maxLength: 100 }),
});

describe('ethernet', () => {
  test('round-trips any frame, tagged or not', () => {
    expectRoundTrips(ethernetCodec, frame, undefined, { expected: (f) => ({ ...f, payload: Uint8Array.from(f.payload) }) });
  });

  test('reads an 802.1Q tag', () => {
    const b = Uint8Array.from([
      0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // dst broadcast
      0x02, 0, 0, 0, 0, 1, // src
      0x81, 0x00, 0x20, 0x64, // 802.1Q, PCP 1, VID 100
      0x08, 0x06, // ARP
      0xaa,
    ]);
    const d = decodeEthernet(b);
    if (!d.ok) throw new Error(d.error.reason);
    expect(d.value.vlans.map(vlanId)).toEqual([100]);
    expect(d.value.etherType).toBe(ETHERTYPE_ARP);
    expect(Array.from(d.value.payload)).toEqual([0xaa]);
  });

  test('any bytes decode or give a reason', () => {
    expectDecodesAnyBytes(ethernetCodec, undefined, { reasons: ['truncated', 'unsupportedEtherType'] });
  });

  test('short frames, cut tags and 802.3 lengths are drops', () => {
    expect(decodeEthernet(new Uint8Array(13))).toEqual({ ok: false, error: { reason: 'truncated' } });
    const cut = new Uint8Array(16);
    cut.set([0x81, 0x00], 12);
    expect(decodeEthernet(cut)).toEqual({ ok: false, error: { reason: 'truncated' } });
    const llc = new Uint8Array(20);
    llc.set([0x00, 0x2e], 12);
    expect(decodeEthernet(llc)).toEqual({ ok: false, error: { reason: 'unsupportedEtherType' } });
  });
});
