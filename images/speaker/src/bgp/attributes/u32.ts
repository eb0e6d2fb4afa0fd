// SPDX-License-Identifier: Apache-2.0
/** MULTI_EXIT_DISC (type 4), LOCAL_PREF (type 5) and ONLY_TO_CUSTOMER (type 35): one 32-bit value each. @see RFC 4271 §5.1.4–5.1.5; RFC 7606 §7.4–7.5; RFC 9234 §5 */
import { updateError, UpdateSubcode } from '../errors.js';

export interface U32Attribute {
  readonly kind: 'med' | 'localPref' | 'onlyToCustomer';
  readonly value: number;
}

export function encodeU32(a: U32Attribute): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(a.value >>> 0, 0);
  return b;
}

export function decodeU32(v: Uint8Array, kind: U32Attribute['kind']): U32Attribute {
  if (v.length !== 4) throw updateError(UpdateSubcode.AttributeLength, `${kind} of ${v.length} bytes`);
  return { kind, value: Buffer.from(v).readUInt32BE(0) };
}
