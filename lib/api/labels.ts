// SPDX-License-Identifier: Apache-2.0
/** Labels the module sets or reads. Pure. */

/** Kept on every node of any MetalLoadBalancerClass. */
export const MEMBER_LABEL = 'l2-load-balancer.network.deckhouse.io/member';
/** Nodes with this label never announce (as kube-proxy, MetalLB and the service controller honour it). */
export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** Secrets with this label may be referenced as BGP passwords. */
export const BGP_PASSWORD_LABEL = 'network.deckhouse.io/metallb-bgp-password';
/** On objects created by the migrations. */
export const MIGRATION_LABEL = 'auto-generated-by';
export const MIGRATION_LABEL_VALUE = 'd8-migration-hook';
/** On an SDNInternalL2LBService: the name of its Service (older instances have no serviceRef). */
export const PARENT_SERVICE_LABEL = 'parent-service';
/** On ServiceL2Status objects: the announcing node and the Service. */
export const STATUS_NODE_LABEL = 'metallb.io/node';
export const STATUS_SERVICE_NAME_LABEL = 'metallb.io/service-name';
export const STATUS_SERVICE_NAMESPACE_LABEL = 'metallb.io/service-namespace';
