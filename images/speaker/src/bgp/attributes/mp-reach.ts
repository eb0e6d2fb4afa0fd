// SPDX-License-Identifier: Apache-2.0
/** MP_REACH_NLRI (type 14): next hops and prefixes of another family (IPv6 here). @see RFC 4760 §3, RFC 2545 §3; RFC 7606 §7.11 */
import { formatIp, parseIp } from '../../../../../lib/ip.js';
import { updateError, UpdateSubcode } from '../errors.js';
import { decodePrefixes, encodePrefix, prefixFamily } from '../wire.js';

export interface MpReachAttribute {
  readonly kind: 'mpReach';
  readonly afi: number;
  readonly safi: number;
  /** IPv6: the global address, then the link-local one when present. */
  readonly nextHops: readonly string[];
  readonly nlri: readonly string[];
}

export function encodeMpReach(a: MpReachAttribute): Buffer {
  const nh = Buffer.concat(a.nextHops.map((h) => parseIp(h).bytes));
  const head = Buffer.alloc(4);
  head.writeUInt16BE(a.afi, 0);
  head[2] = a.safi;
  head[3] = nh.length;
  return Buffer.concat([head, nh, Buffer.of(0), ...a.nlri.map(encodePrefix)]);
}

/** Errors here reset the session (RFC 7606 §7.11: the NLRI cannot be located otherwise). Families other than IP unicast/multicast are skipped. */
export function decodeMpReach(v: Uint8Array): MpReachAttribute {
  const fail = (why: string) => updateError(UpdateSubcode.OptionalAttribute, `MP_REACH_NLRI ${why}`);
  if (v.length < 5) throw fail('shorter than 5 bytes');
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  const afi = b.readUInt16BE(0);
  const safi = b[2] ?? 0;
  const nhLen = b[3] ?? 0;
  if (4 + nhLen + 1 > b.length) throw fail(`next hop length ${nhLen} overruns the attribute`);
  const family = prefixFamily(afi, safi);
  const nh = b.subarray(4, 4 + nhLen);
  const nextHops: string[] = [];
  if (family === 6 && (nhLen === 16 || nhLen === 32)) {
    for (let i = 0; i < nhLen; i += 16) nextHops.push(formatIp({ family: 6, bytes: Uint8Array.from(nh.subarray(i, i + 16)) }));
  } else if (family === 4 && nhLen === 4) {
    nextHops.push(formatIp({ family: 4, bytes: Uint8Array.from(nh) }));
  } else if (family !== undefined && nhLen !== 0) {
    // RFC 8950 / other next-hop encodings: keep the prefixes, report the next hop as hex.
    nextHops.push(Buffer.from(nh).toString('hex'));
  }
  const rest = b.subarray(4 + nhLen + 1);
  const nlri = family === undefined ? [] : decodePrefixes(rest, family, UpdateSubcode.OptionalAttribute);
  return { kind: 'mpReach', afi, safi, nextHops, nlri };
}
