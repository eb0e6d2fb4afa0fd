// SPDX-License-Identifier: Apache-2.0
/** Neighbor Discovery options (TLVs in 8-octet units). Pure. @see RFC 4861 §4.6 */
import { formatMac, macBytes } from '../../../../../lib/mac.js';
import type { Codec } from '../../../../../lib/codec.js';
import { drop, ok, type L2Decoded, type L2Error } from './result.js';

export const OPT_SOURCE_LLA = 1;
export const OPT_TARGET_LLA = 2;

export type NdpOption =
  | { readonly type: typeof OPT_SOURCE_LLA | typeof OPT_TARGET_LLA; readonly mac: string }
  /** Any other option, kept as its value bytes (without type and length). */
  | { readonly type: number; readonly data: Uint8Array };

export function decodeNdpOptions(b: Uint8Array): L2Decoded<NdpOption[]> {
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
  return ok(out, b.length);
}

/** One option's bytes: type, length and value, padded to 8-octet units. */
function optionLength(o: NdpOption): number {
  const len = Math.ceil((('mac' in o ? 6 : o.data.length) + 2) / 8) * 8;
  if (len / 8 > 255) throw new Error(`NDP option ${o.type} too long`);
  return len;
}

export function ndpOptionsLength(opts: readonly NdpOption[]): number {
  let n = 0;
  for (const o of opts) n += optionLength(o);
  return n;
}

export function encodeNdpOptions(opts: readonly NdpOption[]): Uint8Array {
  const out = new Uint8Array(ndpOptionsLength(opts));
  let off = 0;
  for (const o of opts) {
    const len = optionLength(o);
    out[off] = o.type;
    out[off + 1] = len / 8;
    out.set('mac' in o ? macBytes(o.mac) : o.data, off + 2);
    off += len;
  }
  return out;
}

export const ndpOptionsCodec: Codec<readonly NdpOption[], L2Error> = { encode: encodeNdpOptions, encodingLength: ndpOptionsLength, decode: decodeNdpOptions };

/** The link-layer address carried by the first option of `type`, if any. */
export function linkLayerOption(opts: readonly NdpOption[], type: typeof OPT_SOURCE_LLA | typeof OPT_TARGET_LLA): string | undefined {
  for (const o of opts) if (o.type === type && 'mac' in o) return o.mac;
  return undefined;
}
