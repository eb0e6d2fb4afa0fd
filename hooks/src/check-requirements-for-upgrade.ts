// SPDX-License-Identifier: Apache-2.0
/**
 * Upgrade gate. While the ModuleConfig is below version 2, finds what the automatic migration cannot carry
 * (metallb.io objects outside d8-metallb, L2Advertisements with several or expression selectors, layer2 and BGP
 * pools mixed, LoadBalancer Services no pool owns), raises one alert metric per finding, and publishes the
 * requirement value `metallb:ConfigurationStatus` (read by the platform's `metallbHasStandardConfiguration`
 * check) as `metallb.internal.configurationStatus`. Service changes run nothing (a burst of thousands would run it
 * over and over): the Services are read before every Helm run and every minute.
 */
import { JQ_COMPACT, jqPickKeys, kubernetes, type HookConfig, type HookInput, type KubeObject } from '../../lib/hook-sdk/index.js';
import { ALLOCATED_POOL_ANNOTATIONS, firstAnnotation } from '../../lib/api/index.js';
import { bgpPools, layer2Pools, moduleConfigFromObject } from './lib/module-config.js';
import { ADDRESS_POOL_ANNOTATION, METALLB_API, MODULE_CONFIG_API, NAMESPACE } from './lib/names.js';

const queue = '/modules/metallb/check-requirements';

/** The requirement key and where its value is published. */
export const REQUIREMENT_KEY = 'metallb:ConfigurationStatus';
export const STATUS_PATH = 'metallb.internal.configurationStatus';

/** Values of `metallb:ConfigurationStatus`; the first three block the upgrade, with the messages below. */
export type ConfigurationStatus = 'OK' | 'nsMismatch' | 'nodeSelectorsMismatch' | 'addressPollsMismatch' | 'Misconfigured';

/** What the platform shows for a blocking status. */
export const STATUS_MESSAGES: Record<Exclude<ConfigurationStatus, 'OK' | 'Misconfigured'>, string> = {
  nsMismatch: '[metallb] all L2Advertisement must be in the d8-metallb namespace',
  nodeSelectorsMismatch: '[metallb] nodeSelectors in L2Advertisement must contain only one matchLabels (not matchExpressions)',
  addressPollsMismatch: '[metallb] there should not be layer2 and bgp pools in the cluster at the same time',
};

/**
 * The platform side of the gate (`metallbHasStandardConfiguration`): whether a release may proceed with this
 * requirement value, and the message to show when it may not. Missing or unknown values do not block.
 */
export function requirementCheck(value: string | undefined): { ok: true } | { ok: false; message: string } {
  const message = value !== undefined && Object.hasOwn(STATUS_MESSAGES, value) ? STATUS_MESSAGES[value as keyof typeof STATUS_MESSAGES] : undefined;
  return message === undefined ? { ok: true } : { ok: false, message };
}

export const GROUPS = ['D8MetallbIpAddressPoolNSMismatch', 'D8MetallbL2AdvertisementNSMismatch', 'D8MetallbOrphanedLoadBalancerDetected', 'D8MetallbL2AdvertisementNodeSelectorsMismatch', 'D8MetallbNotOnlyLayer2Pools'] as const;

interface Native {
  name: string;
  namespace: string;
  pools: string[];
  selectors: { matchLabels?: unknown; matchExpressions?: unknown[] }[];
}

const userOwned = (o: KubeObject): boolean => o.metadata?.labels?.heritage !== 'deckhouse';
const native = (o: KubeObject): Native | null => {
  if (!o.metadata?.name || !userOwned(o)) return null;
  const spec = (o.spec ?? {}) as { ipAddressPools?: unknown; nodeSelectors?: unknown };
  return {
    name: o.metadata.name,
    namespace: o.metadata.namespace ?? '',
    pools: Array.isArray(spec.ipAddressPools) ? spec.ipAddressPools.filter((x): x is string => typeof x === 'string') : [],
    selectors: Array.isArray(spec.nodeSelectors) ? (spec.nodeSelectors as Native['selectors']) : [],
  };
};

