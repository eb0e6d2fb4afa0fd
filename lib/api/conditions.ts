// SPDX-License-Identifier: Apache-2.0
/** Status condition types and reasons the module writes. Pure. */

/** Service condition recording the bound MetalLoadBalancerClass (sticky). */
export const CLASS_CONDITION = 'network.deckhouse.io/load-balancer-class';
export const CLASS_BOUND_REASON = 'LoadBalancerClassBound';
/** Service condition: how many of the requested IPs are assigned. */
export const ASSIGNED_CONDITION = 'AllPublicIPsAssigned';
/** Service condition the controller writes: the IPs it allocated, or why it could not. */
export const IP_ALLOCATED_CONDITION = 'IPAllocated';
/** MetalLoadBalancerConfiguration condition: every peer, pool and password Secret it names exists. */
export const REFERENCES_RESOLVED_CONDITION = 'ReferencesResolved';
/** MetalLoadBalancerClass condition: False (reason ConfigStale) while its current version cannot be used and its last valid one is in force. */
export const ACCEPTED_CONDITION = 'Accepted';
