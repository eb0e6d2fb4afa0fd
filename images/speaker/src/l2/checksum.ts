// SPDX-License-Identifier: Apache-2.0
/** The Internet checksum and the ICMPv6 pseudo-header. Pure. @see RFC 1071, RFC 8200 §8.1 */

/** Ones' complement sum of 16-bit words over all parts, folded, not yet complemented. */
function sum(parts: readonly Uint8Array[]): number {
  let s = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const byte = p[i] ?? 0;
      if (odd === undefined) odd = byte;
      else {
        s += (odd << 8) | byte;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) s += odd << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

export function internetChecksum(parts: readonly Uint8Array[]): number {
  return ~sum(parts) & 0xffff;
}

/** Checksum of an ICMPv6 message (its checksum field zeroed or not: a correct one verifies to 0). */
export function icmpv6Checksum(src: Uint8Array, dst: Uint8Array, body: Uint8Array): number {
  const pseudo = new Uint8Array(40);
  pseudo.set(src, 0);
  pseudo.set(dst, 16);
  new DataView(pseudo.buffer).setUint32(32, body.length);
  pseudo[39] = 58;
  return internetChecksum([pseudo, body]);
}
