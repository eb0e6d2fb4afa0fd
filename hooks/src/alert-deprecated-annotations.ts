// SPDX-License-Identifier: Apache-2.0
/**
 * Alert metrics: LoadBalancer Services that still carry upstream MetalLB annotations (the module's own ones
 * replace them), Services left on the l2-load-balancer module's `network.deckhouse.io/l2-load-balancer-name`
 * with no class bound, layer2 pools left in the ModuleConfig settings (ignored since version 2), and a
 * ModuleConfig whose version must be raised because it still holds settings that moved to custom resources.
 * Service changes run nothing (a burst of thousands would run it over and over): the Services are read every minute,
 * well within the alerts' `for`.
 */
import { JQ_COMPACT, jqPickKeys, kubernetes, type HookConfig, type HookInput } from '../../lib/hook-sdk/index.js';
import { bgpPeers, bgpPools, layer2Pools, moduleConfigFromObject } from './lib/module-config.js';
import { CLASS_CONDITION, DEPRECATED_ANNOTATIONS, L2_BALANCER_NAME_ANNOTATION, MODULE_CONFIG_API } from './lib/names.js';

const queue = '/modules/metallb/alerting';

export const GROUPS = {
  annotations: 'D8MetallbNotSupportedServiceAnnotationsDetected',
  orphans: 'd8_l2_load_balancer',
  layer2Pools: 'D8MetallbIgnoredLayer2PoolsAreUsed',
  version: 'D8MetallbUpdateMCVersionRequired',
} as const;

/** The annotations the alerts look at. */
const WATCHED: readonly string[] = [...DEPRECATED_ANNOTATIONS, L2_BALANCER_NAME_ANNOTATION];

export const services = kubernetes({
  name: 'services',
  apiVersion: 'v1',
  kind: 'Service',
  queue,
  executeHookOnEvent: [],
  // only what the filter reads: small snapshots
  jqFilter: `select(.spec.type == "LoadBalancer") | {metadata: (.metadata | {name, namespace, annotations: (.annotations | ${jqPickKeys(WATCHED)})} | ${JQ_COMPACT}), spec: {type: .spec.type}, status: {conditions: [.status.conditions[]? | select(.type == ${JSON.stringify(CLASS_CONDITION)}) | {type}]}}`,
  filter: (o) => {
    if ((o.spec as { type?: unknown } | undefined)?.type !== 'LoadBalancer' || !o.metadata?.name) return null;
    const conditions = (o.status as { conditions?: { type?: unknown }[] } | undefined)?.conditions;
    const bound = Array.isArray(conditions) && conditions.some((c) => c?.type === CLASS_CONDITION);
    const annotations = Object.fromEntries(Object.entries(o.metadata.annotations ?? {}).filter(([k]) => WATCHED.includes(k)));
    return { name: o.metadata.name, namespace: o.metadata.namespace ?? 'default', annotations, bound };
  },
});
export const moduleConfig = kubernetes({ name: 'module_config', apiVersion: MODULE_CONFIG_API, kind: 'ModuleConfig', queue, nameSelector: { matchNames: ['metallb'] }, filter: moduleConfigFromObject });

/** How often the Services are read. */
export const EVERY_MINUTE = { name: 'every-minute', crontab: '* * * * *', queue, includeSnapshotsFrom: [services.name, moduleConfig.name] };

export const config: HookConfig = { kubernetes: [services, moduleConfig], schedule: [EVERY_MINUTE] };

export function handle(input: HookInput): void {
  input.metrics.expire(GROUPS.annotations);
  input.metrics.expire(GROUPS.orphans);
  for (const s of input.snapshot(services)) {
    for (const a of DEPRECATED_ANNOTATIONS) {
      if (a in s.annotations) input.metrics.set('d8_metallb_not_supported_service_annotations_detected', 1, { name: s.name, namespace: s.namespace, annotation: a }, GROUPS.annotations);
    }
    // the l2-load-balancer module's annotation is read by nobody now: unless a class took the Service, it has no IP
    if (L2_BALANCER_NAME_ANNOTATION in s.annotations && !s.bound) input.metrics.set('d8_l2_load_balancer_orphan_service', 1, { name: s.name, namespace: s.namespace }, GROUPS.orphans);
  }
  input.metrics.expire(GROUPS.layer2Pools);
  input.metrics.expire(GROUPS.version);
  const mc = input.snapshot(moduleConfig)[0];
  if (!mc) return;
  if (mc.version >= 2) {
    for (const p of layer2Pools(mc.settings)) input.metrics.set('d8_metallb_ignored_layer2_pools_are_used', 1, { name: p.name ?? '' }, GROUPS.layer2Pools);
  }
  const legacy = layer2Pools(mc.settings).length + bgpPools(mc.settings).length + bgpPeers(mc.settings).length + Object.keys(mc.settings.bgpCommunities ?? {}).length;
  if (mc.version < 3 && legacy > 0) input.metrics.set('d8_metallb_update_mc_version_required', 1, {}, GROUPS.version);
}
