import fc from 'fast-check';
import type { Codec } from '../../../../../lib/codec.js';
import { decodedValue, decodeError, expectDecodesAnyBytes, expectReencodes, expectRoundTrips } from '../../../../../test/helpers/codec.js';
import { BgpProtocolError, ErrorCode, ErrorHandling, HeaderSubcode, OpenSubcode, UpdateSubcode } from '../errors.js';
import type { Capability } from '../capabilities/index.js';
import type { PathAttribute } from '../attributes/index.js';
import { isDecoderBug, type CodecContext } from './header.js';
import { decodeMessage, splitMessages, type BgpMessage } from './index.js';
import { encodeKeepalive, keepaliveCodec } from './keepalive.js';
import { encodeNotification, notificationCodec } from './notification.js';
import { decodeOpen, encodeOpen, openCodec, openFor, peerAsOf, type OpenMessage } from './open.js';
import { encodeRouteRefresh, routeRefreshCodec } from './route-refresh.js';
import { encodeUpdate, updateCodec, type UpdateMessage } from './update.js';

const ctx4 = { fourOctetAs: true };
const ctx2 = { fourOctetAs: false };
const marker = new Array<number>(16).fill(0xff);

/** Each message's codec, by the type decodeMessage names. */
const codecs = { open: openCodec, update: updateCodec, keepalive: keepaliveCodec, notification: notificationCodec, routeRefresh: routeRefreshCodec } as unknown as Record<BgpMessage['type'], Codec<BgpMessage, BgpProtocolError, CodecContext>>;

/** decodeMessage reads the bytes, and the message's own codec decodes them too and encodes them back. */
function roundTrip(bytes: Buffer, ctx = ctx4): void {
  const m = decodedValue(decodeMessage(bytes, ctx));
  expect(expectReencodes(codecs[m.type], bytes, ctx)).toEqual(m);
}

function expectError(bytes: Uint8Array, code: number, subcode: number, ctx = ctx4): BgpProtocolError {
  const e = decodeError(decodeMessage(bytes, ctx));
  expect(e).toBeInstanceOf(BgpProtocolError);
  expect({ code: (e as BgpProtocolError).code, subcode: (e as BgpProtocolError).subcode }).toEqual({ code, subcode });
  return e as BgpProtocolError;
}

const fullOpen: OpenMessage = openFor(4200000001, 90, '192.0.2.11', [
  { kind: 'multiprotocol', afi: 1, safi: 1 },
  { kind: 'multiprotocol', afi: 2, safi: 1 },
  { kind: 'routeRefresh' },
  { kind: 'fourOctetAs', asn: 4200000001 },
  { kind: 'gracefulRestart', restarting: true, notification: false, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: true }] },
  { kind: 'unknown', code: 73, value: Uint8Array.of(5, 104, 111, 115, 116, 0) },
]);

