// SPDX-License-Identifier: Apache-2.0
/** The packetlink addon's fast path against respond(): on any frame, the same answer or none. */
import fc from 'fast-check';
import { formatIp } from '../../../../../lib/ip.js';
import { ARP_REPLY, ARP_REQUEST, arpFrame, arpProbeFrame } from '../wire/arp.js';
import { encodeEthernet } from '../wire/ethernet.js';
import { encodeIpv6 } from '../wire/ipv6.js';
import { formatMac } from '../../../../../lib/mac.js';
import { OPT_SOURCE_LLA, OPT_TARGET_LLA, type NdpOption } from '../wire/ndp-options.js';
import { dadProbeFrame, encodeNeighborSolicitation, multicastMac, solicitationFrame, solicitedNodeMulticast } from '../wire/ndp-ns.js';
import { answerTable, packetLinkAddon } from './packet-link.js';
import { respond } from '../decide/responder.js';

const addon = packetLinkAddon();
const US = '02:00:00:00:00:0b';
const CLIENT = '02:00:00:00:00:64';
const V4 = ['192.0.2.200', '192.0.2.201'];
const V6 = ['2001:db8:0:1::200', '2001:db8:0:1::201'];

/** The fast path's answer and respond()'s, for the same table (watched = answered, as the link is told). */
function both(frame: Uint8Array, mac = US, ips: readonly string[] = [...V4, ...V6]): { fast: string | null; js: string | null } {
  const set = new Set(ips);
  const r = respond(frame, { mac, answers: (ip) => (set.has(ip) ? true : 'notAnnounced'), watches: (ip) => set.has(ip) });
  const fast = addon.reply(...answerTable(mac, ips), frame);
  return { fast: fast ? Buffer.from(fast).toString('hex') : null, js: r.kind === 'reply' ? Buffer.from(r.frame).toString('hex') : null };
}

const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b));
const ours4 = fc.constantFrom(...V4);
const ours6 = fc.constantFrom(...V6);
const any4 = fc.oneof({ arbitrary: ours4, weight: 3 }, fc.constant('0.0.0.0'), fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => formatIp({ family: 4, bytes: b })));
const any6 = fc.oneof({ arbitrary: ours6, weight: 3 }, fc.constant('::'), fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIp({ family: 6, bytes: b })));
const option: fc.Arbitrary<NdpOption> = fc.oneof(
  fc.record({ type: fc.constantFrom(OPT_SOURCE_LLA, OPT_TARGET_LLA), mac }),
  fc.record({ type: fc.integer({ min: 3, max: 255 }), units: fc.integer({ min: 1, max: 2 }) }).chain(({ type, units }) =>
    fc.uint8Array({ minLength: units * 8 - 2, maxLength: units * 8 - 2 }).map((data) => ({ type, data }))),
);

const arp = fc.record({
  dst: fc.oneof(fc.constant('ff:ff:ff:ff:ff:ff'), fc.constant(US), mac),
  op: fc.constantFrom(ARP_REQUEST, ARP_REQUEST, ARP_REPLY),
  sha: fc.oneof(fc.constant(CLIENT), fc.constant(US), mac),
  spa: fc.oneof(fc.constant('192.0.2.100'), any4),
  tpa: any4,
  vlans: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 2 })),
}).map(({ dst, op, ...p }) => arpFrame(dst, { op, sha: p.sha, spa: p.spa, tha: '00:00:00:00:00:00', tpa: p.tpa }, p.vlans));

const ns = fc.record({
  src: fc.oneof(fc.constant(CLIENT), fc.constant(US), mac),
  ipSrc: any6,
  target: any6,
  multicast: fc.boolean(),
  hopLimit: fc.constantFrom(255, 255, 64),
  options: fc.array(option, { maxLength: 3 }),
  vlans: fc.oneof({ arbitrary: fc.constant([]), weight: 3 }, fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 1 })),
}).map((p) => {
  const dst = p.multicast ? solicitedNodeMulticast(p.target.startsWith('ff') ? V6[0] ?? '' : p.target) : V6[0] ?? '';
  const payload = encodeNeighborSolicitation({ target: p.target, options: p.options }, { src: p.ipSrc, dst });
  const packet = encodeIpv6({ trafficClass: 0, flowLabel: 0, nextHeader: 58, hopLimit: p.hopLimit, src: p.ipSrc, dst, payload });
  return encodeEthernet({ dst: p.multicast ? multicastMac(dst) : US, src: p.src, vlans: p.vlans, etherType: 0x86dd, payload: packet });
});

