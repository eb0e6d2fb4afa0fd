// SPDX-License-Identifier: Apache-2.0
/**
 * Many Services fit the API server's networks as in a large cluster: single-stack IPv6 ClusterIPs (the
 * IPv4 Service range is a documentation /25) and no NodePorts (2,768 of them).
 */
export const BENCH_SERVICE_NETWORK = { ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'], allocateLoadBalancerNodePorts: false };
