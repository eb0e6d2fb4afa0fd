// SPDX-License-Identifier: Apache-2.0
/** LARGE_COMMUNITY (type 32): triples of 32-bit values "ga:ld1:ld2". @see RFC 8092 §3, §6 */
import type { LargeCommunity } from '../../../../../lib/config/community.js';
import { updateError, UpdateSubcode } from '../errors.js';

export interface LargeCommunitiesAttribute {
  readonly kind: 'largeCommunities';
  readonly values: readonly LargeCommunity[];
}

export function formatLargeCommunity(c: LargeCommunity): string {
  return c.join(':');
}

export function encodeLargeCommunities(a: LargeCommunitiesAttribute): Buffer {
  const b = Buffer.alloc(12 * a.values.length);
  a.values.forEach((c, i) => c.forEach((n, k) => b.writeUInt32BE(n >>> 0, 12 * i + 4 * k)));
  return b;
}

export function decodeLargeCommunities(v: Uint8Array): LargeCommunitiesAttribute {
  if (v.length === 0 || v.length % 12) throw updateError(UpdateSubcode.OptionalAttribute, `LARGE_COMMUNITY of ${v.length} bytes`);
  const b = Buffer.from(v);
  const values: LargeCommunity[] = [];
  for (let i = 0; i < b.length; i += 12) values.push([b.readUInt32BE(i), b.readUInt32BE(i + 4), b.readUInt32BE(i + 8)]);
  return { kind: 'largeCommunities', values };
}
