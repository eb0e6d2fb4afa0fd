// SPDX-License-Identifier: Apache-2.0
/**
 * The server's built-in controllers (the lab's kube-controller-manager): each names the kinds it
 * watches and reconciles after a change to one of them (on the next turn of the event loop, never
 * inside a store event), and optionally on a period for time-driven work.
 */
import type { Api, Target } from './api.js';
import type { StoreEvent } from './store.js';
import { aggregatedRules, type Role } from './rbac.js';
import { sameJson, type KObject } from './types.js';

export interface Controller {
  readonly name: string;
  /** Storage keys (see resources.storageKey) whose changes trigger a reconcile. */
  readonly watches: readonly string[];
  /** Sees each change of a watched kind before the reconcile it triggers (to narrow that reconcile). */
  observe?(e: StoreEvent): void;
  reconcile(): void;
  /** Also reconcile every this many ms. */
  readonly everyMs?: number;
}

export class ControllerManager {
  readonly #controllers: Controller[] = [];
  readonly #dirty = new Set<Controller>();
  readonly #timers: Array<ReturnType<typeof setInterval>> = [];
  #scheduled: ReturnType<typeof setImmediate> | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(readonly api: Api, readonly onError: (controller: string, e: unknown) => void = () => undefined) {}

  add(c: Controller): this {
    this.#controllers.push(c);
    return this;
  }

  /** Reconciles every controller once, then follows changes. */
  start(): void {
    this.#unsubscribe = this.api.store.subscribe((e) => {
      for (const c of this.#controllers) {
        if (!c.watches.includes(e.kind)) continue;
        c.observe?.(e);
        this.#dirty.add(c);
      }
      if (this.#dirty.size && !this.#scheduled) this.#scheduled = setImmediate(() => this.#drain());
    });
    for (const c of this.#controllers) {
      this.#dirty.add(c);
      if (c.everyMs) this.#timers.push(setInterval(() => this.#run(c), c.everyMs));
    }
    this.#drain();
  }

  stop(): void {
    this.#unsubscribe?.();
    for (const t of this.#timers) clearInterval(t);
    if (this.#scheduled) clearImmediate(this.#scheduled);
  }

  #drain(): void {
    this.#scheduled = undefined;
    const batch = [...this.#dirty];
    this.#dirty.clear();
    for (const c of batch) this.#run(c);
  }

  #run(c: Controller): void {
    try {
      c.reconcile();
    } catch (e) {
      this.onError(c.name, e);
    }
  }
}

/** The target of one object of a built-in kind, for controllers writing through the Api. */
export function targetOf(api: Api, group: string, resource: string, namespace?: string, name?: string): Target {
  const type = api.find(group, 'v1', resource);
  if (!type) throw new Error(`no built-in kind ${resource}.${group}`);
  const t: Target = { type, version: 'v1' };
  if (namespace !== undefined) t.namespace = namespace;
  if (name !== undefined) t.name = name;
  return t;
}

const CLUSTER_ROLES = 'clusterroles.rbac.authorization.k8s.io';

/** clusterrole-aggregation: an aggregated ClusterRole holds the rules of the roles its selectors pick. */
export function roleAggregation(api: Api): Controller {
  return {
    name: 'clusterrole-aggregation',
    watches: [CLUSTER_ROLES],
    reconcile() {
      // Aggregated roles may feed each other (view -> edit -> admin): repeat until nothing changes.
      for (let pass = 0; pass < 10; pass++) {
        let changed = false;
        const roles = api.store.list(CLUSTER_ROLES) as Array<KObject & Role>;
        for (const r of roles) {
          const want = aggregatedRules(r, roles);
          if (!want || sameJson(want, r.rules ?? [])) continue;
          api.update(targetOf(api, 'rbac.authorization.k8s.io', 'clusterroles', undefined, r.metadata.name ?? ''), { ...r, rules: want }, {});
          changed = true;
        }
        if (!changed) return;
      }
    },
  };
}

/** serviceaccount and root-ca-cert-publisher: every namespace has a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap. */
export function namespaceDefaults(api: Api, caPem: string): Controller {
  return {
    name: 'namespace-defaults',
    watches: ['namespaces', 'serviceaccounts', 'configmaps'],
    reconcile() {
      for (const ns of api.store.list('namespaces')) {
        const name = ns.metadata.name ?? '';
        if (ns.metadata.deletionTimestamp) continue;
        if (!api.store.get('serviceaccounts', name, 'default')) {
          api.create(targetOf(api, '', 'serviceaccounts', name), { metadata: { name: 'default' } }, {});
        }
        const cm = api.store.get('configmaps', name, ROOT_CA);
        const data = { 'ca.crt': caPem };
        if (!cm) api.create(targetOf(api, '', 'configmaps', name), { metadata: { name: ROOT_CA, annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data }, {});
        else if (!sameJson(cm.data, data)) api.update(targetOf(api, '', 'configmaps', name, ROOT_CA), { ...cm, data }, {});
      }
    },
  };
}

export const ROOT_CA = 'kube-root-ca.crt';
