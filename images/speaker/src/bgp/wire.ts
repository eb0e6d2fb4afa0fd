// SPDX-License-Identifier: Apache-2.0
/** Byte helpers and prefix (NLRI) encoding shared by the codec files. Pure. */
import { formatIp, parseCidr, bigIntToIp, type IpFamily } from '../../../../lib/ip.js';
import { BgpProtocolError, ErrorCode, UpdateSubcode } from './errors.js';

/** A Buffer view over the same bytes (no copy). */
export function view(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** Address family numbers. @see RFC 4760 §3 */
export const Afi = { IPv4: 1, IPv6: 2 } as const;
export const Safi = { Unicast: 1, Multicast: 2 } as const;

export function familyOfAfi(afi: number): IpFamily | undefined {
  return afi === Afi.IPv4 ? 4 : afi === Afi.IPv6 ? 6 : undefined;
}

/** The IP family whose plain prefixes an AFI/SAFI carries; undefined for other encodings (labels, VPN, EVPN, ...). */
export function prefixFamily(afi: number, safi: number): IpFamily | undefined {
  return safi === Safi.Unicast || safi === Safi.Multicast ? familyOfAfi(afi) : undefined;
}

/** Encodes "a.b.c.d/n" as length + the significant bytes. @see RFC 4271 §4.3 */
export function encodePrefix(cidr: string): Buffer {
  const p = parseCidr(cidr, false);
  const n = Math.ceil(p.prefix / 8);
  const bytes = bigIntToIp(p.first, p.family).bytes;
  const out = Buffer.alloc(1 + n);
  out[0] = p.prefix;
  out.set(bytes.subarray(0, n), 1);
  return out;
}

/** Total encoded length of a list of prefixes. */
export function prefixesLength(cidrs: readonly string[]): number {
  let len = 0;
  for (const c of cidrs) len += 1 + Math.ceil(Number(c.slice(c.indexOf('/') + 1)) / 8);
  return len;
}

/** Decodes a run of prefixes; malformed ones are an error with the given subcode. */
export function decodePrefixes(b: Uint8Array, family: IpFamily, subcode: number = UpdateSubcode.InvalidNetworkField): string[] {
  const size = family === 4 ? 4 : 16;
  const out: string[] = [];
  let i = 0;
  while (i < b.length) {
    const len = b[i] ?? 0;
    const n = Math.ceil(len / 8);
    if (len > size * 8 || i + 1 + n > b.length) {
      throw new BgpProtocolError(ErrorCode.UpdateMessage, subcode, `bad prefix length ${len} at offset ${i}`);
    }
    const bytes = new Uint8Array(size);
    bytes.set(b.subarray(i + 1, i + 1 + n));
    // Bits past the prefix length are ignored (RFC 4271 §4.3: "trailing bits ... irrelevant").
    if (len % 8 && n > 0) bytes[n - 1] = (bytes[n - 1] ?? 0) & (0xff << (8 - (len % 8)));
    out.push(`${formatIp({ family, bytes })}/${len}`);
    i += 1 + n;
  }
  return out;
}
