// SPDX-License-Identifier: Apache-2.0
/** Ethernet II frames with optional 802.1Q / 802.1ad tags. Pure. @see IEEE 802.1Q §9.6 */
import { formatMac, writeMac } from '../../../../../lib/mac.js';
import type { Codec } from '../../../../../lib/codec.js';
import { drop, ok, type L2Decoded, type L2Error } from './result.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;

export interface EthernetFrame {
  readonly dst: string;
  readonly src: string;
  /** Tag control words (PCP, DEI, VID), outermost first. */
  readonly vlans: readonly number[];
  readonly etherType: number;
  readonly payload: Uint8Array;
}

/** VLAN id (low 12 bits) of a tag control word. */
export function vlanId(tci: number): number {
  return tci & 0x0fff;
}

/** The payload runs to the end of the bytes (padding included: the protocol inside knows its length). */
export function decodeEthernet(b: Uint8Array): L2Decoded<EthernetFrame> {
  if (b.length < 14) return drop('truncated');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const vlans: number[] = [];
  let off = 12;
  let type = dv.getUint16(off);
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ) {
    if (b.length < off + 6) return drop('truncated');
    vlans.push(dv.getUint16(off + 2));
    off += 4;
    type = dv.getUint16(off);
  }
  // 802.3 length field, not an EtherType.
  if (type < 0x0600) return drop('unsupportedEtherType');
  return ok({ dst: formatMac(b, 0), src: formatMac(b, 6), vlans, etherType: type, payload: b.subarray(off + 2) }, b.length);
}

export function encodeEthernet(f: EthernetFrame): Uint8Array {
  const out = new Uint8Array(ethernetLength(f));
  out.set(f.payload, writeEthernetHeader(out, f.dst, f.src, f.vlans, f.etherType));
  return out;
}

export function ethernetLength(f: EthernetFrame): number {
  return headerLength(f.vlans) + f.payload.length;
}

export const ethernetCodec: Codec<EthernetFrame, L2Error> = { encode: encodeEthernet, encodingLength: ethernetLength, decode: decodeEthernet };

/** Bytes before the payload: addresses, tags and EtherType. */
export function headerLength(vlans: readonly number[]): number {
  return 14 + 4 * vlans.length;
}

/** Writes the header at the start of `out` (no allocation); returns where the payload starts. */
export function writeEthernetHeader(out: Uint8Array, dst: string, src: string, vlans: readonly number[], etherType: number): number {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  writeMac(dst, out, 0);
  writeMac(src, out, 6);
  let off = 12;
  for (let i = 0; i < vlans.length; i++) {
    dv.setUint16(off, i === 0 && vlans.length > 1 ? ETHERTYPE_QINQ : ETHERTYPE_VLAN);
    dv.setUint16(off + 2, (vlans[i] ?? 0) & 0xffff);
    off += 4;
  }
  dv.setUint16(off, etherType);
  return off + 2;
}
