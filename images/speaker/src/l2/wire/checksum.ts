// SPDX-License-Identifier: Apache-2.0
/** The Internet checksum and the ICMPv6 pseudo-header. Pure. @see RFC 1071, RFC 8200 §8.1 */

/** Ones' complement sum of 16-bit words over all parts (as one byte string), folded, not yet complemented. */
function sum(parts: readonly Uint8Array[]): number {
  let s = 0;
  // a byte left over at the end of the previous part: the high half of the next word
  let odd = -1;
  for (const p of parts) {
    let i = 0;
    if (odd >= 0 && p.length > 0) {
      s += (odd << 8) | (p[0] ?? 0);
      odd = -1;
      i = 1;
    }
    const end = i + ((p.length - i) & ~1);
    for (; i < end; i += 2) s += ((p[i] ?? 0) << 8) | (p[i + 1] ?? 0);
    if (i < p.length) odd = p[i] ?? 0;
  }
  if (odd >= 0) s += odd << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
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
