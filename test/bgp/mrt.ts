// SPDX-License-Identifier: Apache-2.0
/** A minimal MRT TABLE_DUMP_V2 writer (RFC 6396 §4.3) for IPv6 unicast, to load many routes into gobgpd at once (`gobgp mrt inject global`). */
import { parseIp } from '../../lib/ip.js';
import { encodeAttributes } from '../../images/speaker/src/bgp/attributes/index.js';
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

/** MRT bytes holding IPv6 prefixes from one peer (router ID and IPv6 next hop given) with ORIGIN, AS_PATH and next hop. */
export function mrtIpv6Dump(prefixes: readonly string[], routerId: string, nextHop: string, asn: number): Buffer {
  const id = Buffer.from(parseIp(routerId).bytes);
  const nh = Buffer.from(parseIp(nextHop).bytes);
  const peerTable = Buffer.concat([
    id, // collector BGP ID
    Buffer.from([0, 0]), // view name length 0
    Buffer.from([0, 1]), // 1 peer
    Buffer.from([0x03]), // peer type: IPv6 address, 4-byte AS
    id, nh, u32(asn), // peer BGP ID, address, AS
  ]);
  const attrs = Buffer.concat([
    encodeAttributes([{ kind: 'origin', value: 0 }, { kind: 'asPath', segments: [{ type: 2, asns: [asn] }] }], { fourOctetAs: true }),
    // MP_REACH_NLRI with AFI/SAFI and no NLRI: gobgp reads the full form, not RFC 6396 §4.3.4's abbreviation.
    Buffer.from([0x80, 14, 21, 0, 2, 1, 16]), nh, Buffer.from([0]),
  ]);
  const out = [record(1, peerTable)];
  const now = Math.floor(Date.now() / 1000);
  prefixes.forEach((p, seq) => {
    const entry = Buffer.alloc(8);
    entry.writeUInt16BE(0, 0); // peer index
    entry.writeUInt32BE(now, 2);
    entry.writeUInt16BE(attrs.length, 6);
    out.push(record(4, Buffer.concat([u32(seq), encodePrefix(p), Buffer.from([0, 1]), entry, attrs]))); // RIB_IPV6_UNICAST
  });
  return Buffer.concat(out);
}

/** n host routes (/128) in 2001:db8:0:2::/64, the lab's BGP pool. */
export function hostRoutesV6(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `2001:db8:0:2::${(Math.floor(i / 65536) + 1).toString(16)}:${(i % 65536).toString(16)}/128`);
}
