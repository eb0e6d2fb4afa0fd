// SPDX-License-Identifier: Apache-2.0
/** AS_PATH (type 2) and AS4_PATH (type 17). @see RFC 4271 §5.1.2, RFC 6793 §3; RFC 7606 §7.2 */
import { updateError, UpdateSubcode } from '../errors.js';

export const SegmentType = { Set: 1, Sequence: 2, ConfedSequence: 3, ConfedSet: 4 } as const;

export interface AsPathSegment {
  readonly type: number;
  readonly asns: readonly number[];
}

export interface AsPathAttribute {
  readonly kind: 'asPath' | 'as4Path';
  readonly segments: readonly AsPathSegment[];
}

/** Encodes segments with 2- or 4-byte AS numbers. */
export function encodeAsPath(a: AsPathAttribute, fourOctet: boolean): Buffer {
  const w = fourOctet || a.kind === 'as4Path' ? 4 : 2;
  const parts: Buffer[] = [];
  for (const s of a.segments) {
    const b = Buffer.alloc(2 + w * s.asns.length);
    b[0] = s.type;
    b[1] = s.asns.length;
    s.asns.forEach((asn, i) => (w === 4 ? b.writeUInt32BE(asn >>> 0, 2 + 4 * i) : b.writeUInt16BE(asn & 0xffff, 2 + 2 * i)));
    parts.push(b);
  }
  return Buffer.concat(parts);
}

export function decodeAsPath(v: Uint8Array, kind: AsPathAttribute['kind'], fourOctet: boolean): AsPathAttribute {
  const w = fourOctet || kind === 'as4Path' ? 4 : 2;
  const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  const segments: AsPathSegment[] = [];
  let i = 0;
  while (i < b.length) {
    const type = b[i] ?? 0;
    const n = b[i + 1] ?? 0;
    if (i + 2 > b.length || n === 0 || type < 1 || type > 4 || i + 2 + n * w > b.length) {
      throw updateError(UpdateSubcode.MalformedAsPath, `bad segment at offset ${i}`);
    }
    const asns: number[] = [];
    for (let k = 0; k < n; k++) asns.push(w === 4 ? b.readUInt32BE(i + 2 + 4 * k) : b.readUInt16BE(i + 2 + 2 * k));
    segments.push({ type, asns });
    i += 2 + n * w;
  }
  return { kind, segments };
}
