// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { ARP_REPLY, ARP_REQUEST, arpFrame, arpProbeFrame, gratuitousArpFrame } from '../wire/arp.js';
import { decodeFrame } from '../wire/frame.js';
import { unsolicitedNaFrame } from '../wire/ndp-na.js';
import { dadProbeFrame, encodeNeighborSolicitation, solicitationFrame } from '../wire/ndp-ns.js';
import { encodeEthernet } from '../wire/ethernet.js';
import { encodeIpv6 } from '../wire/ipv6.js';
import { respond, type Answer, type LinkView } from './responder.js';

const US = '02:00:00:00:00:0b';
const CLIENT = '02:00:00:00:00:64';
const OTHER = '02:00:00:00:00:99';

function view(owned: Record<string, Answer>, watched: string[] = Object.keys(owned)): LinkView {
  return { mac: US, answers: (ip) => owned[ip] ?? 'notAnnounced', watches: (ip) => watched.includes(ip) };
}

const whoHas = (tpa: string, dst = 'ff:ff:ff:ff:ff:ff'): Uint8Array =>
  arpFrame(dst, { op: ARP_REQUEST, sha: CLIENT, spa: '192.0.2.100', tha: '00:00:00:00:00:00', tpa });

describe('respond', () => {
  test('table', () => {
    const owned = view({ '192.0.2.200': true, '192.0.2.201': 'interfaceNotAllowed', '2001:db8:0:1::200': true });
    const cases: Array<{ desc: string; frame: Uint8Array; want: { kind: string; reason?: string; ip?: string } }> = [
      { desc: 'who-has an owned address', frame: whoHas('192.0.2.200'), want: { kind: 'reply', ip: '192.0.2.200' } },
      { desc: 'who-has unicast to us', frame: whoHas('192.0.2.200', US), want: { kind: 'reply', ip: '192.0.2.200' } },
      { desc: 'who-has unicast to someone else', frame: whoHas('192.0.2.200', OTHER), want: { kind: 'drop', reason: 'ethernetDestination' } },
      { desc: 'who-has an address we do not own', frame: whoHas('192.0.2.202'), want: { kind: 'drop', reason: 'notAnnounced' } },
      { desc: 'who-has on a link the class does not allow', frame: whoHas('192.0.2.201'), want: { kind: 'drop', reason: 'interfaceNotAllowed' } },
      { desc: 'an ARP reply for someone else', frame: arpFrame(CLIENT, { op: ARP_REPLY, sha: OTHER, spa: '192.0.2.5', tha: CLIENT, tpa: '192.0.2.100' }), want: { kind: 'drop', reason: 'arpReply' } },
      { desc: 'our own frame', frame: gratuitousArpFrame(US, '192.0.2.200', 'request'), want: { kind: 'drop', reason: 'ownFrame' } },
      { desc: 'NS via solicited-node multicast', frame: solicitationFrame(CLIENT, '2001:db8:0:1::100', '2001:db8:0:1::200'), want: { kind: 'reply', ip: '2001:db8:0:1::200' } },
      { desc: 'NS for an address we do not own', frame: solicitationFrame(CLIENT, '2001:db8:0:1::100', '2001:db8:0:1::201'), want: { kind: 'drop', reason: 'notAnnounced' } },
      { desc: 'garbage', frame: new Uint8Array(10), want: { kind: 'drop', reason: 'truncated' } },
    ];
    for (const c of cases) expect({ desc: c.desc, out: respond(c.frame, owned) }).toMatchObject({ desc: c.desc, out: c.want });
  });

  test('the ARP reply answers with our MAC for the asked address', () => {
    const out = respond(whoHas('192.0.2.200'), view({ '192.0.2.200': true }));
    if (out.kind !== 'reply') throw new Error(out.kind);
    const f = decodeFrame(out.frame);
    if (!f.ok || f.value.kind !== 'arp') throw new Error('not ARP');
    expect(f.value.arp).toMatchObject({ op: ARP_REPLY, sha: US, spa: '192.0.2.200', tha: CLIENT, tpa: '192.0.2.100' });
  });

  test('a unicast NS without a source link-layer option (NUD) is answered to the frame source', () => {
    const src = '2001:db8:0:1::100';
    const target = '2001:db8:0:1::200';
    const payload = encodeNeighborSolicitation({ target, options: [] }, { src, dst: target });
    const packet = encodeIpv6({ trafficClass: 0, flowLabel: 0, nextHeader: 58, hopLimit: 255, src, dst: target, payload });
    const ns = encodeEthernet({ dst: US, src: CLIENT, vlans: [], etherType: 0x86dd, payload: packet });
    const out = respond(ns, view({ [target]: true }));
    if (out.kind !== 'reply') throw new Error(out.kind);
    const na = decodeFrame(out.frame);
    if (!na.ok || na.value.kind !== 'na') throw new Error('not NA');
    expect(na.value.eth.dst).toBe(CLIENT);
    expect(na.value.ip.dst).toBe(src);
    expect(na.value.na).toMatchObject({ solicited: true, override: true, target });
  });

  test('foreign claims on watched addresses: gratuitous ARP, ARP probe, NA, DAD', () => {
    const probing = view({ '192.0.2.200': 'notAnnounced', '2001:db8:0:1::200': 'notAnnounced' });
    expect(respond(gratuitousArpFrame(OTHER, '192.0.2.200', 'reply'), probing)).toEqual({ kind: 'claim', ip: '192.0.2.200', mac: OTHER, probe: false });
    expect(respond(arpProbeFrame(OTHER, '192.0.2.200'), probing)).toEqual({ kind: 'claim', ip: '192.0.2.200', mac: OTHER, probe: true });
    expect(respond(unsolicitedNaFrame(OTHER, '2001:db8:0:1::200'), probing)).toEqual({ kind: 'claim', ip: '2001:db8:0:1::200', mac: OTHER, probe: false });
    expect(respond(dadProbeFrame(OTHER, '2001:db8:0:1::200'), probing)).toEqual({ kind: 'claim', ip: '2001:db8:0:1::200', mac: OTHER, probe: true });
    // An ARP probe for an address we announce is answered (we defend it), not a conflict.
    expect(respond(arpProbeFrame(OTHER, '192.0.2.200'), view({ '192.0.2.200': true }))).toMatchObject({ kind: 'reply' });
  });

  test('never answers for an address it does not own, whatever the frame', () => {
    fc.assert(fc.property(fc.ipV4(), fc.uint8Array({ maxLength: 80 }), (ip, junk) => {
      const none = view({});
      expect(respond(whoHas(ip), none).kind).toBe('drop');
      expect(respond(junk, none).kind).toBe('drop');
    }));
  });
});
