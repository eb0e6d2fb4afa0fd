// SPDX-License-Identifier: Apache-2.0
/** ICMPv6 Neighbor Advertisement: solicited replies and unsolicited announcements. Pure. @see RFC 4861 §4.4, §7.2.4, §7.2.6 */
import { icmpv6Checksum } from './checksum.js';
import { ETHERTYPE_IPV6, encodeEthernet } from './ethernet.js';
import { ipText } from './ip-bytes.js';
import { NEXT_HEADER_ICMPV6, encodeIpv6, ipv6Bytes, type Ipv6Addresses } from './ipv6.js';
import { OPT_TARGET_LLA, decodeNdpOptions, encodeNdpOptions, ndpOptionsLength, type NdpOption } from './ndp-options.js';
import { isMulticastIpv6 } from './ndp-ns.js';
import type { Codec } from '../../../../../lib/codec.js';
import { drop, ok, type L2Decoded, type L2Error } from './result.js';

export const ICMPV6_NA = 136;
export const ALL_NODES = 'ff02::1';
export const ALL_NODES_MAC = '33:33:00:00:00:01';

export interface NeighborAdvertisement {
  readonly router: boolean;
  readonly solicited: boolean;
  readonly override: boolean;
  readonly target: string;
  readonly options: readonly NdpOption[];
}

export function decodeNeighborAdvertisement(body: Uint8Array, { src, dst }: Ipv6Addresses): L2Decoded<NeighborAdvertisement> {
  if (body.length < 24) return drop('truncated');
  if (body[0] !== ICMPV6_NA) return drop('notNeighborDiscovery');
  if (body[1] !== 0) return drop('badIcmpCode');
  if (icmpv6Checksum(ipv6Bytes(src), ipv6Bytes(dst), body) !== 0) return drop('badChecksum');
  const flags = body[4] ?? 0;
  const target = ipText(body, 8, 6);
  if (isMulticastIpv6(target)) return drop('multicastTarget');
  const options = decodeNdpOptions(body.subarray(24));
  if (!options.ok) return options;
  return ok({ router: (flags & 0x80) !== 0, solicited: (flags & 0x40) !== 0, override: (flags & 0x20) !== 0, target, options: options.value }, body.length);
}

export function neighborAdvertisementLength(na: NeighborAdvertisement): number {
  return 24 + ndpOptionsLength(na.options);
}

export function encodeNeighborAdvertisement(na: NeighborAdvertisement, { src, dst }: Ipv6Addresses): Uint8Array {
  const opts = encodeNdpOptions(na.options);
  const body = new Uint8Array(24 + opts.length);
  body[0] = ICMPV6_NA;
  body[4] = (na.router ? 0x80 : 0) | (na.solicited ? 0x40 : 0) | (na.override ? 0x20 : 0);
  body.set(ipv6Bytes(na.target), 8);
  body.set(opts, 24);
  new DataView(body.buffer).setUint16(2, icmpv6Checksum(ipv6Bytes(src), ipv6Bytes(dst), body));
  return body;
}

export const neighborAdvertisementCodec: Codec<NeighborAdvertisement, L2Error, Ipv6Addresses> = {
  encode: encodeNeighborAdvertisement,
  encodingLength: neighborAdvertisementLength,
  decode: decodeNeighborAdvertisement,
};

function naFrame(mac: string, na: NeighborAdvertisement, dst: string, dstMac: string, vlans: readonly number[]): Uint8Array {
  // Sent from the announced address itself: the VIP lives on no interface, and Linux accepts NAs from any unicast source.
  const payload = encodeNeighborAdvertisement(na, { src: na.target, dst });
  const packet = encodeIpv6({ trafficClass: 0, flowLabel: 0, nextHeader: NEXT_HEADER_ICMPV6, hopLimit: 255, src: na.target, dst, payload });
  return encodeEthernet({ dst: dstMac, src: mac, vlans, etherType: ETHERTYPE_IPV6, payload: packet });
}

/**
 * The answer to an NS for `target`: solicited, override, with our MAC. A DAD probe (source ::) is
 * answered to all-nodes with S=0. @see RFC 4861 §7.2.4
 */
export function solicitedNaFrame(mac: string, target: string, askerIp: string, askerMac: string, vlans: readonly number[] = []): Uint8Array {
  const dad = askerIp === '::';
  const na: NeighborAdvertisement = { router: false, solicited: !dad, override: true, target, options: [{ type: OPT_TARGET_LLA, mac }] };
  return naFrame(mac, na, dad ? ALL_NODES : askerIp, dad ? ALL_NODES_MAC : askerMac, vlans);
}

/** Unsolicited NA to all-nodes with the override flag, so caches move to `mac`. @see RFC 4861 §7.2.6 */
export function unsolicitedNaFrame(mac: string, target: string, vlans: readonly number[] = []): Uint8Array {
  const na: NeighborAdvertisement = { router: false, solicited: false, override: true, target, options: [{ type: OPT_TARGET_LLA, mac }] };
  return naFrame(mac, na, ALL_NODES, ALL_NODES_MAC, vlans);
}

