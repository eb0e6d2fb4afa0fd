// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { formatIp } from '../../../../../lib/ip.js';
import { icmpv6Checksum } from './checksum.js';
import { expectDecodesAnyBytes, expectRoundTrips } from '../../../../../test/helpers/codec.js';
import { decodeIpv6, encodeIpv6, ipv6Bytes, ipv6Codec } from './ipv6.js';
import { formatMac } from '../../../../../lib/mac.js';
import { neighborAdvertisementCodec, solicitedNaFrame, unsolicitedNaFrame, type NeighborAdvertisement } from './ndp-na.js';
import { OPT_SOURCE_LLA, OPT_TARGET_LLA, decodeNdpOptions, ndpOptionsCodec, type NdpOption } from './ndp-options.js';
import { dadProbeFrame, decodeNeighborSolicitation, encodeNeighborSolicitation, multicastMac, neighborSolicitationCodec, solicitationFrame, solicitedNodeMulticast } from './ndp-ns.js';
import { decodeFrame } from './frame.js';

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b));
const unicast6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => {
  b[0] = 0x20; // never multicast
  return formatIp({ family: 6, bytes: b });
});
const option: fc.Arbitrary<NdpOption> = fc.oneof(
  fc.record({ type: fc.constantFrom(OPT_SOURCE_LLA, OPT_TARGET_LLA), mac }),
  // Unknown options keep their value, padded to whole 8-octet units.
  fc.record({ type: fc.integer({ min: 3, max: 255 }), units: fc.integer({ min: 1, max: 4 }) }).chain(({ type, units }) =>
    fc.uint8Array({ minLength: units * 8 - 2, maxLength: units * 8 - 2 }).map((data) => ({ type, data })),
  ),
);

// A client at 2001:db8:0:1::100 asking for 2001:db8:0:1::200.
const SRC = '2001:db8:0:1::100';
const DST = solicitedNodeMulticast('2001:db8:0:1::200');

describe('ndp options', () => {
  test('round-trip', () => {
    expectRoundTrips(ndpOptionsCodec, fc.array(option, { maxLength: 4 }), undefined);
    expectDecodesAnyBytes(ndpOptionsCodec, undefined, { reasons: ['truncated', 'badOption'] });
  });

  test('a zero length is refused (it would never end)', () => {
    expect(decodeNdpOptions(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0]))).toEqual({ ok: false, error: { reason: 'badOption' } });
    expect(decodeNdpOptions(Uint8Array.from([1, 2, 0, 0, 0, 0, 0, 0]))).toEqual({ ok: false, error: { reason: 'truncated' } });
  });
});

describe('neighbor solicitation', () => {
  test('solicited-node group and its MAC', () => {
    expect(solicitedNodeMulticast('2001:db8:0:1::200')).toBe('ff02::1:ff00:200');
    expect(multicastMac('ff02::1:ff00:200')).toBe('33:33:ff:00:02:00');
  });

  test('round-trip, with a checksum that verifies', () => {
    const asked = fc.record({ src: unicast6, target: unicast6, options: fc.array(option, { maxLength: 3 }) });
    expectRoundTrips(neighborSolicitationCodec, asked.map(({ target, options }) => ({ target, options })), { src: SRC, dst: DST });
    fc.assert(fc.property(asked, ({ src, target, options }) => {
      const dst = solicitedNodeMulticast(target);
      const body = encodeNeighborSolicitation({ target, options }, { src, dst });
      expect(icmpv6Checksum(ipv6Bytes(src), ipv6Bytes(dst), body)).toBe(0);
      expect(decodeNeighborSolicitation(body, { src, dst })).toEqual({ ok: true, value: { target, options }, bytes: body.length });
    }));
    expectDecodesAnyBytes(neighborSolicitationCodec, { src: SRC, dst: DST });
  });

  test('a flipped bit fails the checksum', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 32 * 8 - 1 }), (bit) => {
      const body = encodeNeighborSolicitation({ target: '2001:db8:0:1::200', options: [{ type: OPT_SOURCE_LLA, mac: '02:00:00:00:00:64' }] }, { src: SRC, dst: DST });
      body[bit >> 3] = (body[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      const d = decodeNeighborSolicitation(body, { src: SRC, dst: DST });
      expect(d.ok).toBe(false);
    }));
  });

  test('the DAD probe comes from :: to the solicited-node group, without a source link-layer option', () => {
    const f = decodeFrame(dadProbeFrame('02:00:00:00:00:0b', '2001:db8:0:1::200'));
    if (!f.ok || f.value.kind !== 'ns') throw new Error('not an NS');
    expect(f.value.eth.dst).toBe('33:33:ff:00:02:00');
    expect(f.value.ip).toMatchObject({ src: '::', dst: 'ff02::1:ff00:200', hopLimit: 255 });
    expect(f.value.ns).toEqual({ target: '2001:db8:0:1::200', options: [] });
  });

  test('a client NS decodes with its source link-layer option', () => {
    const f = decodeFrame(solicitationFrame('02:00:00:00:00:64', SRC, '2001:db8:0:1::200'));
    if (!f.ok || f.value.kind !== 'ns') throw new Error('not an NS');
    expect(f.value.ns.options).toEqual([{ type: OPT_SOURCE_LLA, mac: '02:00:00:00:00:64' }]);
  });
});

