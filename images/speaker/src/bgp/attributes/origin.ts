// SPDX-License-Identifier: Apache-2.0
/** ORIGIN (type 1, well-known mandatory). @see RFC 4271 §5.1.1; RFC 7606 §7.1 */
import { updateError, UpdateSubcode } from '../errors.js';

export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const;

export interface OriginAttribute {
  readonly kind: 'origin';
  readonly value: number;
}

export function encodeOrigin(a: OriginAttribute): Buffer {
  return Buffer.of(a.value);
}

export function decodeOrigin(v: Uint8Array): OriginAttribute {
  if (v.length !== 1) throw updateError(UpdateSubcode.AttributeLength, `ORIGIN of ${v.length} bytes`);
  const value = v[0] ?? 0;
  if (value > 2) throw updateError(UpdateSubcode.InvalidOrigin, `ORIGIN ${value}`);
  return { kind: 'origin', value };
}