describe('OPEN', () => {
  test('annotated bytes decode to the fields', () => {
    const bytes = Uint8Array.from([
      ...marker, 0x00, 0x25, 0x01, // length 37, OPEN
      0x04, // version 4
      0xfd, 0xe8, // My AS 65000
      0x00, 0xb4, // hold 180
      0xc0, 0x00, 0x02, 0x01, // BGP ID 192.0.2.1
      0x08, // optional parameters length
      0x02, 0x06, // capabilities parameter, 6 bytes
      0x41, 0x04, 0x00, 0x00, 0xfd, 0xe8, // 4-octet AS 65000
    ]);
    const m = decodedValue(decodeMessage(bytes, ctx2));
    expect(m).toEqual({ type: 'open', version: 4, myAs: 65000, holdTime: 180, routerId: '192.0.2.1', capabilities: [{ kind: 'fourOctetAs', asn: 65000 }] });
    roundTrip(Buffer.from(bytes));
  });

  test('every capability round-trips, unknown ones kept', () => {
    const bytes = encodeOpen(fullOpen);
    const m = decodedValue(decodeMessage(bytes, ctx4)) as OpenMessage;
    expect(m.myAs).toBe(23456);
    expect(peerAsOf(m)).toBe(4200000001);
    expect(m.capabilities).toEqual(fullOpen.capabilities);
    roundTrip(bytes);
  });

  test('version 3 is refused with the supported version in the data', () => {
    const b = encodeOpen(fullOpen);
    b[19] = 3;
    const e = expectError(b, ErrorCode.OpenMessage, OpenSubcode.UnsupportedVersion);
    expect(Array.from(e.data)).toEqual([0, 4]);
  });

  test('an optional parameter other than capabilities is unsupported', () => {
    const bytes = Uint8Array.from([...marker, 0x00, 0x20, 0x01, 4, 0xfd, 0xe8, 0, 90, 192, 0, 2, 1, 3, /* param type 1 */ 1, 1, 0]);
    expectError(bytes, ErrorCode.OpenMessage, OpenSubcode.UnsupportedOptionalParameter);
  });

  test('RFC 9072 extended optional parameters decode', () => {
    const caps = [0x41, 0x04, 0x00, 0x00, 0xfd, 0xe8];
    const body = [4, 0xfd, 0xe8, 0, 90, 192, 0, 2, 1, 255, 255, 0, 3 + caps.length, 2, 0, caps.length, ...caps];
    const bytes = Uint8Array.from([...marker, 0, 19 + body.length, 1, ...body]);
    expect((decodedValue(decodeMessage(bytes, ctx2)) as OpenMessage).capabilities).toEqual([{ kind: 'fourOctetAs', asn: 65000 }]);
  });
});

describe('header', () => {
  test('broken marker: connection not synchronized', () => {
    const b = encodeKeepalive();
    b[3] = 0;
    expectError(b, ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized);
  });
  test('KEEPALIVE longer than 19 bytes: bad length with the length as data', () => {
    const e = expectError(Uint8Array.from([...marker, 0x00, 0x14, 0x04, 0x00]), ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength);
    expect(Array.from(e.data)).toEqual([0x00, 0x14]);
  });
  test('type 9: bad message type', () => {
    expectError(Uint8Array.from([...marker, 0x00, 0x13, 0x09]), ErrorCode.MessageHeader, HeaderSubcode.BadMessageType);
  });
  test('stream splitting keeps a partial tail', () => {
    const ka = encodeKeepalive();
    const open = encodeOpen(fullOpen);
    const all = Buffer.concat([ka, open, ka.subarray(0, 7)]);
    const split = splitMessages(all);
    expect(split.messages.map((m) => m.length)).toEqual([19, open.length]);
    expect(all.length - split.bytes).toBe(7);
    expect(split.error).toBeUndefined();
  });

  test('stream splitting stops at a bad header, with the messages ahead of it and its error', () => {
    const ka = encodeKeepalive();
    const split = splitMessages(Buffer.concat([ka, Buffer.alloc(19, 0)]));
    expect(split.messages).toHaveLength(1);
    expect(split.bytes).toBe(19);
    expect(split.error).toMatchObject({ code: ErrorCode.MessageHeader, subcode: HeaderSubcode.ConnectionNotSynchronized });
  });
});

const attrsV4: PathAttribute[] = [
  { kind: 'origin', value: 0 },
  { kind: 'asPath', segments: [{ type: 2, asns: [64513] }] },
  { kind: 'nextHop', address: '192.0.2.11' },
  { kind: 'med', value: 7 },
  { kind: 'localPref', value: 150 },
  { kind: 'communities', values: [0xfc000064, 0xffffff01] },
  { kind: 'largeCommunities', values: [[64512, 1, 2]] },
];

