// SPDX-License-Identifier: Apache-2.0
/** Address pools as the allocator sees them, built from metallb.io IPAddressPool objects. Pure. */
import { formatIpNumber, parseIp, ipToBigInt, parsePoolEntries, rangeSize, type IpFamily, type IpRange } from '../../../../lib/ip.js';
import { parseSelector, type LabelSelector, type Selector } from '../../../../lib/selector.js';

/** Which consumers may draw from a pool. */
export interface PoolScope {
  /** L2 instances (SDNInternalL2LBService). */
  readonly l2: boolean;
  /** BGP Services. */
  readonly bgp: boolean;
}

/** Who a pool serves, from `spec.serviceAllocation`. */
export interface ServiceAllocation {
  /** Lower wins; 0 means "no priority" and sorts after every prioritised pool. */
  readonly priority: number;
  readonly namespaces: readonly string[];
  readonly namespaceSelectors: readonly Selector[];
  readonly serviceSelectors: readonly Selector[];
}

export interface Pool {
  readonly name: string;
  /** Non-overlapping within the pool, in the order written. */
  readonly ranges: readonly IpRange[];
  readonly autoAssign: boolean;
  /** Skip IPv4 addresses ending in .0 and .255. */
  readonly avoidBuggyIPs: boolean;
  readonly allocation: ServiceAllocation | undefined;
  readonly scope: PoolScope;
}

/** The parts of an IPAddressPool object the allocator reads. */
export interface IPAddressPoolSpec {
  addresses?: string[] | undefined;
  autoAssign?: boolean | undefined;
  avoidBuggyIPs?: boolean | undefined;
  serviceAllocation?: {
    priority?: number | undefined;
    namespaces?: string[] | undefined;
    namespaceSelectors?: LabelSelector[] | undefined;
    serviceSelectors?: LabelSelector[] | undefined;
  } | undefined;
}

export class PoolError extends Error {
  constructor(readonly pool: string, reason: string) {
    super(`pool "${pool}": ${reason}`);
    this.name = 'PoolError';
  }
}

/** Builds a Pool from an IPAddressPool spec; defaults are applied here and nowhere else. Throws PoolError. */
export function poolFromSpec(name: string, spec: IPAddressPoolSpec, scope: PoolScope): Pool {
  let ranges: IpRange[];
  try {
    ranges = parsePoolEntries(spec.addresses ?? []);
  } catch (e) {
    throw new PoolError(name, (e as Error).message);
  }
  const sa = spec.serviceAllocation;
  let allocation: ServiceAllocation | undefined;
  if (sa) {
    try {
      allocation = {
        priority: sa.priority ?? 0,
        namespaces: sa.namespaces ?? [],
        namespaceSelectors: (sa.namespaceSelectors ?? []).map(parseSelector),
        serviceSelectors: (sa.serviceSelectors ?? []).map(parseSelector),
      };
    } catch (e) {
      throw new PoolError(name, `serviceAllocation: ${(e as Error).message}`);
    }
  }
  return { name, ranges, autoAssign: spec.autoAssign ?? true, avoidBuggyIPs: spec.avoidBuggyIPs ?? false, allocation, scope };
}

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
