// SPDX-License-Identifier: Apache-2.0
/** The fixed IPv6 header. Pure. @see RFC 8200 §3 */
import { ipBytes, ipText } from './ip-bytes.js';
import type { Codec } from '../../../../../lib/codec.js';
import { drop, ok, type L2Decoded, type L2Error } from './result.js';

export const NEXT_HEADER_ICMPV6 = 58;

/** The addresses an ICMPv6 checksum covers (the pseudo-header): what NS and NA need to encode and decode. */
export interface Ipv6Addresses {
  readonly src: string;
  readonly dst: string;
}

export interface Ipv6Packet extends Ipv6Addresses {
  readonly trafficClass: number;
  readonly flowLabel: number;
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly payload: Uint8Array;
}

/** The 16 bytes of an IPv6 address (shared: never write into them); throws on anything else. */
export function ipv6Bytes(ip: string): Uint8Array {
  return ipBytes(ip, 6);
}

/** Decodes the header; bytes after payload length (Ethernet padding) are ignored. */
export function decodeIpv6(b: Uint8Array): L2Decoded<Ipv6Packet> {
  if (b.length < 40) return drop('truncated');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const word = dv.getUint32(0);
  if (word >>> 28 !== 6) return drop('badIpVersion');
  const len = dv.getUint16(4);
  if (b.length < 40 + len) return drop('truncated');
  const ip = (at: number): string => ipText(b, at, 6);
  return ok({
    trafficClass: (word >>> 20) & 0xff,
    flowLabel: word & 0xfffff,
    nextHeader: b[6] ?? 0,
    hopLimit: b[7] ?? 0,
    src: ip(8),
    dst: ip(24),
    payload: b.subarray(40, 40 + len),
  }, 40 + len);
}

export function encodeIpv6(p: Ipv6Packet): Uint8Array {
  const out = new Uint8Array(ipv6Length(p));
  const dv = new DataView(out.buffer);
  dv.setUint32(0, ((6 << 28) | ((p.trafficClass & 0xff) << 20) | (p.flowLabel & 0xfffff)) >>> 0);
  dv.setUint16(4, p.payload.length);
  out[6] = p.nextHeader;
  out[7] = p.hopLimit;
  out.set(ipv6Bytes(p.src), 8);
  out.set(ipv6Bytes(p.dst), 24);
  out.set(p.payload, 40);
  return out;
}

export function ipv6Length(p: Ipv6Packet): number {
  return 40 + p.payload.length;
}

export const ipv6Codec: Codec<Ipv6Packet, L2Error> = { encode: encodeIpv6, encodingLength: ipv6Length, decode: decodeIpv6 };
