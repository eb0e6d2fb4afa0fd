// SPDX-License-Identifier: Apache-2.0
/** A minimal MRT TABLE_DUMP_V2 writer (RFC 6396 §4.3), to load routes into gobgpd at once (`gobgp mrt inject global`). */
import { parseIp } from '../../lib/ip.js';
import { encodeAttributes, type PathAttribute } from '../../images/speaker/src/bgp/attributes/index.js';
import { encodePrefix } from '../../images/speaker/src/bgp/wire.js';

function record(subtype: number, body: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
  h.writeUInt16BE(13, 4); // TABLE_DUMP_V2
  h.writeUInt16BE(subtype, 6);
  h.writeUInt32BE(body.length, 8);
  return Buffer.concat([h, body]);
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** The peer the routes were learnt from. */
export interface MrtPeer {
  readonly routerId: string;
  readonly address: string;
  readonly asn: number;
}

/** MRT bytes holding prefixes of one family from one peer, each with the same attributes. */
export function mrtDump(prefixes: readonly string[], attributes: readonly PathAttribute[], peer: MrtPeer): Buffer {
  const id = Buffer.from(parseIp(peer.routerId).bytes);
  const address = parseIp(peer.address);
  const v6 = prefixes.some((p) => p.includes(':'));
  const peerTable = Buffer.concat([
    id, // collector BGP ID
    Buffer.from([0, 0]), // view name length 0
    Buffer.from([0, 1]), // 1 peer
    Buffer.from([address.family === 6 ? 0x03 : 0x02]), // peer type: address family, 4-byte AS
    id, Buffer.from(address.bytes), u32(peer.asn), // peer BGP ID, address, AS
  ]);
  const attrs = encodeAttributes(attributes, { fourOctetAs: true });
  const out = [record(1, peerTable)];
  const now = Math.floor(Date.now() / 1000);
  prefixes.forEach((p, seq) => {
    const entry = Buffer.alloc(8);
    entry.writeUInt16BE(0, 0); // peer index
    entry.writeUInt32BE(now, 2);
    entry.writeUInt16BE(attrs.length, 6);
    out.push(record(v6 ? 4 : 2, Buffer.concat([u32(seq), encodePrefix(p), Buffer.from([0, 1]), entry, attrs]))); // RIB_IPV6_UNICAST / RIB_IPV4_UNICAST
  });
  return Buffer.concat(out);
}

/** MRT bytes holding IPv6 prefixes from one peer (router ID and IPv6 next hop given) with ORIGIN, AS_PATH and next hop. */
export function mrtIpv6Dump(prefixes: readonly string[], routerId: string, nextHop: string, asn: number): Buffer {
  // MP_REACH_NLRI with AFI/SAFI and no NLRI: gobgp reads the full form, not RFC 6396 §4.3.4's abbreviation.
  return mrtDump(prefixes, [
    { kind: 'origin', value: 0 },
    { kind: 'asPath', segments: [{ type: 2, asns: [asn] }] },
    { kind: 'mpReach', afi: 2, safi: 1, nextHops: [nextHop], nlri: [] },
  ], { routerId, address: nextHop, asn });
}

/** n host routes (/128) in 2001:db8:0:2::/64, the lab's BGP pool. */
export function hostRoutesV6(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `2001:db8:0:2::${(Math.floor(i / 65536) + 1).toString(16)}:${(i % 65536).toString(16)}/128`);
}
