// SPDX-License-Identifier: Apache-2.0
/**
 * Adoption of the LoadBalancer Services of the old L2 setup (ModuleConfig below version 2 with layer2 pools, or
 * with no BGP pools at all): each Service that already has IPs, no bound class and none of our annotations gets
 * its IPs pinned in `network.deckhouse.io/load-balancer-ips`, the class generated from its pool (if known) in
 * `network.deckhouse.io/metal-load-balancer-class`, and the old controller's finalizers dropped. A Service whose
 * IPs came from a bgp pool of the settings (by its pool annotation, else by its address) gets that pool in
 * `network.deckhouse.io/load-balancer-pool` instead, so that the default L2 class does not take it.
 * Sets `metallb.internal.migrationOfOldFashionedLBsAdoptionComplete`, which L2 discovery waits for. Works in the
 * beforeHelm run only, where the classes migrated from the pools are known.
 */
import { familyOf, parseIp, parsePoolEntry, rangeContains, type IpRange } from '../../lib/ip.js';
import { kubernetes, type HookConfig, type HookInput } from '../../lib/hook-sdk/index.js';
import { ALLOCATED_POOL_ANNOTATIONS, BGP_POOL_ANNOTATION, firstAnnotation } from '../../lib/api/index.js';
import { bgpPools, layer2Pools, moduleConfigFromObject, type LegacySettings } from './lib/module-config.js';
import { ADDRESS_POOL_ANNOTATION, CLASS_ANNOTATION, CLASS_CONDITION, IPS_ANNOTATION, MODULE_CONFIG_API } from './lib/names.js';
import { serviceFromObject, type ServiceInfo } from './lib/service.js';

const queue = '/modules/metallb/services-migration';
const FLAG = 'metallb.internal.migrationOfOldFashionedLBsAdoptionComplete';

export const moduleConfig = kubernetes({ name: 'module_config', apiVersion: MODULE_CONFIG_API, kind: 'ModuleConfig', queue, nameSelector: { matchNames: ['metallb'] }, executeHookOnEvent: [], filter: moduleConfigFromObject });
export const services = kubernetes({
  name: 'services',
  apiVersion: 'v1',
  kind: 'Service',
  queue,
  executeHookOnEvent: [],
  filter: (o) => {
    const s = serviceFromObject(o);
    if (!s) return null;
    const ingress = ((o.status as { loadBalancer?: { ingress?: { ip?: unknown }[] } } | undefined)?.loadBalancer?.ingress ?? []).flatMap((i) => (typeof i.ip === 'string' ? [i.ip] : []));
    const finalizers = Array.isArray(o.metadata?.finalizers) ? (o.metadata.finalizers as unknown[]).filter((f): f is string => typeof f === 'string') : [];
    return { ...s, ingress, finalizers };
  },
});

export const config: HookConfig = { beforeHelm: 10, kubernetes: [moduleConfig, services] };

/** Finalizers the old MetalLB setup leaves on Services. */
export const OLD_FINALIZER = /metallb|service\.kubernetes\.io\/load-balancer-cleanup/;

/** A bgp pool of the settings: its name and address ranges. */
export interface BgpPoolRanges {
  name: string;
  ranges: IpRange[];
}

export function bgpPoolRanges(s: LegacySettings): BgpPoolRanges[] {
  return bgpPools(s).flatMap((p, i) => {
    const ranges: IpRange[] = [];
    for (const a of p.addresses ?? []) {
      try {
        ranges.push(parsePoolEntry(a));
      } catch {
        // a malformed entry never held an address
      }
    }
    return [{ name: p.name || `pool-${i}`, ranges }];
  });
}

/** The merge patch that adopts a Service, or undefined when it is not to be touched. Pure. */
export function adoptionPatch(s: ServiceInfo & { ingress: string[]; finalizers: string[] }, poolToClass: Readonly<Record<string, string>>, bgp: readonly BgpPoolRanges[] = []): Record<string, unknown> | undefined {
  if (s.ingress.length === 0 || s.loadBalancerClass !== undefined) return undefined;
  if (s.conditions.some((c) => c.type === CLASS_CONDITION)) return undefined;
  if (s.annotations[IPS_ANNOTATION] !== undefined || s.annotations[CLASS_ANNOTATION] !== undefined) return undefined;
  const annotations: Record<string, string> = { [IPS_ANNOTATION]: s.ingress.join(',') };
  const pool = firstAnnotation(s.annotations, ALLOCATED_POOL_ANNOTATIONS)?.value ?? s.annotations[ADDRESS_POOL_ANNOTATION];
  const bgpPool = bgp.find((p) => p.name === pool) ?? (pool === undefined ? bgp.find((p) => s.ingress.some((ip) => familyOf(ip) !== undefined && p.ranges.some((r) => rangeContains(r, parseIp(ip))))) : undefined);
  const cls = pool === undefined ? undefined : poolToClass[pool];
  if (bgpPool !== undefined) annotations[BGP_POOL_ANNOTATION] = bgpPool.name;
  else if (cls !== undefined) annotations[CLASS_ANNOTATION] = cls;
  const metadata: Record<string, unknown> = { annotations };
  const kept = s.finalizers.filter((f) => !OLD_FINALIZER.test(f));
  if (kept.length !== s.finalizers.length) metadata.finalizers = kept;
  return { metadata };
}

export function handle(input: HookInput): void {
  // Only in the module run, after migration-l2-classes (beforeHelm 5) wrote the pool-to-class map: the Synchronization
  // of this hook's bindings may run before that hook's in another queue.
  if (!input.contexts.some((c) => c.binding === 'beforeHelm')) return;
  if (input.values.get(FLAG) === true) return;
  const mc = input.snapshot(moduleConfig)[0];
  if (mc && mc.version < 2 && (layer2Pools(mc.settings).length > 0 || bgpPools(mc.settings).length === 0)) {
    const map = input.values.get<Record<string, string>>('metallb.internal.ipAddressPoolToMLBCMap') ?? {};
    const bgp = bgpPoolRanges(mc.settings);
    for (const s of input.snapshot(services)) {
      const patch = adoptionPatch(s, map, bgp);
      if (patch) input.kube.mergePatch({ apiVersion: 'v1', kind: 'Service', namespace: s.namespace, name: s.name }, patch, { ignoreMissingObject: true });
    }
  }
  input.values.set(FLAG, true);
}