export const advertisements = kubernetes({ name: 'l2_advertisements', apiVersion: METALLB_API, kind: 'L2Advertisement', queue, filter: native });
export const ipPools = kubernetes({ name: 'ip_address_pools', apiVersion: METALLB_API, kind: 'IPAddressPool', queue, filter: native });
export const services = kubernetes({
  name: 'services',
  apiVersion: 'v1',
  kind: 'Service',
  queue,
  executeHookOnEvent: [],
  // only what the filter reads: small snapshots
  jqFilter: `select(.spec.type == "LoadBalancer") | {metadata: (.metadata | {name, namespace, annotations: (.annotations | ${jqPickKeys([ADDRESS_POOL_ANNOTATION, ...ALLOCATED_POOL_ANNOTATIONS])})} | ${JQ_COMPACT}), spec: (.spec | {type, loadBalancerClass} | ${JQ_COMPACT})}`,
  filter: (o) => {
    const spec = (o.spec ?? {}) as { type?: unknown; loadBalancerClass?: unknown };
    const a = o.metadata?.annotations ?? {};
    if (spec.type !== 'LoadBalancer' || !o.metadata?.name) return null;
    const owned = typeof spec.loadBalancerClass === 'string' || ADDRESS_POOL_ANNOTATION in a || firstAnnotation(a, ALLOCATED_POOL_ANNOTATIONS) !== undefined;
    return owned ? null : { name: o.metadata.name, namespace: o.metadata.namespace ?? 'default' };
  },
});
export const moduleConfig = kubernetes({ name: 'module_config', apiVersion: MODULE_CONFIG_API, kind: 'ModuleConfig', queue, nameSelector: { matchNames: ['metallb'] }, filter: moduleConfigFromObject });

export const config: HookConfig = { beforeHelm: 10, kubernetes: [advertisements, ipPools, services, moduleConfig], schedule: [{ name: 'every-minute', crontab: '* * * * *', queue, includeSnapshotsFrom: [advertisements.name, ipPools.name, services.name, moduleConfig.name] }] };

export function handle(input: HookInput): void {
  for (const g of GROUPS) input.metrics.expire(g);
  const mc = input.snapshot(moduleConfig)[0];
  if (!mc || mc.version >= 2) {
    input.values.set(STATUS_PATH, 'OK');
    return;
  }
  const found = new Set<ConfigurationStatus>();
  const set = (name: string, labels: Record<string, string>, group: (typeof GROUPS)[number], status: ConfigurationStatus): void => {
    input.metrics.set(name, 1, labels, group);
    found.add(status);
  };
  const advs = input.snapshot(advertisements);
  const pools = input.snapshot(ipPools);
  for (const a of advs) {
    if (a.namespace !== NAMESPACE) set('d8_metallb_l2advertisement_ns_mismatch', { namespace: a.namespace, name: a.name }, 'D8MetallbL2AdvertisementNSMismatch', 'nsMismatch');
    if (a.selectors.length > 1 || a.selectors.some((s) => (s.matchExpressions ?? []).length > 0)) set('d8_metallb_l2advertisement_node_selectors_mismatch', { name: a.name }, 'D8MetallbL2AdvertisementNodeSelectorsMismatch', 'nodeSelectorsMismatch');
  }
  for (const p of pools) if (p.namespace !== NAMESPACE) set('d8_metallb_ipaddress_pool_ns_mismatch', { namespace: p.namespace, name: p.name }, 'D8MetallbIpAddressPoolNSMismatch', 'nsMismatch');
  const advertised = [...new Set(advs.flatMap((a) => a.pools))].sort().join(',');
  const all = [...new Set(pools.map((p) => p.name))].sort().join(',');
  if (advertised !== all || (layer2Pools(mc.settings).length > 0 && bgpPools(mc.settings).length > 0)) set('d8_metallb_not_only_layer2_pools', {}, 'D8MetallbNotOnlyLayer2Pools', 'addressPollsMismatch');
  for (const s of input.snapshot(services)) set('d8_metallb_orphaned_loadbalancer_detected', { name: s.name, namespace: s.namespace }, 'D8MetallbOrphanedLoadBalancerDetected', 'Misconfigured');
  const order: ConfigurationStatus[] = ['nsMismatch', 'nodeSelectorsMismatch', 'addressPollsMismatch', 'Misconfigured'];
  input.values.set(STATUS_PATH, order.find((s) => found.has(s)) ?? 'OK');
}
