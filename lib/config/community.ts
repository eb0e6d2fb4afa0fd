// SPDX-License-Identifier: Apache-2.0
/** BGP communities as configuration writes them: "asn:value", well-known names, "a:b:c" large ones, and Community objects' names. Pure. */
import type { Community } from '../schemas/types.generated.js';

export type LargeCommunity = readonly [number, number, number];

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

/** Parses "64512:1:2" (MetalLB also accepts a "large:" prefix). */
export function parseLargeCommunity(text: string): LargeCommunity {
  const t = text.trim().replace(/^large:/, '');
  const parts = t.split(':');
  const nums = parts.map((p) => (/^\d{1,10}$/.test(p) ? Number(p) : NaN));
  if (nums.length !== 3 || nums.some((n) => !(n <= 0xffffffff))) {
    throw new Error(`invalid large community "${text}": want "a:b:c" with each part 0..4294967295`);
  }
  return [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0];
}

export interface CommunityValues {
  readonly communities: number[];
  readonly large: LargeCommunity[];
}

/** Community texts (or names of Community entries) to values; throws on the first that is not one. */
export function communityValues(list: readonly string[] | undefined, named: ReadonlyMap<string, string>): CommunityValues {
  const communities: number[] = [];
  const large: LargeCommunity[] = [];
  for (const raw of list ?? []) {
    const v = named.get(raw) ?? raw;
    if (v.startsWith('large:') || v.split(':').length === 3) large.push(parseLargeCommunity(v));
    else communities.push(parseCommunity(v));
  }
  return { communities, large };
}

/** A Community object's entries, name -> value; throws when a value is not a community. */
export function parseCommunityObject(c: Community): Map<string, string> {
  const named = new Map<string, string>();
  for (const e of c.spec?.communities ?? []) {
    communityValues([e.value ?? ''], new Map());
    if (e.name && e.value) named.set(e.name, e.value);
  }
  return named;
}
