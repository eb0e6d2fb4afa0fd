// SPDX-License-Identifier: Apache-2.0
/** What the allocator asks of the config model's pools: sizes, membership, overlaps. Pure. */
import type { Pool } from '../../../../lib/config/pool.js';
import { formatIpNumber, parseIp, ipToBigInt, rangeSize, type IpFamily, type IpRange } from '../../../../lib/ip.js';

/** Two pools that share addresses: which pool gives an address out would otherwise be silent. */
export interface PoolOverlap {
  readonly pools: readonly [string, string];
  /** The shared addresses, first-last. */
  readonly range: string;
}

/** Every pair of pools that share addresses (pools of different scopes included: they draw from the same addresses). */
export function poolOverlaps(pools: readonly Pool[]): PoolOverlap[] {
  const out: PoolOverlap[] = [];
  pools.forEach((a, i) => {
    for (const b of pools.slice(i + 1)) {
      for (const ra of a.ranges) {
        const rb = b.ranges.find((r) => r.family === ra.family && r.first <= ra.last && ra.first <= r.last);
        if (!rb) continue;
        const first = ra.first > rb.first ? ra.first : rb.first;
        const last = ra.last < rb.last ? ra.last : rb.last;
        out.push({ pools: [a.name, b.name], range: `${formatIpNumber(first, ra.family)}-${formatIpNumber(last, ra.family)}` });
        break;
      }
    }
  });
  return out;
}

/** True for IPv4 addresses ending in .0 or .255, which some CPE firmwares drop. */
export function isBuggy(n: bigint, family: IpFamily): boolean {
  if (family !== 4) return false;
  const last = n & 0xffn;
  return last === 0n || last === 0xffn;
}

/** How many x in [first, last] have x mod m == r. */
function countCongruent(first: bigint, last: bigint, r: bigint, m: bigint): bigint {
  const upTo = (x: bigint): bigint => (x < r ? 0n : (x - r) / m + 1n);
  return upTo(last) - (first === 0n ? 0n : upTo(first - 1n));
}

/** Usable addresses in a range, after avoidBuggyIPs. */
export function usableInRange(r: IpRange, avoidBuggy: boolean): bigint {
  const size = rangeSize(r);
  if (!avoidBuggy || r.family !== 4) return size;
  return size - countCongruent(r.first, r.last, 0n, 256n) - countCongruent(r.first, r.last, 255n, 256n);
}

/** Usable addresses in a pool. */
export function poolSize(p: Pool): bigint {
  return p.ranges.reduce((s, r) => s + usableInRange(r, p.avoidBuggyIPs), 0n);
}

/** True when the pool holds the address and avoidBuggyIPs does not exclude it. */
export function poolContains(p: Pool, ip: string): boolean {
  let addr;
  try {
    addr = parseIp(ip);
  } catch {
    return false;
  }
  const n = ipToBigInt(addr);
  if (p.avoidBuggyIPs && isBuggy(n, addr.family)) return false;
  return p.ranges.some((r) => r.family === addr.family && n >= r.first && n <= r.last);
}

/** The families a pool has addresses for. */
export function poolFamilies(p: Pool): Set<IpFamily> {
  return new Set(p.ranges.map((r) => r.family));
}
