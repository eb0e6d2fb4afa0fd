// SPDX-License-Identifier: Apache-2.0
/**
 * Service annotations the hooks and the controller both read, each list newest first: where a Service
 * carries several spellings of one setting, the first one present wins. Pure.
 */

/** The sharing key of Services that share one IP (DNS on TCP and UDP port 53, say). */
export const SHARED_IP_KEY_ANNOTATIONS = ['network.deckhouse.io/load-balancer-shared-ip-key', 'network.deckhouse.io/load-balancer-allow-shared-ip'] as const;

/** Upstream MetalLB's sharing key; the BGP controller honours it as MetalLB does. */
export const METALLB_SHARED_IP_ANNOTATIONS = ['metallb.universe.tf/allow-shared-ip', 'metallb.io/allow-shared-ip'] as const;

/** The MetalLoadBalancerPool a BGP Service takes its address from. */
export const BGP_POOL_ANNOTATION = 'network.deckhouse.io/load-balancer-pool';
/** A BGP pool by name, the module's and MetalLB's spellings: such a Service is served over BGP. */
export const BGP_POOL_ANNOTATIONS = [BGP_POOL_ANNOTATION, 'metallb.universe.tf/address-pool', 'metallb.io/address-pool'] as const;

/** The pool upstream MetalLB's controller allocated a Service's IP from (its 0.13 and 0.15 spellings). */
export const ALLOCATED_POOL_ANNOTATIONS = ['metallb.io/ip-allocated-from-pool', 'metallb.universe.tf/ip-allocated-from-pool'] as const;

/** The first of `keys` the annotations carry, with its value. */
export function firstAnnotation(annotations: Readonly<Record<string, string>>, keys: readonly string[]): { key: string; value: string } | undefined {
  for (const key of keys) {
    const value = annotations[key];
    if (value !== undefined) return { key, value };
  }
  return undefined;
}
