import { ErrorHandling, UpdateSubcode } from '../errors.js';
import type { CodecContext } from '../messages/header.js';
import { decodeUpdateBody, encodeUpdate, type UpdateMessage } from '../messages/update.js';
import { decodeAttributes, encodeAttributes, type PathAttribute } from './index.js';

const ctx: CodecContext = { fourOctetAs: true };
const ebgp: CodecContext = { fourOctetAs: true, ebgp: true };
const ibgp: CodecContext = { fourOctetAs: true, ebgp: false };

const ORIGIN = [0x40, 0x01, 0x01, 0x00]; // IGP
const AS_PATH = [0x40, 0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfc, 0x00]; // AS_SEQUENCE [64512]
const NEXT_HOP = [0x40, 0x03, 0x04, 192, 0, 2, 1];

/** An announcement of 203.0.113.5/32 with the attribute bytes given (ORIGIN, AS_PATH, NEXT_HOP and `extra` by default). */
function update(extra: number[], c: CodecContext = ctx, attrs = [...ORIGIN, ...AS_PATH, ...NEXT_HOP, ...extra]): UpdateMessage {
  return decodeUpdateBody(Uint8Array.from([0, 0, attrs.length >> 8, attrs.length & 0xff, ...attrs, 32, 203, 0, 113, 5]), c);
}

const handlings = (m: UpdateMessage) => (m.errors ?? []).map((e) => [e.subcode, e.handling]);
const { AttributeDiscard: DISCARD, TreatAsWithdraw: WITHDRAW } = ErrorHandling;

describe('every attribute RFC 4271 and its updates define decodes and round-trips', () => {
  // In type code order, as they are encoded.
  const all: PathAttribute[] = [
    { kind: 'origin', value: 2 },
    { kind: 'asPath', segments: [{ type: 2, asns: [64512, 4200000001] }, { type: 1, asns: [65001, 65002] }] },
    { kind: 'nextHop', address: '192.0.2.1' },
    { kind: 'med', value: 10 },
    { kind: 'localPref', value: 200 },
    { kind: 'atomicAggregate' },
    { kind: 'aggregator', asn: 4200000001, address: '192.0.2.1' },
    { kind: 'communities', values: [0xfc000007, 0xffffff01] },
    { kind: 'originatorId', id: '192.0.2.12' },
    { kind: 'clusterList', ids: ['192.0.2.1', '192.0.2.2'] },
    { kind: 'mpReach', afi: 2, safi: 1, nextHops: ['2001:db8:0:1::1'], nlri: ['::/0', '2001:db8:0:3::/64'] },
    { kind: 'mpUnreach', afi: 2, safi: 1, withdrawn: ['2001:db8:0:4::/64'] },
    { kind: 'extendedCommunities', values: ['0002fc0000000009', '0003fc0000000001'] },
    { kind: 'ipv6ExtendedCommunities', values: ['000220010db8000000000000000000000001000a'] },
    { kind: 'unknown', code: 26, flags: 0x80, value: Uint8Array.of(1, 0, 11, 0, 0, 0, 0, 0, 0, 0, 0, 5) }, // AIGP, kept as bytes
    { kind: 'largeCommunities', values: [[64512, 1, 1]] },
    { kind: 'onlyToCustomer', value: 64512 },
  ];

  test('all at once, in an iBGP session', () => {
    const m = { withdrawn: ['203.0.113.9/32'], attributes: all, nlri: ['0.0.0.0/0', '198.51.100.0/24'] };
    expect(decodeUpdateBody(encodeUpdate(m, ibgp).subarray(19), ibgp)).toEqual({ type: 'update', ...m });
  });

  test('AGGREGATOR and AS4_AGGREGATOR with a 2-byte AS session', () => {
    const two: CodecContext = { fourOctetAs: false, ebgp: true };
    const attrs: PathAttribute[] = [{ kind: 'aggregator', asn: 23456, address: '192.0.2.1' }, { kind: 'as4Path', segments: [{ type: 2, asns: [4200000001] }] }, { kind: 'as4Aggregator', asn: 4200000001, address: '192.0.2.1' }];
    const bytes = encodeAttributes(attrs, two);
    // AGGREGATOR: flags 0xc0, type 7, 6 bytes: AS 23456 and the address.
    expect(bytes.subarray(0, 9).toString('hex')).toBe('c007065ba0c0000201');
    expect(decodeAttributes(bytes, two)).toEqual({ attributes: attrs, errors: [] });
  });
});

