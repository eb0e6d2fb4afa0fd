// SPDX-License-Identifier: Apache-2.0
/** COMMUNITIES (type 8): 32-bit values written "asn:value". @see RFC 1997; RFC 7606 §7.8 */
import { updateError, UpdateSubcode } from '../errors.js';

export interface CommunitiesAttribute {
  readonly kind: 'communities';
  readonly values: readonly number[];
}

/** Well-known community names accepted in configuration. */
export const wellKnownCommunities: Readonly<Record<string, number>> = {
  'no-export': 0xffffff01,
  'no-advertise': 0xffffff02,
  'no-export-subconfed': 0xffffff03,
  'no-peer': 0xffffff04,
  'graceful-shutdown': 0xffff0000,
  blackhole: 0xffff029a,
};

/** Parses "65000:100" (or a well-known name) to its 32-bit value. */
export function parseCommunity(text: string): number {
  const named = wellKnownCommunities[text.toLowerCase()];
  if (named !== undefined) return named;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(text.trim());
  const hi = Number(m?.[1]);
  const lo = Number(m?.[2]);
  if (!m || hi > 0xffff || lo > 0xffff) throw new Error(`invalid community "${text}": want "asn:value" with both parts 0..65535`);
  return ((hi << 16) | lo) >>> 0;
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
