// SPDX-License-Identifier: Apache-2.0
/**
 * The EndpointSlice controller: for every Service with a selector, one slice per address family of the
 * Service, listing the selected Pods that have an address (ready, serving, terminating, node, zone,
 * target) and the Service's ports with target ports resolved, named ports per Pod. The slice body is
 * pure (desiredSlices); the controller writes the difference through the Api.
 */
import { familyOf } from '../../lib/ip.js';
import { matches, parseSelector } from '../../lib/selector.js';
import type { Api } from './api.js';
import { targetOf, type Controller } from './controllers.js';
import { isRecord, sameJson, type KObject } from './types.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const MANAGED_BY = 'endpointslice-controller.k8s.io';
const SLICES = 'endpointslices.discovery.k8s.io';

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What one slice should hold (its identity is the Service and the address type). */
export interface SliceBody {
  addressType: 'IPv4' | 'IPv6';
  endpoints: Record<string, unknown>[];
  ports: Record<string, unknown>[];
}

function podReady(p: KObject): boolean {
  return arr(rec(p.status).conditions).some((c) => rec(c).type === 'Ready' && rec(c).status === 'True');
}

/** The Service's ports for one Pod: a named target port resolves through the Pod's container ports. */
function portsFor(svc: KObject, pod: KObject): Record<string, unknown>[] | undefined {
  const out: Record<string, unknown>[] = [];
  for (const sp of arr(rec(svc.spec).ports).map(rec)) {
    const target = sp.targetPort ?? sp.port;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else {
      for (const c of arr(rec(pod.spec).containers).map(rec)) {
        const found = arr(c.ports).map(rec).find((cp) => cp.name === target && (cp.protocol ?? 'TCP') === (sp.protocol ?? 'TCP'));
        if (found) port = Number(found.containerPort);
      }
      if (port === undefined) return undefined;
    }
    out.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

/** The slices a Service with a selector should have, from the Pods of its namespace and the Nodes. */
export function desiredSlices(svc: KObject, pods: readonly KObject[], nodes: readonly KObject[]): SliceBody[] {
  const spec = rec(svc.spec);
  const selector = rec(spec.selector) as Record<string, string>;
  if (spec.type === 'ExternalName' || Object.keys(selector).length === 0) return [];
  const families = arr(spec.ipFamilies).filter((f): f is 'IPv4' | 'IPv6' => f === 'IPv4' || f === 'IPv6');
  const zoneOf = new Map(nodes.map((n) => [n.metadata.name ?? '', n.metadata.labels?.['topology.kubernetes.io/zone']]));
  const out: SliceBody[] = [];
  const sel = parseSelector({ matchLabels: selector });
  for (const family of families.length ? families : ['IPv4' as const]) {
    // Pods whose ports resolve differently go to different slices, as in the real controller.
    const byPorts = new Map<string, SliceBody>();
    for (const p of pods) {
      if (!matches(sel, p.metadata.labels ?? {})) continue;
      const status = rec(p.status);
      const ips = [...arr(status.podIPs).map((x) => String(rec(x).ip ?? '')), String(status.podIP ?? '')];
      const ip = ips.find((x) => x && familyOf(x) === (family === 'IPv4' ? 4 : 6));
      const phase = status.phase;
      if (!ip || phase === 'Succeeded' || phase === 'Failed') continue;
      const ports = portsFor(svc, p);
      if (!ports) continue;
      const terminating = !!p.metadata.deletionTimestamp;
      const serving = podReady(p);
      const ready = spec.publishNotReadyAddresses === true || (serving && !terminating);
      if (terminating && spec.publishNotReadyAddresses !== true && !serving) continue;
      const node = String(rec(p.spec).nodeName ?? '');
      const zone = zoneOf.get(node);
      const key = JSON.stringify(ports);
      const slice = byPorts.get(key) ?? { addressType: family, endpoints: [], ports };
      slice.endpoints.push({
        addresses: [ip],
        conditions: { ready, serving, terminating },
        ...(node ? { nodeName: node } : {}),
        ...(zone ? { zone } : {}),
        targetRef: { kind: 'Pod', namespace: p.metadata.namespace ?? '', name: p.metadata.name ?? '', uid: p.metadata.uid ?? '' },
      });
      byPorts.set(key, slice);
    }
    if (byPorts.size === 0) out.push({ addressType: family, endpoints: [], ports: [] });
    out.push(...byPorts.values());
  }
  return out;
}

/** Brings one Service's slices (`have`, the managed ones it has now) to what desiredSlices says. */
function syncService(api: Api, svc: KObject, have: readonly KObject[], pods: readonly KObject[], nodes: readonly KObject[]): void {
  const ns = svc.metadata.namespace ?? '';
  const name = svc.metadata.name ?? '';
  const want = desiredSlices(svc, pods, nodes);
  const t = targetOf(api, 'discovery.k8s.io', 'endpointslices', ns);
  const left = [...have];
  for (const body of want) {
    const i = left.findIndex((s) => s.addressType === body.addressType);
    const existing = i >= 0 ? left.splice(i, 1)[0] : undefined;
    if (existing && sameJson({ e: existing.endpoints ?? [], p: existing.ports ?? [] }, { e: body.endpoints, p: body.ports })) continue;
    const meta = {
      ...(existing ? { name: existing.metadata.name, resourceVersion: existing.metadata.resourceVersion } : { generateName: `${name}-` }),
      labels: { ...svc.metadata.labels, [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MANAGED_BY },
      ownerReferences: [{ apiVersion: 'v1', kind: 'Service', name, uid: svc.metadata.uid ?? '', controller: true, blockOwnerDeletion: true }],
    };
    const obj = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: meta, addressType: body.addressType, endpoints: body.endpoints, ports: body.ports };
    if (existing) api.update({ ...t, name: existing.metadata.name ?? '' }, obj, {});
    else api.create(t, obj, {});
  }
  for (const s of left) api.delete({ ...t, name: s.metadata.name ?? '' }, {});
}

const owned = (s: KObject): boolean => s.metadata.labels?.[MANAGED_BY_LABEL] === MANAGED_BY;

/** "namespace/name" of the Service an object belongs to. */
const keyOf = (ns: string | undefined, name: string | undefined): string => `${ns ?? ''}/${name ?? ''}`;

/**
 * The EndpointSlice controller. A change to a Service or one of its slices reconciles that Service; a
 * change to a Pod, the Services of its namespace. It keeps the managed slices of each Service by name.
 */
export function endpointSliceController(api: Api): Controller {
  const dirtyNamespaces = new Set<string>();
  const dirtyServices = new Set<string>();
  const slices = new Map<string, Set<string>>();
  const index = (s: KObject, add: boolean): string | undefined => {
    if (!owned(s)) return undefined;
    const key = keyOf(s.metadata.namespace, s.metadata.labels?.[SERVICE_NAME_LABEL]);
    const names = slices.get(key) ?? new Set<string>();
    if (add) slices.set(key, names.add(s.metadata.name ?? ''));
    else if (names.delete(s.metadata.name ?? '') && names.size === 0) slices.delete(key);
    return key;
  };
  let all = true;
  return {
    name: 'endpointslice',
    watches: ['services', 'pods', SLICES],
    observe(e) {
      const o = e.object;
      if (e.kind === 'pods') dirtyNamespaces.add(o.metadata.namespace ?? '');
      else if (e.kind === 'services') dirtyServices.add(keyOf(o.metadata.namespace, o.metadata.name));
      else {
        for (const key of [e.prev && index(e.prev, false), index(o, e.type !== 'DELETED')]) if (key) dirtyServices.add(key);
      }
    },
    reconcile() {
      const keys = new Set(dirtyServices);
      if (all) {
        slices.clear();
        for (const s of api.store.values(SLICES)) keys.add(index(s, true) ?? '');
        for (const svc of api.store.values('services')) keys.add(keyOf(svc.metadata.namespace, svc.metadata.name));
        keys.delete('');
      }
      for (const ns of dirtyNamespaces) for (const svc of api.store.list('services', ns)) keys.add(keyOf(ns, svc.metadata.name));
      all = false;
      dirtyNamespaces.clear();
      dirtyServices.clear();
      if (keys.size === 0) return;
      const nodes = api.store.list('nodes');
      const pods = new Map<string, KObject[]>();
      for (const key of [...keys].sort()) {
        const cut = key.indexOf('/');
        const ns = key.slice(0, cut);
        const name = key.slice(cut + 1);
        const have = [...(slices.get(key) ?? [])].map((n) => api.store.get(SLICES, ns, n)).filter((s): s is KObject => s !== undefined);
        const svc = api.store.get('services', ns, name);
        // Slices whose Service is gone go with it (owner garbage collection also does this).
        if (!svc) for (const s of have) api.delete({ ...targetOf(api, 'discovery.k8s.io', 'endpointslices', ns), name: s.metadata.name ?? '' }, {});
        else {
          if (!pods.has(ns)) pods.set(ns, api.store.list('pods', ns));
          syncService(api, svc, have, pods.get(ns) ?? [], nodes);
        }
      }
    },
  };
}
