// SPDX-License-Identifier: Apache-2.0
/** COMMUNITIES (type 8): 32-bit values written "asn:value". @see RFC 1997; RFC 7606 §7.8 */
import { updateError, UpdateSubcode } from '../errors.js';

export interface CommunitiesAttribute {
  readonly kind: 'communities';
  readonly values: readonly number[];
}

export function formatCommunity(v: number): string {
  return `${v >>> 16}:${v & 0xffff}`;
}

export function encodeCommunities(a: CommunitiesAttribute): Buffer {
  const b = Buffer.alloc(4 * a.values.length);
  a.values.forEach((v, i) => b.writeUInt32BE(v >>> 0, 4 * i));
  return b;
}

export function decodeCommunities(v: Uint8Array): CommunitiesAttribute {
  if (v.length === 0 || v.length % 4) throw updateError(UpdateSubcode.OptionalAttribute, `COMMUNITIES of ${v.length} bytes`);
  const b = Buffer.from(v);
  const values: number[] = [];
  for (let i = 0; i < b.length; i += 4) values.push(b.readUInt32BE(i));
  return { kind: 'communities', values };
}
