// SPDX-License-Identifier: Apache-2.0
/** ARP for IPv4 over Ethernet, and the frames the speaker sends. Pure. @see RFC 826, RFC 5227 */
import { ETHERTYPE_ARP, ETHERTYPE_IPV4, headerLength, writeEthernetHeader } from './ethernet.js';
import { ipBytes, ipText } from './ip-bytes.js';
import { BROADCAST_MAC, ZERO_MAC, formatMac, writeMac } from '../../../../../lib/mac.js';
import type { Codec } from '../../../../../lib/codec.js';
import { drop, ok, type L2Decoded, type L2Error } from './result.js';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

export interface ArpPacket {
  readonly op: typeof ARP_REQUEST | typeof ARP_REPLY;
  /** Sender hardware and protocol address. */
  readonly sha: string;
  readonly spa: string;
  /** Target hardware and protocol address. */
  readonly tha: string;
  readonly tpa: string;
}

const LEN = 28;

/** Decodes an Ethernet/IPv4 ARP packet; trailing padding is ignored. */
export function decodeArp(b: Uint8Array): L2Decoded<ArpPacket> {
  if (b.length < 8) return drop('truncated');
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint16(0) !== 1 || dv.getUint16(2) !== ETHERTYPE_IPV4 || b[4] !== 6 || b[5] !== 4) return drop('unsupportedArp');
  const op = dv.getUint16(6);
  if (op !== ARP_REQUEST && op !== ARP_REPLY) return drop('unsupportedArp');
  if (b.length < LEN) return drop('truncated');
  return ok({ op, sha: formatMac(b, 8), spa: ipText(b, 14, 4), tha: formatMac(b, 18), tpa: ipText(b, 24, 4) }, LEN);
}

export function encodeArp(p: ArpPacket): Uint8Array {
  const out = new Uint8Array(LEN);
  writeArp(p, out, 0);
  return out;
}

export function arpLength(): number {
  return LEN;
}

export const arpCodec: Codec<ArpPacket, L2Error> = { encode: encodeArp, encodingLength: arpLength, decode: decodeArp };

/** Writes the packet into `out` at `at`, without allocating. */
function writeArp(p: ArpPacket, out: Uint8Array, at: number): void {
  const dv = new DataView(out.buffer, out.byteOffset + at, LEN);
  dv.setUint16(0, 1);
  dv.setUint16(2, ETHERTYPE_IPV4);
  out[at + 4] = 6;
  out[at + 5] = 4;
  dv.setUint16(6, p.op);
  writeMac(p.sha, out, at + 8);
  out.set(ipBytes(p.spa, 4), at + 14);
  writeMac(p.tha, out, at + 18);
  out.set(ipBytes(p.tpa, 4), at + 24);
}

/** An ARP packet in an Ethernet frame, padded to the 60-byte minimum. */
export function arpFrame(dst: string, p: ArpPacket, vlans: readonly number[] = []): Uint8Array {
  // One allocation: the header, the packet, and zero padding.
  const out = new Uint8Array(headerLength(vlans) + Math.max(LEN, 46));
  writeArp(p, out, writeEthernetHeader(out, dst, p.sha, vlans, ETHERTYPE_ARP));
  return out;
}

/** The reply to a who-has: we are `mac` for the asked address; sent unicast to the asker. */
export function arpReplyFrame(req: ArpPacket, mac: string, vlans: readonly number[] = []): Uint8Array {
  return arpFrame(req.sha, { op: ARP_REPLY, sha: mac, spa: req.tpa, tha: req.sha, tpa: req.spa }, vlans);
}

/**
 * Gratuitous ARP (sender = target = `ip`), broadcast. MetalLB sends both forms, since
 * some stacks only update their caches from one of them. @see RFC 5227 §3 (ARP Announcement)
 */
export function gratuitousArpFrame(mac: string, ip: string, form: 'request' | 'reply', vlans: readonly number[] = []): Uint8Array {
  const op = form === 'request' ? ARP_REQUEST : ARP_REPLY;
  return arpFrame(BROADCAST_MAC, { op, sha: mac, spa: ip, tha: form === 'request' ? ZERO_MAC : BROADCAST_MAC, tpa: ip }, vlans);
}

/** ARP Probe: who-has `ip` with sender address 0.0.0.0, so no cache learns from it. @see RFC 5227 §2.1.1 */
export function arpProbeFrame(mac: string, ip: string, vlans: readonly number[] = []): Uint8Array {
  return arpFrame(BROADCAST_MAC, { op: ARP_REQUEST, sha: mac, spa: '0.0.0.0', tha: ZERO_MAC, tpa: ip }, vlans);
}
