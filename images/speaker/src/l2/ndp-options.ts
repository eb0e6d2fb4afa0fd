// SPDX-License-Identifier: Apache-2.0
/** Neighbor Discovery options (TLVs in 8-octet units). Pure. @see RFC 4861 §4.6 */
import { formatMac, macBytes } from './mac.js';
import { drop, ok, type Decoded } from './result.js';

export const OPT_SOURCE_LLA = 1;
export const OPT_TARGET_LLA = 2;

export type NdpOption =
  | { readonly type: typeof OPT_SOURCE_LLA | typeof OPT_TARGET_LLA; readonly mac: string }
  /** Any other option, kept as its value bytes (without type and length). */
  | { readonly type: number; readonly data: Uint8Array };

export function decodeNdpOptions(b: Uint8Array): Decoded<NdpOption[]> {
  const out: NdpOption[] = [];
  let off = 0;
  while (off < b.length) {
    if (off + 2 > b.length) return drop('truncated');
    const type = b[off] ?? 0;
    const len = (b[off + 1] ?? 0) * 8;
    // A zero length would loop forever; RFC 4861 §4.6 says discard the packet.
    if (len === 0) return drop('badOption');
    if (off + len > b.length) return drop('truncated');
    if ((type === OPT_SOURCE_LLA || type === OPT_TARGET_LLA) && len === 8) out.push({ type, mac: formatMac(b, off + 2) });
    else out.push({ type, data: b.slice(off + 2, off + len) });
    off += len;
  }
  return ok(out);
}

export function encodeNdpOptions(opts: readonly NdpOption[]): Uint8Array {
  const parts = opts.map((o) => {
    const value = 'mac' in o ? macBytes(o.mac) : o.data;
    const len = Math.ceil((value.length + 2) / 8) * 8;
    if (len / 8 > 255) throw new Error(`NDP option ${o.type} too long`);
    const p = new Uint8Array(len);
    p[0] = o.type;
    p[1] = len / 8;
    p.set(value, 2);
    return p;
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** The link-layer address carried by the first option of `type`, if any. */
export function linkLayerOption(opts: readonly NdpOption[], type: typeof OPT_SOURCE_LLA | typeof OPT_TARGET_LLA): string | undefined {
  for (const o of opts) if (o.type === type && 'mac' in o) return o.mac;
  return undefined;
}
