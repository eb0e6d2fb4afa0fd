// SPDX-License-Identifier: Apache-2.0
/**
 * Annotations the module reads or writes. Where a Service carries several spellings of one setting (lists
 * newest first), the first one present wins. Pure.
 */

/** Service: the MetalLoadBalancerClass by name (marks the Service as L2). */
export const CLASS_ANNOTATION = 'network.deckhouse.io/metal-load-balancer-class';
/** Service: how many IPs (instances) to create; default 1. */
export const COUNT_ANNOTATION = 'network.deckhouse.io/l2-load-balancer-external-ips-count';
/** Service: comma-separated desired IPs; for L2 the i-th goes to the i-th instance. */
export const IPS_ANNOTATION = 'network.deckhouse.io/load-balancer-ips';
/** Service: the MetalLoadBalancerPool a BGP Service takes its address from. */
export const BGP_POOL_ANNOTATION = 'network.deckhouse.io/load-balancer-pool';
/** Service: the legacy (l2-load-balancer module era) balancer name. */
export const L2_BALANCER_NAME_ANNOTATION = 'network.deckhouse.io/l2-load-balancer-name';
/** BGPPeer with `enableGracefulRestart`: how long the router keeps our routes while we restart (a Go duration). */
export const GRACEFUL_RESTART_TIME_ANNOTATION = 'network.deckhouse.io/bgp-graceful-restart-time';
/**
 * BGPPeer, GTSM (RFC 5082): the number of hops to the peer, 1 for a directly connected router. The speaker then
 * sends with TTL 255 and the kernel drops the peer's packets that arrive with a TTL below 256 minus the hops.
 */
export const TTL_SECURITY_ANNOTATION = 'network.deckhouse.io/bgp-ttl-security-hops';

/** Upstream MetalLB's Service annotations, old (metallb.universe.tf) spelling. */
export const ADDRESS_POOL_ANNOTATION = 'metallb.universe.tf/address-pool';
export const UNIVERSE_IPS_ANNOTATION = 'metallb.universe.tf/loadBalancerIPs';
export const UNIVERSE_SHARED_IP_ANNOTATION = 'metallb.universe.tf/allow-shared-ip';
export const UNIVERSE_ALLOCATED_POOL_ANNOTATION = 'metallb.universe.tf/ip-allocated-from-pool';
/** Upstream MetalLB's Service annotations, metallb.io spelling; L2 instances carry the first three too. */
export const INSTANCE_POOL_ANNOTATION = 'metallb.io/address-pool';
export const INSTANCE_IPS_ANNOTATION = 'metallb.io/loadBalancerIPs';
export const INSTANCE_SHARING_ANNOTATION = 'metallb.io/allow-shared-ip';
export const ALLOCATED_POOL_ANNOTATION = 'metallb.io/ip-allocated-from-pool';
/** Instance: the node that should announce the instance's IP. */
export const PREFERRED_NODE_ANNOTATION = 'metallb.io/preferredL2SpeakerNode';

/** The sharing key of Services that share one IP (DNS on TCP and UDP port 53, say). */
export const SHARED_IP_KEY_ANNOTATIONS = ['network.deckhouse.io/load-balancer-shared-ip-key', 'network.deckhouse.io/load-balancer-allow-shared-ip'] as const;
/** Upstream MetalLB's sharing key; the BGP controller honours it as MetalLB does. */
export const METALLB_SHARED_IP_ANNOTATIONS = [UNIVERSE_SHARED_IP_ANNOTATION, INSTANCE_SHARING_ANNOTATION] as const;
/** A BGP pool by name, the module's and MetalLB's spellings: such a Service is served over BGP. */
export const BGP_POOL_ANNOTATIONS = [BGP_POOL_ANNOTATION, ADDRESS_POOL_ANNOTATION, INSTANCE_POOL_ANNOTATION] as const;
/** A BGP Service's desired IPs. */
export const BGP_IPS_ANNOTATIONS = [IPS_ANNOTATION, UNIVERSE_IPS_ANNOTATION, INSTANCE_IPS_ANNOTATION] as const;
export const BGP_SHARING_ANNOTATIONS = [...SHARED_IP_KEY_ANNOTATIONS, ...METALLB_SHARED_IP_ANNOTATIONS] as const;
/** The pool upstream MetalLB's controller allocated a Service's IP from (its 0.13 and 0.15 spellings). */
export const ALLOCATED_POOL_ANNOTATIONS = [ALLOCATED_POOL_ANNOTATION, UNIVERSE_ALLOCATED_POOL_ANNOTATION] as const;
/** Upstream MetalLB annotations that the module's own annotations replace. */
export const DEPRECATED_ANNOTATIONS = [
  UNIVERSE_ALLOCATED_POOL_ANNOTATION, ADDRESS_POOL_ANNOTATION, UNIVERSE_IPS_ANNOTATION, UNIVERSE_SHARED_IP_ANNOTATION,
  INSTANCE_POOL_ANNOTATION, INSTANCE_IPS_ANNOTATION, INSTANCE_SHARING_ANNOTATION,
] as const;

/** The first of `keys` the annotations carry, with its value. */
export function firstAnnotation(annotations: Readonly<Record<string, string>>, keys: readonly string[]): { key: string; value: string } | undefined {
  for (const key of keys) {
    const value = annotations[key];
    if (value !== undefined) return { key, value };
  }
  return undefined;
}
