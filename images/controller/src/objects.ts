// SPDX-License-Identifier: Apache-2.0
/** The shapes of the Kubernetes objects the controller reads and writes, as far as it reads them. */

export interface ObjectMeta {
  name?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number | undefined;
  creationTimestamp?: string | Date | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown' | string;
  reason?: string | undefined;
  message?: string | undefined;
  lastTransitionTime?: string | Date | undefined;
  observedGeneration?: number | undefined;
}

export interface LoadBalancerIngress {
  ip?: string | undefined;
  hostname?: string | undefined;
  ipMode?: string | undefined;
}

export interface ServiceStatusLike {
  loadBalancer?: { ingress?: LoadBalancerIngress[] | undefined } | undefined;
  conditions?: Condition[] | undefined;
}

/** A Service, or an SDNInternalL2LBService (whose spec is a ServiceSpec copy plus serviceRef). */
export interface ServiceLike {
  apiVersion?: string | undefined;
  kind?: string | undefined;
  metadata?: ObjectMeta | undefined;
  spec?: {
    type?: string | undefined;
    loadBalancerClass?: string | undefined;
    loadBalancerIP?: string | undefined;
    clusterIP?: string | undefined;
    ipFamilies?: string[] | undefined;
    ipFamilyPolicy?: string | undefined;
    externalTrafficPolicy?: string | undefined;
    selector?: Record<string, string> | undefined;
    ports?: Array<{ protocol?: string | undefined; port: number }> | undefined;
    serviceRef?: { name: string; namespace: string } | undefined;
  } | undefined;
  status?: ServiceStatusLike | undefined;
}

export interface NamespaceLike {
  metadata?: ObjectMeta | undefined;
}

/** A network.deckhouse.io MetalLoadBalancerClass (only isDefault matters here). */
export interface LoadBalancerClassLike {
  metadata?: ObjectMeta | undefined;
  spec?: { isDefault?: boolean | undefined } | undefined;
}

export function nameOf(o: { metadata?: ObjectMeta | undefined }): string {
  return o.metadata?.name ?? '';
}

export function namespaceOf(o: { metadata?: ObjectMeta | undefined }): string {
  return o.metadata?.namespace ?? '';
}