describe('neighbor advertisement', () => {
  const na: fc.Arbitrary<NeighborAdvertisement> = fc.record({
    router: fc.boolean(), solicited: fc.boolean(), override: fc.boolean(), target: unicast6, options: fc.array(option, { maxLength: 3 }),
  });

  test('round-trip', () => {
    // Sent from the target itself, as naFrame does.
    expectRoundTrips(neighborAdvertisementCodec, na, (a) => ({ src: a.target, dst: SRC }));
    expectDecodesAnyBytes(neighborAdvertisementCodec, { src: SRC, dst: DST });
  });

  test('the solicited answer goes to the asker with S and O set and our MAC', () => {
    const f = decodeFrame(solicitedNaFrame('02:00:00:00:00:0b', '2001:db8:0:1::200', SRC, '02:00:00:00:00:64'));
    if (!f.ok || f.value.kind !== 'na') throw new Error('not an NA');
    expect(f.value.eth).toMatchObject({ dst: '02:00:00:00:00:64', src: '02:00:00:00:00:0b' });
    expect(f.value.ip).toMatchObject({ dst: SRC, hopLimit: 255 });
    expect(f.value.na).toEqual({ router: false, solicited: true, override: true, target: '2001:db8:0:1::200', options: [{ type: OPT_TARGET_LLA, mac: '02:00:00:00:00:0b' }] });
  });

  test('a DAD probe is answered to all-nodes without S', () => {
    const f = decodeFrame(solicitedNaFrame('02:00:00:00:00:0b', '2001:db8:0:1::200', '::', '02:00:00:00:00:64'));
    if (!f.ok || f.value.kind !== 'na') throw new Error('not an NA');
    expect(f.value.ip.dst).toBe('ff02::1');
    expect(f.value.na.solicited).toBe(false);
  });

  test('unsolicited NA: all-nodes, override, no solicited flag', () => {
    const f = decodeFrame(unsolicitedNaFrame('02:00:00:00:00:0b', '2001:db8:0:1::201', [7]));
    if (!f.ok || f.value.kind !== 'na') throw new Error('not an NA');
    expect(f.value.eth).toMatchObject({ dst: '33:33:00:00:00:01', vlans: [7] });
    expect(f.value.na).toMatchObject({ solicited: false, override: true, target: '2001:db8:0:1::201' });
  });
});

describe('ipv6 header', () => {
  test('round-trip', () => {
    const packet = fc.record({ trafficClass: fc.integer({ min: 0, max: 255 }), flowLabel: fc.integer({ min: 0, max: 0xfffff }), nextHeader: fc.constant(58), hopLimit: fc.integer({ min: 0, max: 255 }), src: unicast6, dst: unicast6, payload: fc.uint8Array({ maxLength: 64 }) });
    expectRoundTrips(ipv6Codec, packet, undefined, { expected: (p) => ({ ...p, payload: Uint8Array.from(p.payload) }) });
    expectDecodesAnyBytes(ipv6Codec, undefined, { reasons: ['truncated', 'badIpVersion'] });
  });

  test('version 4 bytes and short payloads are drops', () => {
    const b = encodeIpv6({ trafficClass: 0, flowLabel: 0, nextHeader: 58, hopLimit: 255, src: SRC, dst: DST, payload: new Uint8Array(8) });
    expect(decodeIpv6(b.subarray(0, 44))).toEqual({ ok: false, error: { reason: 'truncated' } });
    b[0] = 0x45;
    expect(decodeIpv6(b)).toEqual({ ok: false, error: { reason: 'badIpVersion' } });
  });
});
