// SPDX-License-Identifier: Apache-2.0
/** The controller's Kubernetes I/O: informers, status writes, Events, the Lease. Thin: no decisions here. */
import * as k8s from '@kubernetes/client-node';
import { IP_ADDRESS_POOL, METAL_LOAD_BALANCER_CLASS, resourcePath, SDN_INTERNAL_L2LB_SERVICE } from '../../../lib/api/index.js';
import { listedInformer, type InformerOptions } from '../../../lib/informer.js';
import type { ObjectRef } from '../../../lib/k8s-event.js';
import type { LeaseRecord, LeaseStore } from './leader.js';
import type { ObjectMeta, ServiceLike, ServiceStatusLike } from './objects.js';
import { apiClient, jsonGetter } from './transport.js';

export { apiClient };

export const COMPONENT = 'metallb-controller';

/** The HTTP status of a failed API call, or undefined for transport errors. */
export function statusCode(e: unknown): number | undefined {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
}

type AnyObject = k8s.KubernetesObject;

/** Informers for everything the controller reads; each knows whether it ever listed, and retries with back-off. */
export function informers(kc: k8s.KubeConfig, namespace: string, o: InformerOptions = {}) {
  const core = apiClient(kc, k8s.CoreV1Api);
  const custom = apiClient(kc, k8s.CustomObjectsApi);
  const get = jsonGetter(kc);
  return {
    // Plain JSON, as the watch delivers them: no typed decoding of every Service.
    services: listedInformer<k8s.V1Service>(kc, '/api/v1/services', () => get('/api/v1/services'), o),
    namespaces: listedInformer<k8s.V1Namespace>(kc, '/api/v1/namespaces', () => core.listNamespace(), o),
    instances: listedInformer<AnyObject>(kc, resourcePath(SDN_INTERNAL_L2LB_SERVICE),
      () => custom.listClusterCustomObject({ ...SDN_INTERNAL_L2LB_SERVICE }), o),
    pools: listedInformer<AnyObject>(kc, resourcePath(IP_ADDRESS_POOL, namespace),
      () => custom.listNamespacedCustomObject({ ...IP_ADDRESS_POOL, namespace }), o),
    classes: listedInformer<AnyObject>(kc, resourcePath(METAL_LOAD_BALANCER_CLASS),
      () => custom.listClusterCustomObject({ ...METAL_LOAD_BALANCER_CLASS }).catch((e: unknown) => {
        // The class CRD may be absent (BGP-only clusters) or unreadable: then no class is the default.
        if (statusCode(e) === 404 || statusCode(e) === 403) return { apiVersion: 'v1', kind: 'List', items: [], metadata: {} };
        throw e;
      }), o),
  };
}

export type Informers = ReturnType<typeof informers>;

/** Writes status through the status subresource, with the resourceVersion it read (409 on a race). */
export class StatusWriter {
  readonly #core: k8s.CoreV1Api;
  readonly #custom: k8s.CustomObjectsApi;
  constructor(kc: k8s.KubeConfig) {
    this.#core = apiClient(kc, k8s.CoreV1Api);
    this.#custom = apiClient(kc, k8s.CustomObjectsApi);
  }

  async write(kind: 'instance' | 'service', obj: ServiceLike, status: ServiceStatusLike): Promise<ServiceLike> {
    const md = obj.metadata ?? {};
    const name = md.name ?? '';
    const namespace = md.namespace ?? '';
    const body = { ...obj, status };
    if (kind === 'instance') return (await this.#custom.replaceNamespacedCustomObjectStatus({ ...SDN_INTERNAL_L2LB_SERVICE, namespace, name, body })) as ServiceLike;
    return (await this.#core.replaceNamespacedServiceStatus({ name, namespace, body: body as k8s.V1Service })) as ServiceLike;
  }

  async read(kind: 'instance' | 'service', namespace: string, name: string): Promise<ServiceLike | undefined> {
    try {
      if (kind === 'instance') return (await this.#custom.getNamespacedCustomObjectStatus({ ...SDN_INTERNAL_L2LB_SERVICE, namespace, name })) as ServiceLike;
      return (await this.#core.readNamespacedServiceStatus({ name, namespace })) as ServiceLike;
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }
}

/** The object an Event is about. */
export interface EventSubject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** The Event reference of `subject`; with its uid `kubectl describe` finds the Event. */
export function eventRef(subject: EventSubject): ObjectRef {
  const md = subject.metadata;
  return {
    apiVersion: subject.apiVersion,
    kind: subject.kind,
    name: md.name ?? '',
    ...(md.namespace ? { namespace: md.namespace } : {}),
    ...(md.uid ? { uid: md.uid } : {}),
    ...(md.resourceVersion ? { resourceVersion: md.resourceVersion } : {}),
  };
}

/** The Lease the replicas elect a leader on. */
export class KubeLeaseStore implements LeaseStore {
  readonly #api: k8s.CoordinationV1Api;
  /** `timeoutMs`: a Lease call that takes longer cannot renew in time anyway. */
  constructor(kc: k8s.KubeConfig, private readonly namespace: string, private readonly name: string, timeoutMs: number) {
    this.#api = apiClient(kc, k8s.CoordinationV1Api, timeoutMs);
  }

  async get(): Promise<LeaseRecord | undefined> {
    try {
      return fromLease(await this.#api.readNamespacedLease({ name: this.name, namespace: this.namespace }));
    } catch (e) {
      if (statusCode(e) === 404) return undefined;
      throw e;
    }
  }

  async create(r: LeaseRecord): Promise<LeaseRecord> {
    return fromLease(await this.#api.createNamespacedLease({ namespace: this.namespace, body: this.#toLease(r) }));
  }

  async replace(r: LeaseRecord): Promise<LeaseRecord> {
    return fromLease(await this.#api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: this.#toLease(r) }));
  }

  #toLease(r: LeaseRecord): k8s.V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.name, namespace: this.namespace, ...(r.resourceVersion ? { resourceVersion: r.resourceVersion } : {}) },
      spec: {
        holderIdentity: r.holder,
        leaseDurationSeconds: r.durationSeconds,
        renewTime: new k8s.V1MicroTime(r.renewTime),
        acquireTime: new k8s.V1MicroTime(r.acquireTime),
        leaseTransitions: r.transitions,
      },
    };
  }
}

function fromLease(l: k8s.V1Lease): LeaseRecord {
  const s = l.spec ?? {};
  const ms = (d: Date | string | undefined): number => (d ? new Date(d).getTime() : 0);
  return {
    holder: s.holderIdentity ?? '',
    durationSeconds: s.leaseDurationSeconds ?? 15,
    renewTime: ms(s.renewTime),
    acquireTime: ms(s.acquireTime),
    transitions: s.leaseTransitions ?? 0,
    resourceVersion: l.metadata?.resourceVersion,
  };
}