/** A frame with bytes flipped, cut short, or padded. */
const damaged = (frames: fc.Arbitrary<Uint8Array>) => fc.tuple(frames, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.option(fc.nat()), fc.nat({ max: 20 }))
  .map(([f, flips, cut, pad]) => {
    const out = new Uint8Array(f.length + pad);
    out.set(f);
    for (const [at, v] of flips) out[at % out.length] = v;
    return cut === null ? out : out.subarray(0, cut % (out.length + 1));
  });

describe('packetlink fast path', () => {
  test('answers who-has, ARP probes, NS and DAD probes for our addresses exactly as respond() does', () => {
    const frames = [
      arpFrame('ff:ff:ff:ff:ff:ff', { op: ARP_REQUEST, sha: CLIENT, spa: '192.0.2.100', tha: '00:00:00:00:00:00', tpa: '192.0.2.200' }),
      arpFrame(US, { op: ARP_REQUEST, sha: CLIENT, spa: '192.0.2.100', tha: '00:00:00:00:00:00', tpa: '192.0.2.201' }),
      arpProbeFrame(CLIENT, '192.0.2.200'),
      solicitationFrame(CLIENT, '2001:db8:0:1::100', '2001:db8:0:1::200'),
      dadProbeFrame(CLIENT, '2001:db8:0:1::201'),
    ];
    for (const f of frames) {
      const { fast, js } = both(f);
      expect(js).not.toBeNull();
      expect(fast).toBe(js);
    }
  });

  test('leaves to respond() what is not a plain answer: conflicts, tagged frames, others\' addresses', () => {
    const frames = [
      // someone else sending from our address: a conflict
      arpFrame('ff:ff:ff:ff:ff:ff', { op: ARP_REQUEST, sha: CLIENT, spa: '192.0.2.201', tha: '00:00:00:00:00:00', tpa: '192.0.2.200' }),
      arpFrame('ff:ff:ff:ff:ff:ff', { op: ARP_REQUEST, sha: CLIENT, spa: '192.0.2.100', tha: '00:00:00:00:00:00', tpa: '192.0.2.200' }, [100]),
      arpFrame('ff:ff:ff:ff:ff:ff', { op: ARP_REQUEST, sha: CLIENT, spa: '192.0.2.100', tha: '00:00:00:00:00:00', tpa: '192.0.2.99' }),
      solicitationFrame(CLIENT, '2001:db8:0:1::100', '2001:db8:0:1::200', [100]),
    ];
    for (const f of frames) expect(both(f).fast).toBeNull();
  });

  test('on any untagged ARP or NS, whole or damaged: the same reply as respond(), or none where it sends none', () => {
    const answered = { arp: 0, ns: 0 };
    fc.assert(fc.property(fc.oneof(arp, ns, damaged(arp), damaged(ns)), fc.oneof(fc.constant([...V4, ...V6]), fc.subarray([...V4, ...V6])), (frame, ips) => {
      const { fast, js } = both(frame, US, ips);
      const type = frame.length >= 14 ? ((frame[12] ?? 0) << 8) | (frame[13] ?? 0) : 0;
      if (fast !== null) {
        expect(fast).toBe(js);
        answered[type === 0x0806 ? 'arp' : 'ns']++;
      } else if (type === 0x0806 || type === 0x86dd) expect(js).toBeNull();
    }), { numRuns: 3000 });
    // the reply case itself was compared, many times over
    expect(answered.arp).toBeGreaterThan(30);
    expect(answered.ns).toBeGreaterThan(30);
  });
});
