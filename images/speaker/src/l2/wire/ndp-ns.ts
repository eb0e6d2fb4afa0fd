// SPDX-License-Identifier: Apache-2.0
/** ICMPv6 Neighbor Solicitation, solicited-node multicast, and the DAD probe. Pure. @see RFC 4861 §4.3, §7.1.1 */
import { formatIp } from '../../../../../lib/ip.js';
import { icmpv6Checksum } from './checksum.js';
import { ETHERTYPE_IPV6, encodeEthernet } from './ethernet.js';
import { ipText } from './ip-bytes.js';
import { NEXT_HEADER_ICMPV6, encodeIpv6, ipv6Bytes, type Ipv6Addresses } from './ipv6.js';
import { formatMac } from '../../../../../lib/mac.js';
import { OPT_SOURCE_LLA, decodeNdpOptions, encodeNdpOptions, ndpOptionsLength, type NdpOption } from './ndp-options.js';
import type { Codec } from '../../../../../lib/codec.js';
import { drop, ok, type L2Decoded, type L2Error } from './result.js';

export const ICMPV6_NS = 135;

export interface NeighborSolicitation {
  readonly target: string;
  readonly options: readonly NdpOption[];
}

/** ff02::1:ffXX:XXXX for `ip`. @see RFC 4291 §2.7.1 */
export function solicitedNodeMulticast(ip: string): string {
  const b = ipv6Bytes(ip);
  const m = ipv6Bytes('ff02::1:ff00:0').slice();
  m.set(b.subarray(13), 13);
  return formatIp({ family: 6, bytes: m });
}

/** 33:33 + the low 32 bits of an IPv6 multicast address. @see RFC 2464 §7 */
export function multicastMac(group: string): string {
  const b = ipv6Bytes(group);
  return formatMac(Uint8Array.from([0x33, 0x33, ...b.subarray(12)]));
}

export function isMulticastIpv6(ip: string): boolean {
  return ip.toLowerCase().startsWith('ff');
}

/** Decodes an ICMPv6 body as an NS; the checksum is verified against the IPv6 addresses. */
export function decodeNeighborSolicitation(body: Uint8Array, { src, dst }: Ipv6Addresses): L2Decoded<NeighborSolicitation> {
  if (body.length < 24) return drop('truncated');
  if (body[0] !== ICMPV6_NS) return drop('notNeighborDiscovery');
  if (body[1] !== 0) return drop('badIcmpCode');
  if (icmpv6Checksum(ipv6Bytes(src), ipv6Bytes(dst), body) !== 0) return drop('badChecksum');
  const target = ipText(body, 8, 6);
  if (isMulticastIpv6(target)) return drop('multicastTarget');
  const options = decodeNdpOptions(body.subarray(24));
  if (!options.ok) return options;
  return ok({ target, options: options.value }, body.length);
}

export function neighborSolicitationLength(ns: NeighborSolicitation): number {
  return 24 + ndpOptionsLength(ns.options);
}

export function encodeNeighborSolicitation(ns: NeighborSolicitation, { src, dst }: Ipv6Addresses): Uint8Array {
  const opts = encodeNdpOptions(ns.options);
  const body = new Uint8Array(24 + opts.length);
  body[0] = ICMPV6_NS;
  body.set(ipv6Bytes(ns.target), 8);
  body.set(opts, 24);
  new DataView(body.buffer).setUint16(2, icmpv6Checksum(ipv6Bytes(src), ipv6Bytes(dst), body));
  return body;
}

export const neighborSolicitationCodec: Codec<NeighborSolicitation, L2Error, Ipv6Addresses> = {
  encode: encodeNeighborSolicitation,
  encodingLength: neighborSolicitationLength,
  decode: decodeNeighborSolicitation,
};

/** A DAD probe for `ip`: NS from :: to its solicited-node group, with no source link-layer option. @see RFC 4862 §5.4.2 */
export function dadProbeFrame(mac: string, ip: string, vlans: readonly number[] = []): Uint8Array {
  const dst = solicitedNodeMulticast(ip);
  const payload = encodeNeighborSolicitation({ target: ip, options: [] }, { src: '::', dst });
  const packet = encodeIpv6({ trafficClass: 0, flowLabel: 0, nextHeader: NEXT_HEADER_ICMPV6, hopLimit: 255, src: '::', dst, payload });
  return encodeEthernet({ dst: multicastMac(dst), src: mac, vlans, etherType: ETHERTYPE_IPV6, payload: packet });
}

/** An ordinary NS from `src` asking for `target` (used by tests and the bench as a client). */
export function solicitationFrame(mac: string, src: string, target: string, vlans: readonly number[] = []): Uint8Array {
  const dst = solicitedNodeMulticast(target);
  const payload = encodeNeighborSolicitation({ target, options: [{ type: OPT_SOURCE_LLA, mac }] }, { src, dst });
  const packet = encodeIpv6({ trafficClass: 0, flowLabel: 0, nextHeader: NEXT_HEADER_ICMPV6, hopLimit: 255, src, dst, payload });
  return encodeEthernet({ dst: multicastMac(dst), src: mac, vlans, etherType: ETHERTYPE_IPV6, payload: packet });
}