describe('UPDATE', () => {
  test('IPv4 with communities, large communities and local-pref round-trips', () => {
    const m: Omit<UpdateMessage, 'type'> = { withdrawn: ['203.0.113.9/32'], attributes: attrsV4, nlri: ['203.0.113.5/32', '203.0.113.0/24', '0.0.0.0/0'] };
    const bytes = encodeUpdate(m, ctx4);
    expect(decodedValue(decodeMessage(bytes, ctx4))).toEqual({ type: 'update', ...m });
    roundTrip(bytes);
  });

  test('IPv6 MP_REACH with global and link-local next hops, MP_UNREACH', () => {
    const m: Omit<UpdateMessage, 'type'> = {
      withdrawn: [],
      attributes: [
        { kind: 'origin', value: 0 },
        { kind: 'asPath', segments: [{ type: 2, asns: [70000, 64513] }] },
        { kind: 'mpReach', afi: 2, safi: 1, nextHops: ['2001:db8:0:1::11', 'fe80::1'], nlri: ['2001:db8:0:2::5/128', '2001:db8::/32'] },
        { kind: 'mpUnreach', afi: 2, safi: 1, withdrawn: ['2001:db8:0:2::9/128'] },
      ],
      nlri: [],
    };
    const bytes = encodeUpdate(m, ctx4);
    expect(decodedValue(decodeMessage(bytes, ctx4))).toEqual({ type: 'update', ...m });
    roundTrip(bytes);
  });

  test('2-byte AS_PATH when 4-octet AS is not negotiated', () => {
    const bytes = encodeUpdate({ withdrawn: [], attributes: [{ kind: 'asPath', segments: [{ type: 2, asns: [64513, 64514] }] }], nlri: [] }, ctx2);
    // withdrawn length 0, attributes length 9: flags 0x40, type 2, length 6, AS_SEQUENCE of 2, 64513 and 64514 in 2 bytes
    expect(bytes.subarray(19).toString('hex')).toBe('0000' + '0009' + '400206' + '0202' + 'fc01fc02');
  });

  test('a bad ORIGIN withdraws the NLRI instead of resetting the session', () => {
    const bytes = encodeUpdate({ withdrawn: [], attributes: attrsV4, nlri: ['203.0.113.5/32'] }, ctx4);
    const at = bytes.indexOf(Buffer.from([0x40, 0x01, 0x01]));
    bytes[at + 3] = 7; // ORIGIN 7
    const m = decodedValue(decodeMessage(bytes, ctx4)) as UpdateMessage;
    expect(m.nlri).toEqual([]);
    expect(m.withdrawn).toEqual(['203.0.113.5/32']);
    expect(m.errors?.map((e) => ({ code: e.code, subcode: e.subcode, handling: e.handling }))).toEqual([{ code: ErrorCode.UpdateMessage, subcode: UpdateSubcode.InvalidOrigin, handling: ErrorHandling.TreatAsWithdraw }]);
  });

  test('a COMMUNITIES length not a multiple of 4 is treat-as-withdraw', () => {
    const body = [0, 0, 0, 20,
      0x40, 0x01, 0x01, 0x00, // ORIGIN IGP
      0x40, 0x02, 0x00, // empty AS_PATH
      0x40, 0x03, 0x04, 192, 0, 2, 11, // NEXT_HOP
      0xc0, 0x08, 0x03, 1, 2, 3, // COMMUNITIES, bad length 3
      32, 203, 0, 113, 5];
    const m = decodedValue(decodeMessage(Uint8Array.from([...marker, 0, 19 + body.length, 2, ...body]), ctx4)) as UpdateMessage;
    expect(m.errors?.map((e) => e.subcode)).toEqual([UpdateSubcode.OptionalAttribute]);
    expect(m.withdrawn).toEqual(['203.0.113.5/32']);
  });

  test('missing NEXT_HOP with NLRI is treat-as-withdraw', () => {
    const bytes = encodeUpdate({ withdrawn: [], attributes: attrsV4.filter((a) => a.kind !== 'nextHop'), nlri: ['203.0.113.5/32'] }, ctx4);
    expect((decodedValue(decodeMessage(bytes, ctx4)) as UpdateMessage).errors?.map((e) => e.subcode)).toEqual([UpdateSubcode.MissingWellKnown]);
  });

  test('a repeated attribute is discarded, a repeated MP_REACH resets', () => {
    const origin = [0x40, 0x01, 0x01, 0x00];
    const body = [0, 0, 0, 8, ...origin, ...origin];
    const m = decodedValue(decodeMessage(Uint8Array.from([...marker, 0, 19 + body.length, 2, ...body]), ctx4)) as UpdateMessage;
    expect(m.attributes).toEqual([{ kind: 'origin', value: 0 }]);
    const mp = [0x80, 0x0f, 0x03, 0, 2, 1];
    const body2 = [0, 0, 0, 12, ...mp, ...mp];
    expectError(Uint8Array.from([...marker, 0, 19 + body2.length, 2, ...body2]), ErrorCode.UpdateMessage, UpdateSubcode.MalformedAttributeList);
  });

  test('an attribute overrunning the list withdraws the NLRI (the total length still locates it); an overrunning MP_REACH resets', () => {
    const body = [0, 0, 0, 4, 0x40, 0x01, 0x09, 0x00, 32, 203, 0, 113, 5];
    const m = decodedValue(decodeMessage(Uint8Array.from([...marker, 0, 19 + body.length, 2, ...body]), ctx4)) as UpdateMessage;
    expect(m).toMatchObject({ nlri: [], withdrawn: ['203.0.113.5/32'] });
    expect(m.errors?.map((e) => [e.subcode, e.handling])).toEqual([[UpdateSubcode.AttributeLength, ErrorHandling.TreatAsWithdraw]]);
    const mp = [0, 0, 0, 4, 0x80, 0x0e, 0x09, 0x00];
    expectError(Uint8Array.from([...marker, 0, 19 + mp.length, 2, ...mp]), ErrorCode.UpdateMessage, UpdateSubcode.AttributeLength);
  });

  test('an NLRI prefix longer than 32 bits is an invalid network field', () => {
    const body = [0, 0, 0, 0, 33, 1, 2, 3, 4, 5];
    expectError(Uint8Array.from([...marker, 0, 19 + body.length, 2, ...body]), ErrorCode.UpdateMessage, UpdateSubcode.InvalidNetworkField);
  });

  test('unknown optional attributes are kept; unknown well-known ones reset', () => {
    const body = [0, 0, 0, 5, 0xc0, 0x63, 0x02, 0xab, 0xcd];
    const m = decodedValue(decodeMessage(Uint8Array.from([...marker, 0, 19 + body.length, 2, ...body]), ctx4)) as UpdateMessage;
    expect(m.attributes).toEqual([{ kind: 'unknown', code: 0x63, flags: 0xc0, value: Uint8Array.of(0xab, 0xcd) }]);
    roundTrip(Buffer.from([...marker, 0, 19 + body.length, 2, ...body]));
    const bad = [0, 0, 0, 5, 0x40, 0x63, 0x02, 0xab, 0xcd];
    expectError(Uint8Array.from([...marker, 0, 19 + bad.length, 2, ...bad]), ErrorCode.UpdateMessage, UpdateSubcode.UnrecognizedWellKnown);
  });
});

