// SPDX-License-Identifier: Apache-2.0
/**
 * EXTENDED COMMUNITIES (type 16, 8 bytes each) and IPv6 Address Specific Extended Communities (type 25, 20 bytes each),
 * kept as opaque values: a speaker that only announces never acts on them.
 * @see RFC 4360 §2, RFC 5701 §2; RFC 7606 §7.14–7.15
 */
import { updateError, UpdateSubcode } from '../errors.js';

export interface ExtendedCommunitiesAttribute {
  readonly kind: 'extendedCommunities' | 'ipv6ExtendedCommunities';
  /** Each value as lowercase hex (16 or 40 digits). */
  readonly values: readonly string[];
}

const size = (kind: ExtendedCommunitiesAttribute['kind']): number => (kind === 'extendedCommunities' ? 8 : 20);

export function encodeExtendedCommunities(a: ExtendedCommunitiesAttribute): Buffer {
  return Buffer.concat(a.values.map((h) => Buffer.from(h, 'hex').subarray(0, size(a.kind))));
}

export function decodeExtendedCommunities(v: Uint8Array, kind: ExtendedCommunitiesAttribute['kind']): ExtendedCommunitiesAttribute {
  const n = size(kind);
  if (v.length === 0 || v.length % n) throw updateError(UpdateSubcode.OptionalAttribute, `${kind === 'extendedCommunities' ? 'EXTENDED_COMMUNITIES' : 'IPv6_EXTENDED_COMMUNITIES'} of ${v.length} bytes`);
  const values: string[] = [];
  for (let i = 0; i < v.length; i += n) values.push(Buffer.from(v.subarray(i, i + n)).toString('hex'));
  return { kind, values };
}
