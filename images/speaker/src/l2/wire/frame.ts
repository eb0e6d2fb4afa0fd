// SPDX-License-Identifier: Apache-2.0
/** One entry point from raw bytes to the L2 messages the speaker cares about. Pure. */
import { decodeArp, type ArpPacket } from './arp.js';
import { ETHERTYPE_ARP, ETHERTYPE_IPV6, decodeEthernet, type EthernetFrame } from './ethernet.js';
import { NEXT_HEADER_ICMPV6, decodeIpv6, type Ipv6Packet } from './ipv6.js';
import { ICMPV6_NA, decodeNeighborAdvertisement, type NeighborAdvertisement } from './ndp-na.js';
import { ICMPV6_NS, decodeNeighborSolicitation, type NeighborSolicitation } from './ndp-ns.js';
import { drop, ok, type L2Decoded } from './result.js';

export type L2Message =
  | { readonly kind: 'arp'; readonly eth: EthernetFrame; readonly arp: ArpPacket }
  | { readonly kind: 'ns'; readonly eth: EthernetFrame; readonly ip: Ipv6Packet; readonly ns: NeighborSolicitation }
  | { readonly kind: 'na'; readonly eth: EthernetFrame; readonly ip: Ipv6Packet; readonly na: NeighborAdvertisement };

/** ARP, NS or NA; anything else (or anything malformed) is a drop reason. Never throws. */
export function decodeFrame(b: Uint8Array): L2Decoded<L2Message> {
  const eth = decodeEthernet(b);
  if (!eth.ok) return eth;
  const e = eth.value;
  if (e.etherType === ETHERTYPE_ARP) {
    const arp = decodeArp(e.payload);
    return arp.ok ? ok({ kind: 'arp', eth: e, arp: arp.value }, b.length - e.payload.length + arp.bytes) : arp;
  }
  if (e.etherType !== ETHERTYPE_IPV6) return drop('unsupportedEtherType');
  const ip = decodeIpv6(e.payload);
  if (!ip.ok) return ip;
  const p = ip.value;
  // Extension headers before ICMPv6 are not used by ND in practice; MetalLB's filter skips them too.
  if (p.nextHeader !== NEXT_HEADER_ICMPV6) return drop('notNeighborDiscovery');
  const type = p.payload[0];
  if (type !== ICMPV6_NS && type !== ICMPV6_NA) return drop(p.payload.length === 0 ? 'truncated' : 'notNeighborDiscovery');
  // RFC 4861 §7.1: hop limit 255 proves the sender is on-link.
  if (p.hopLimit !== 255) return drop('badHopLimit');
  if (type === ICMPV6_NS) {
    const ns = decodeNeighborSolicitation(p.payload, p);
    return ns.ok ? ok({ kind: 'ns', eth: e, ip: p, ns: ns.value }, b.length - e.payload.length + ip.bytes) : ns;
  }
  const na = decodeNeighborAdvertisement(p.payload, p);
  return na.ok ? ok({ kind: 'na', eth: e, ip: p, na: na.value }, b.length - e.payload.length + ip.bytes) : na;
}
