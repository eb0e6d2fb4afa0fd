// SPDX-License-Identifier: Apache-2.0
/** Names users and the platform see: annotations, labels, conditions, API groups. */

/** Service annotation: MetalLoadBalancerClass by name. */
export const CLASS_ANNOTATION = 'network.deckhouse.io/metal-load-balancer-class';
/** Service annotation: how many IPs (instances) to create; default 1. */
export const COUNT_ANNOTATION = 'network.deckhouse.io/l2-load-balancer-external-ips-count';
/** Service annotation: comma-separated desired IPs; the i-th goes to the i-th instance. */
export const IPS_ANNOTATION = 'network.deckhouse.io/load-balancer-ips';
/** Legacy (l2-load-balancer module era) Service annotation. */
export const L2_BALANCER_NAME_ANNOTATION = 'network.deckhouse.io/l2-load-balancer-name';
/** Upstream MetalLB pool annotation. */
export const ADDRESS_POOL_ANNOTATION = 'metallb.universe.tf/address-pool';

/** Instance annotation: the node that should announce the instance's IP. */
export const PREFERRED_NODE_ANNOTATION = 'metallb.io/preferredL2SpeakerNode';

/** Node label kept on every node of any class. */
export const MEMBER_LABEL = 'l2-load-balancer.network.deckhouse.io/member';
/** Nodes with this label never announce. */
export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';
/** Secrets with this label may be referenced as BGP passwords. */
export const BGP_PASSWORD_LABEL = 'network.deckhouse.io/metallb-bgp-password';
/** Label on objects created by the migrations. */
export const MIGRATION_LABEL = 'auto-generated-by';
export const MIGRATION_LABEL_VALUE = 'd8-migration-hook';

/** Hook metric: one legacy ModuleConfig setting and the object it now lives in (alert D8MetallbSettingsMigrated). */
export const SETTING_MIGRATED_METRIC = 'd8_metallb_setting_migrated';

/** Service condition recording the bound class (sticky). */
export const CLASS_CONDITION = 'network.deckhouse.io/load-balancer-class';
export const CLASS_BOUND_REASON = 'LoadBalancerClassBound';
/** Service condition: how many of the requested IPs are assigned. */
export const ASSIGNED_CONDITION = 'AllPublicIPsAssigned';

export const NAMESPACE = 'd8-metallb';
export const MODULE = 'metallb';
export const NETWORK_API = 'network.deckhouse.io/v1alpha1';
export const INTERNAL_API = 'internal.network.deckhouse.io/v1alpha1';
export const METALLB_API = 'metallb.io/v1beta1';
export const MODULE_CONFIG_API = 'deckhouse.io/v1alpha1';
/** The loadBalancerClass the controller serves instances under. */
export const INSTANCE_LB_CLASS = 'l2-load-balancer-class.network.deckhouse.io';
