// SPDX-License-Identifier: Apache-2.0
/** Address pools from metallb.io IPAddressPool objects, as the controller allocates from them and the speakers announce them. Pure. */
import { parsePoolEntries, type IpRange } from '../ip.js';
import { parseSelector, type LabelSelector, type Selector } from '../selector.js';

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
  /** The object's labels, which BGP and L2 advertisements select pools by. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The parts of an IPAddressPool object the model reads. */
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

/** An IPAddressPool object, as far as the model reads it. */
export interface IPAddressPoolObject {
  metadata?: { name?: string | undefined; namespace?: string | undefined; labels?: Record<string, string> | undefined; uid?: string | undefined; resourceVersion?: string | undefined } | undefined;
  spec?: IPAddressPoolSpec | undefined;
}

export class PoolError extends Error {
  constructor(readonly pool: string, reason: string) {
    super(`pool "${pool}": ${reason}`);
    this.name = 'PoolError';
  }
}

/**
 * Which consumers a pool in d8-metallb serves. Pools labelled `heritage: deckhouse` are rendered by the
 * module: `app: bgp` ones from MetalLoadBalancerPools (BGP), the others per MetalLoadBalancerClass (L2).
 * Pools without that label are the user's own metallb.io pools and serve BGP Services, as in MetalLB.
 */
export function scopeOfPool(labels: Readonly<Record<string, string>>): PoolScope {
  if (labels['heritage'] !== 'deckhouse') return { l2: false, bgp: true };
  return labels['app'] === 'bgp' ? { l2: false, bgp: true } : { l2: true, bgp: false };
}

/** Builds a Pool from an IPAddressPool spec; defaults are applied here and nowhere else. Throws PoolError. */
export function poolFromSpec(name: string, spec: IPAddressPoolSpec, scope: PoolScope, labels: Readonly<Record<string, string>> = {}): Pool {
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
  return { name, ranges, autoAssign: spec.autoAssign ?? true, avoidBuggyIPs: spec.avoidBuggyIPs ?? false, allocation, scope, labels };
}

/** The pool of an IPAddressPool object; throws PoolError when it cannot be used. */
export function parsePool(o: IPAddressPoolObject): Pool {
  const labels = o.metadata?.labels ?? {};
  return poolFromSpec(o.metadata?.name ?? '', o.spec ?? {}, scopeOfPool(labels), labels);
}