describe('NOTIFICATION, ROUTE-REFRESH', () => {
  test('round trips', () => {
    roundTrip(encodeNotification({ code: 6, subcode: 2, data: Uint8Array.of(3, 98, 121, 101) }));
    roundTrip(encodeRouteRefresh({ afi: 2, safi: 1, subtype: 0 }));
  });
});

describe('fuzz', () => {
  // decodeMessage turns a decoder's own exception into a header error with subcode 0: no input may reach that.
  const isOk = (bytes: Uint8Array, ctx: { fourOctetAs: boolean }) => {
    const d = decodeMessage(bytes, ctx);
    if (!d.ok && isDecoderBug(d.error)) throw d.error;
  };

  test('a decoder bug is reported as a header error with subcode 0 (what the properties below rule out)', () => {
    const broken = { get fourOctetAs(): boolean { throw new RangeError('boom'); } };
    const withAsPath = encodeUpdate({ withdrawn: [], attributes: [{ kind: 'asPath', segments: [] }], nlri: [] }, ctx4);
    expect(() => isOk(withAsPath, broken)).toThrow(/cannot decode message type 2: boom/);
  });

  test('arbitrary bytes: a message or a protocol error, never a decoder bug', () => {
    for (const fourOctetAs of [true, false]) {
      expectDecodesAnyBytes({ decode: decodeMessage }, { fourOctetAs }, { bytes: fc.uint8Array({ maxLength: 200 }), bug: isDecoderBug, numRuns: 1500 });
    }
  });

  test('valid header, arbitrary body of every type', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.uint8Array({ maxLength: 300 }), fc.boolean(), (type, body, four) => {
      isOk(Uint8Array.from([...marker, (19 + body.length) >> 8, (19 + body.length) & 0xff, type, ...body]), { fourOctetAs: four });
    }), { numRuns: 5000 });
  });

  test('mutated valid messages (one byte flipped)', () => {
    const seeds = [encodeOpen(fullOpen), encodeUpdate({ withdrawn: ['203.0.113.9/32'], attributes: attrsV4, nlri: ['203.0.113.5/32'] }, ctx4)];
    fc.assert(fc.property(fc.integer({ min: 0, max: 1 }), fc.nat(), fc.integer({ min: 0, max: 255 }), (s, pos, val) => {
      const b = Buffer.from(seeds[s] ?? Buffer.alloc(0));
      b[19 + (pos % (b.length - 19))] = val;
      isOk(b, ctx4);
    }), { numRuns: 5000 });
  });

  test('property: generated UPDATEs round-trip', () => {
    const v4prefix = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, len]) => {
      const n = ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
      const masked = len === 0 ? 0 : (n & (~0 << (32 - len))) >>> 0;
      return `${[24, 16, 8, 0].map((s) => (masked >>> s) & 255).join('.')}/${len}`;
    });
    fc.assert(fc.property(
      fc.array(v4prefix, { maxLength: 20 }),
      fc.array(fc.nat({ max: 0xffffffff }), { minLength: 1, maxLength: 10 }),
      fc.array(fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })), { minLength: 1, maxLength: 5 }),
      fc.nat({ max: 0xffffffff }),
      (nlri, comms, large, lp) => {
        const m: Omit<UpdateMessage, 'type'> = {
          withdrawn: [],
          attributes: [
            { kind: 'origin', value: 0 },
            { kind: 'asPath', segments: [] },
            { kind: 'nextHop', address: '192.0.2.11' },
            { kind: 'localPref', value: lp },
            { kind: 'communities', values: comms },
            { kind: 'largeCommunities', values: large },
          ],
          nlri,
        };
        expect(decodedValue(decodeMessage(encodeUpdate(m, ctx4), ctx4))).toEqual({ type: 'update', ...m });
      },
    ));
  });

  test('property: every message codec round-trips, encodingLength included', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const caps: fc.Arbitrary<Capability[]> = fc.subarray([
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'routeRefresh' },
      { kind: 'gracefulRestart', restarting: false, notification: true, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingPreserved: false }] },
    ] as Capability[]);
    const open = fc.record({ asn: fc.integer({ min: 1, max: 0xffffffff }), hold: u16, id: fc.ipV4(), caps })
      .map(({ asn, hold, id, caps }) => openFor(asn, hold, id, [...caps, { kind: 'fourOctetAs', asn }]));
    expectRoundTrips(openCodec, open, undefined);
    expectRoundTrips(keepaliveCodec, fc.constant({ type: 'keepalive' as const }), undefined);
    expectRoundTrips(notificationCodec, fc.record({ type: fc.constant('notification' as const), code: fc.integer({ min: 1, max: 7 }), subcode: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 64 }) }), undefined);
    expectRoundTrips(routeRefreshCodec, fc.record({ type: fc.constant('routeRefresh' as const), afi: u16, safi: fc.integer({ min: 0, max: 255 }), subtype: fc.integer({ min: 0, max: 255 }) }), undefined);
    expectRoundTrips(updateCodec, fc.record({ type: fc.constant('update' as const), withdrawn: fc.constant([]), nlri: fc.constant(['203.0.113.5/32']), attributes: fc.constant(attrsV4) }), ctx4);
  });

  test('OPEN encodes and decodes whole messages, header included; a message of another type is refused', () => {
    expect(decodedValue(decodeOpen(encodeOpen(fullOpen)))).toEqual(fullOpen);
    expect(decodeError(decodeOpen(encodeKeepalive()))).toMatchObject({ code: ErrorCode.MessageHeader, subcode: HeaderSubcode.BadMessageType });
  });
});
