// SPDX-License-Identifier: Apache-2.0
/** The API groups, versions, kinds and plurals the module serves, watches and writes. Pure. */

/** One API resource: where it is served and what its objects are called. */
export interface Resource<G extends string = string, V extends string = string> {
  readonly group: G;
  readonly version: V;
  readonly kind: string;
  readonly plural: string;
}

/** `group/version` (the resources here all have a group). */
export function apiVersionOf<G extends string, V extends string>(r: Pick<Resource<G, V>, 'group' | 'version'>): `${G}/${V}` {
  return `${r.group}/${r.version}`;
}

export const NETWORK_GROUP = 'network.deckhouse.io';
export const INTERNAL_GROUP = 'internal.network.deckhouse.io';
export const METALLB_GROUP = 'metallb.io';
export const DECKHOUSE_GROUP = 'deckhouse.io';

export const NETWORK_API = `${NETWORK_GROUP}/v1alpha1` as const;
export const INTERNAL_API = `${INTERNAL_GROUP}/v1alpha1` as const;
export const METALLB_API = `${METALLB_GROUP}/v1beta1` as const;
/** BGPPeer's newer version (v1beta1 is still served). */
export const METALLB_API_V1BETA2 = `${METALLB_GROUP}/v1beta2` as const;
export const MODULE_CONFIG_API = `${DECKHOUSE_GROUP}/v1alpha1` as const;

const network = (kind: string, plural: string): Resource<typeof NETWORK_GROUP, 'v1alpha1'> => ({ group: NETWORK_GROUP, version: 'v1alpha1', kind, plural });
const metallb = <V extends string = 'v1beta1'>(kind: string, plural: string, version: V = 'v1beta1' as V): Resource<typeof METALLB_GROUP, V> => ({ group: METALLB_GROUP, version, kind, plural });

export const METAL_LOAD_BALANCER_CLASS = network('MetalLoadBalancerClass', 'metalloadbalancerclasses');
export const METAL_LOAD_BALANCER_POOL = network('MetalLoadBalancerPool', 'metalloadbalancerpools');
export const METAL_LOAD_BALANCER_BGP_PEER = network('MetalLoadBalancerBGPPeer', 'metalloadbalancerbgppeers');
export const METAL_LOAD_BALANCER_CONFIGURATION = network('MetalLoadBalancerConfiguration', 'metalloadbalancerconfigurations');
/** One requested address of an L2 Service: the controller allocates it, the speaker announces it. */
export const SDN_INTERNAL_L2LB_SERVICE: Resource<typeof INTERNAL_GROUP, 'v1alpha1'> = { group: INTERNAL_GROUP, version: 'v1alpha1', kind: 'SDNInternalL2LBService', plural: 'sdninternall2lbservices' };

export const IP_ADDRESS_POOL = metallb('IPAddressPool', 'ipaddresspools');
export const L2_ADVERTISEMENT = metallb('L2Advertisement', 'l2advertisements');
export const SERVICE_L2_STATUS = metallb('ServiceL2Status', 'servicel2statuses');
export const BGP_PEER = metallb('BGPPeer', 'bgppeers', 'v1beta2');
export const BGP_ADVERTISEMENT = metallb('BGPAdvertisement', 'bgpadvertisements');
export const COMMUNITY = metallb('Community', 'communities');
export const BFD_PROFILE = metallb('BFDProfile', 'bfdprofiles');
/** Upstream's removed AddressPool kind: only its CRD is deleted. */
export const DEPRECATED_ADDRESS_POOL_CRD = 'addresspools.metallb.io';

export const MODULE_CONFIG: Resource<typeof DECKHOUSE_GROUP, 'v1alpha1'> = { group: DECKHOUSE_GROUP, version: 'v1alpha1', kind: 'ModuleConfig', plural: 'moduleconfigs' };

/** The module, its namespace, and the loadBalancerClass its L2 instances are served under. */
export const MODULE = 'metallb';
export const NAMESPACE = 'd8-metallb';
export const INSTANCE_LB_CLASS = 'l2-load-balancer-class.network.deckhouse.io';

/** The API path of a resource's collection, cluster-wide or in one namespace. */
export function resourcePath(r: Pick<Resource, 'group' | 'version' | 'plural'>, namespace?: string): string {
  const base = `/apis/${r.group}/${r.version}`;
  return namespace === undefined ? `${base}/${r.plural}` : `${base}/namespaces/${namespace}/${r.plural}`;
}
