// SPDX-License-Identifier: Apache-2.0
/**
 * Alert metrics for MetalLB objects the module does not read, from ModuleConfig version 2 on (version 1 migrates
 * or blocks on them): users' own L2Advertisements (L2 is announced for MetalLoadBalancerClasses only), and
 * IPAddressPools, BGPPeers, BGPAdvertisements, Communities and BFDProfiles outside d8-metallb (MetalLB's own
 * `metallb-system`, say).
 */
import { kubernetes, type HookConfig, type HookInput, type KubeObject } from '../../lib/hook-sdk/index.js';
import { moduleConfigFromObject } from './lib/module-config.js';
import { apiVersionOf, BFD_PROFILE, BGP_ADVERTISEMENT, BGP_PEER, COMMUNITY, IP_ADDRESS_POOL, L2_ADVERTISEMENT, MODULE_CONFIG, NAMESPACE, type Resource } from './lib/names.js';

const queue = '/modules/metallb/alerting';

export const GROUPS = { l2Advertisements: 'D8MetallbL2AdvertisementIgnored', outside: 'D8MetallbObjectOutsideModuleNamespace' } as const;

const ref = (o: KubeObject) => (o.metadata?.name ? { kind: o.kind ?? '', name: o.metadata.name, namespace: o.metadata.namespace ?? '' } : null);

export const moduleConfig = kubernetes({ name: 'module_config', apiVersion: apiVersionOf(MODULE_CONFIG), kind: MODULE_CONFIG.kind, queue, nameSelector: { matchNames: ['metallb'] }, filter: moduleConfigFromObject });
/** L2Advertisements the user made, in any namespace (the module's own are labelled `heritage: deckhouse`). */
export const l2Advertisements = kubernetes({ name: 'l2_advertisements', apiVersion: apiVersionOf(L2_ADVERTISEMENT), kind: L2_ADVERTISEMENT.kind, queue, filter: (o) => (o.metadata?.labels?.['heritage'] === 'deckhouse' ? null : ref(o)) });
const outside = (r: Resource) =>
  kubernetes({ name: `outside_${r.plural}`, apiVersion: apiVersionOf(r), kind: r.kind, queue, filter: (o) => (o.metadata?.namespace === NAMESPACE ? null : ref(o)) });
export const outsideObjects = [IP_ADDRESS_POOL, BGP_PEER, BGP_ADVERTISEMENT, COMMUNITY, BFD_PROFILE].map(outside);

export const config: HookConfig = { kubernetes: [moduleConfig, l2Advertisements, ...outsideObjects] };

export function handle(input: HookInput): void {
  input.metrics.expire(GROUPS.l2Advertisements);
  input.metrics.expire(GROUPS.outside);
  const mc = input.snapshot(moduleConfig)[0];
  if (mc && mc.version < 2) return;
  for (const a of input.snapshot(l2Advertisements)) input.metrics.set('d8_metallb_l2advertisement_ignored', 1, { namespace: a.namespace, name: a.name }, GROUPS.l2Advertisements);
  for (const binding of outsideObjects) {
    for (const o of input.snapshot(binding)) input.metrics.set('d8_metallb_object_outside_module_namespace', 1, { kind: o.kind, namespace: o.namespace, name: o.name }, GROUPS.outside);
  }
}