describe('RFC 7606: a malformed attribute costs what its table row says, never the session', () => {
  // Rows whose bytes start with ORIGIN replace the whole attribute list; the others add to a valid one.
  test.each<[string, number[], number, ErrorHandling]>([
    ['ORIGIN of 2 bytes', [0x40, 0x01, 0x02, 0, 0, ...AS_PATH, ...NEXT_HOP], UpdateSubcode.AttributeLength, WITHDRAW],
    ['ORIGIN 3', [0x40, 0x01, 0x01, 3, ...AS_PATH, ...NEXT_HOP], UpdateSubcode.InvalidOrigin, WITHDRAW],
    ['AS_PATH segment overrunning it', [...ORIGIN, 0x40, 0x02, 0x04, 0x02, 0x02, 0xfc, 0x00, ...NEXT_HOP], UpdateSubcode.MalformedAsPath, WITHDRAW],
    ['NEXT_HOP of 16 bytes', [...ORIGIN, ...AS_PATH, 0x40, 0x03, 0x10, ...new Array<number>(16).fill(1)], UpdateSubcode.AttributeLength, WITHDRAW],
    ['MED of 3 bytes', [0x80, 0x04, 0x03, 0, 0, 1], UpdateSubcode.AttributeLength, WITHDRAW],
    ['LOCAL_PREF of 2 bytes', [0x40, 0x05, 0x02, 0, 1], UpdateSubcode.AttributeLength, WITHDRAW],
    ['ATOMIC_AGGREGATE with a value', [0x40, 0x06, 0x01, 0], UpdateSubcode.AttributeLength, DISCARD],
    ['AGGREGATOR of 6 bytes on a 4-octet session', [0xc0, 0x07, 0x06, 0xfc, 0x00, 192, 0, 2, 1], UpdateSubcode.AttributeLength, DISCARD],
    ['COMMUNITIES of 0 bytes', [0xc0, 0x08, 0x00], UpdateSubcode.AttributeLength, WITHDRAW],
    ['ORIGINATOR_ID of 3 bytes', [0x80, 0x09, 0x03, 1, 2, 3], UpdateSubcode.AttributeLength, WITHDRAW],
    ['CLUSTER_LIST of 6 bytes', [0x80, 0x0a, 0x06, 1, 2, 3, 4, 5, 6], UpdateSubcode.AttributeLength, WITHDRAW],
    ['EXTENDED_COMMUNITIES of 7 bytes', [0xc0, 0x10, 0x07, 0, 2, 0xfc, 0, 0, 0, 9], UpdateSubcode.OptionalAttribute, WITHDRAW],
    ['AS4_PATH with a zero-length segment', [0xc0, 0x11, 0x02, 0x02, 0x00], UpdateSubcode.MalformedAsPath, DISCARD],
    ['AS4_AGGREGATOR of 6 bytes', [0xc0, 0x12, 0x06, 0xfc, 0x00, 192, 0, 2, 1], UpdateSubcode.AttributeLength, DISCARD],
    ['IPv6 extended communities of 8 bytes', [0xc0, 0x19, 0x08, 0, 2, 0xfc, 0, 0, 0, 0, 9], UpdateSubcode.OptionalAttribute, WITHDRAW],
    ['LARGE_COMMUNITY of 8 bytes', [0xc0, 0x20, 0x08, 0, 0, 0xfc, 0, 0, 0, 0, 1], UpdateSubcode.OptionalAttribute, WITHDRAW],
    ['ONLY_TO_CUSTOMER of 2 bytes', [0xc0, 0x23, 0x02, 0xfc, 0x00], UpdateSubcode.AttributeLength, WITHDRAW],
    ['ATOMIC_AGGREGATE marked optional', [0xc0, 0x06, 0x00], UpdateSubcode.AttributeFlags, DISCARD],
    ['COMMUNITIES marked non-transitive', [0x80, 0x08, 0x04, 0xfc, 0, 0, 7], UpdateSubcode.AttributeFlags, WITHDRAW],
    ['LOCAL_PREF marked optional', [0xc0, 0x05, 0x04, 0, 0, 0, 100], UpdateSubcode.AttributeFlags, WITHDRAW],
    ['a repeated ORIGIN', [0x80, 0x04, 0x04, 0, 0, 0, 1, 0x40, 0x01, 0x01, 0x02], UpdateSubcode.MalformedAttributeList, DISCARD],
  ])('%s', (_name, bytes, subcode, handling) => {
    const m = bytes[1] === 0x01 && bytes[0] === 0x40 ? update([], ctx, bytes) : update(bytes);
    expect(handlings(m)).toEqual([[subcode, handling]]);
    if (handling === WITHDRAW) expect(m).toMatchObject({ nlri: [], withdrawn: ['203.0.113.5/32'] });
    else expect(m).toMatchObject({ nlri: ['203.0.113.5/32'], withdrawn: [] });
    if (handling === DISCARD) expect(m.attributes.slice(0, 3)).toEqual([{ kind: 'origin', value: 0 }, expect.objectContaining({ kind: 'asPath' }), expect.objectContaining({ kind: 'nextHop' })]);
    if (handling === DISCARD) expect(m.attributes.filter((a) => a.kind !== 'med')).toHaveLength(3);
  });

  test('the strongest handling wins: a discard and a withdraw in one UPDATE withdraw it', () => {
    const m = update([0x40, 0x06, 0x01, 0, 0xc0, 0x08, 0x03, 1, 2, 3]);
    expect(handlings(m)).toEqual([[UpdateSubcode.AttributeLength, DISCARD], [UpdateSubcode.OptionalAttribute, WITHDRAW]]);
    expect(m.nlri).toEqual([]);
  });

  test('too few bytes left for an attribute header: treat-as-withdraw', () => {
    expect(handlings(update([0x40, 0x01]))).toEqual([[UpdateSubcode.MalformedAttributeList, WITHDRAW]]);
  });

  test('treat-as-withdraw also withdraws what MP_REACH_NLRI announced', () => {
    const mp = [0x80, 0x0e, 0x16, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]; // ::/0 via 2001:db8:0:1::1
    const m = update([...mp, 0xc0, 0x20, 0x01, 0]);
    expect(m.attributes).toEqual([{ kind: 'mpUnreach', afi: 2, safi: 1, withdrawn: ['::/0'] }]);
  });

  test('MP_REACH_NLRI alone needs ORIGIN and AS_PATH but no NEXT_HOP', () => {
    const mp = [0x80, 0x0e, 0x16, 0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0];
    const body = (attrs: number[]) => Uint8Array.from([0, 0, 0, attrs.length, ...attrs]);
    expect(decodeUpdateBody(body([0x40, 0x01, 0x01, 0, 0x40, 0x02, 0x00, ...mp]), ctx).errors).toBeUndefined();
    expect(handlings(decodeUpdateBody(body([0x40, 0x02, 0x00, ...mp]), ctx))).toEqual([[UpdateSubcode.MissingWellKnown, WITHDRAW]]);
  });

  test('families other than IP unicast/multicast in MP_REACH_NLRI are skipped, not misread', () => {
    // AFI 1 SAFI 128 (VPN): its NLRI would not parse as plain prefixes.
    const vpn = [0x80, 0x0e, 0x13, 0, 1, 128, 12, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 1, 0, 0x70, 0xff];
    const m = decodeUpdateBody(Uint8Array.from([0, 0, 0, vpn.length, ...vpn]), ctx);
    expect(m.attributes).toMatchObject([{ kind: 'mpReach', afi: 1, safi: 128, nlri: [] }]);
  });
});

