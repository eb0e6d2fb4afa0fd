// SPDX-License-Identifier: Apache-2.0
/** ATOMIC_AGGREGATE (type 6, well-known discretionary, no value). @see RFC 4271 §5.1.6; RFC 7606 §7.6 */
import { updateError, UpdateSubcode } from '../errors.js';

export interface AtomicAggregateAttribute {
  readonly kind: 'atomicAggregate';
}

export function encodeAtomicAggregate(): Buffer {
  return Buffer.alloc(0);
}

export function decodeAtomicAggregate(v: Uint8Array): AtomicAggregateAttribute {
  if (v.length !== 0) throw updateError(UpdateSubcode.AttributeLength, `ATOMIC_AGGREGATE of ${v.length} bytes`);
  return { kind: 'atomicAggregate' };
}
