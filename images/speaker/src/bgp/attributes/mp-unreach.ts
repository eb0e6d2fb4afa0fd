// SPDX-License-Identifier: Apache-2.0
/** MP_UNREACH_NLRI (type 15): withdrawn prefixes of another family. @see RFC 4760 §4; RFC 7606 §7.11 */
import { updateError, UpdateSubcode } from '../errors.js';
import { decodePrefixes, encodePrefix, prefixFamily } from '../wire.js';

export interface MpUnreachAttribute {
  readonly kind: 'mpUnreach';
  readonly afi: number;
  readonly safi: number;
  readonly withdrawn: readonly string[];
}

export function encodeMpUnreach(a: MpUnreachAttribute): Buffer {
  const head = Buffer.alloc(3);
  head.writeUInt16BE(a.afi, 0);
  head[2] = a.safi;
  return Buffer.concat([head, ...a.withdrawn.map(encodePrefix)]);
}

export function decodeMpUnreach(v: Uint8Array): MpUnreachAttribute {
  if (v.length < 3) throw updateError(UpdateSubcode.OptionalAttribute, 'MP_UNREACH_NLRI shorter than 3 bytes');
  const afi = ((v[0] ?? 0) << 8) | (v[1] ?? 0);
  const family = prefixFamily(afi, v[2] ?? 0);
  const withdrawn = family === undefined ? [] : decodePrefixes(v.subarray(3), family, UpdateSubcode.OptionalAttribute);
  return { kind: 'mpUnreach', afi, safi: v[2] ?? 0, withdrawn };
}