describe('what an attribute means depends on the session', () => {
  test('LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST from an external peer are discarded, from an internal one kept', () => {
    const rr = [0x40, 0x05, 0x04, 0, 0, 0, 100, 0x80, 0x09, 0x04, 192, 0, 2, 12, 0x80, 0x0a, 0x04, 192, 0, 2, 1];
    const e = update(rr, ebgp);
    expect(handlings(e)).toEqual([[UpdateSubcode.MalformedAttributeList, DISCARD], [UpdateSubcode.MalformedAttributeList, DISCARD], [UpdateSubcode.MalformedAttributeList, DISCARD]]);
    expect(e.nlri).toEqual(['203.0.113.5/32']);
    const i = update(rr, ibgp);
    expect(i.errors).toBeUndefined();
    expect(i.attributes.map((a) => a.kind)).toEqual(['origin', 'asPath', 'nextHop', 'localPref', 'originatorId', 'clusterList']);
  });

  test('AS4_PATH from a 4-octet AS speaker is discarded (RFC 6793 §3)', () => {
    expect(handlings(update([0xc0, 0x11, 0x06, 0x02, 0x01, 0, 0, 0xfc, 0], ebgp))).toEqual([[UpdateSubcode.MalformedAttributeList, DISCARD]]);
  });

  test('a confederation segment from an external peer withdraws', () => {
    const m = decodeUpdateBody(Uint8Array.from([0, 0, 0, 20, 0x40, 0x01, 0x01, 0, 0x40, 0x02, 0x06, 0x03, 0x01, 0, 0, 0xfc, 0, 0x40, 0x03, 0x04, 192, 0, 2, 1, 32, 203, 0, 113, 5]), ebgp);
    expect(handlings(m)).toEqual([[UpdateSubcode.MalformedAsPath, WITHDRAW]]);
  });
});
