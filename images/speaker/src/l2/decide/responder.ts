// SPDX-License-Identifier: Apache-2.0
/**
 * What to do with one received frame: answer it, note someone else's claim on an address, or
 * drop it with a reason. Pure: the caller says which addresses are ours on this link.
 */
import { ARP_REPLY, ARP_REQUEST, arpReplyFrame } from '../wire/arp.js';
import { decodeFrame } from '../wire/frame.js';
import { BROADCAST_MAC, isGroupMac } from '../../../../../lib/mac.js';
import { solicitedNaFrame } from '../wire/ndp-na.js';
import { OPT_SOURCE_LLA, OPT_TARGET_LLA, linkLayerOption } from '../wire/ndp-options.js';
import type { DropReason } from '../wire/result.js';

/** Why this link will not answer for an address, or true when it will. */
export type Answer = true | 'notAnnounced' | 'interfaceNotAllowed';

export interface LinkView {
  /** Our MAC on this link. */
  readonly mac: string;
  /** Whether we answer for `ip` on this link right now. */
  answers(ip: string): Answer;
  /** Addresses we announce or are probing: a foreign claim on them is a conflict. */
  watches(ip: string): boolean;
}

export type Outcome =
  | { readonly kind: 'reply'; readonly ip: string; readonly frame: Uint8Array }
  /** Another station says it is `ip` (ARP reply, gratuitous ARP, probe, or NA). */
  | { readonly kind: 'claim'; readonly ip: string; readonly mac: string; readonly probe: boolean }
  | { readonly kind: 'drop'; readonly reason: DropReason; readonly ip?: string };

function dropped(reason: DropReason, ip?: string): Outcome {
  return ip === undefined ? { kind: 'drop', reason } : { kind: 'drop', reason, ip };
}

export function respond(bytes: Uint8Array, link: LinkView): Outcome {
  const d = decodeFrame(bytes);
  if (!d.ok) return dropped(d.error.reason);
  const m = d.value;
  if (m.eth.src === link.mac) return dropped('ownFrame');
  const vlans = m.eth.vlans;

  if (m.kind === 'arp') {
    const a = m.arp;
    if (a.sha !== link.mac && link.watches(a.spa)) return { kind: 'claim', ip: a.spa, mac: a.sha, probe: false };
    // RFC 5227 §2.1.1: a probe from someone else for an address we are probing is a conflict too.
    if (a.op === ARP_REQUEST && a.spa === '0.0.0.0' && a.sha !== link.mac && link.watches(a.tpa) && link.answers(a.tpa) !== true) {
      return { kind: 'claim', ip: a.tpa, mac: a.sha, probe: true };
    }
    if (a.op === ARP_REPLY) return dropped('arpReply', a.tpa);
    if (m.eth.dst !== BROADCAST_MAC && m.eth.dst !== link.mac) return dropped('ethernetDestination', a.tpa);
    const ans = link.answers(a.tpa);
    if (ans !== true) return dropped(ans, a.tpa);
    return { kind: 'reply', ip: a.tpa, frame: arpReplyFrame(a, link.mac, vlans) };
  }

  if (m.kind === 'na') {
    const mac = linkLayerOption(m.na.options, OPT_TARGET_LLA) ?? m.eth.src;
    if (mac !== link.mac && link.watches(m.na.target)) return { kind: 'claim', ip: m.na.target, mac, probe: false };
    return dropped('neighborAdvertisement', m.na.target);
  }

  const target = m.ns.target;
  if (m.eth.dst !== link.mac && !isGroupMac(m.eth.dst)) return dropped('ethernetDestination', target);
  const ans = link.answers(target);
  if (ans !== true) {
    if (m.ip.src === '::' && link.watches(target)) return { kind: 'claim', ip: target, mac: m.eth.src, probe: true };
    return dropped(ans, target);
  }
  // Unicast NUD probes may omit the source link-layer option: answer to the frame's source (MetalLB drops these).
  const askerMac = linkLayerOption(m.ns.options, OPT_SOURCE_LLA) ?? m.eth.src;
  return { kind: 'reply', ip: target, frame: solicitedNaFrame(link.mac, target, m.ip.src, askerMac, vlans) };
}
