// SPDX-License-Identifier: Apache-2.0
/**
 * BGP discovery: MetalLoadBalancerPool, MetalLoadBalancerBGPPeer and MetalLoadBalancerConfiguration become
 * `metallb.internal.{addressPools,bgpPeers,bgpAdvertisements,bfdProfiles,secretsToCopy,speakerNodeAffinity}`; the users'
 * own metallb.io BGPPeers widen the speakers' affinity and are listed in `metallb.internal.nativeBgpPeers`.
 * Dangling references are skipped and reported in the configuration's status (condition `ReferencesResolved`).
 */
import { kubernetes, type HookConfig, type HookInput } from '../../lib/hook-sdk/index.js';
import { planBgp } from './lib/bgp/plan.js';
import { configFromObject, nativePeerFromObject, peerFromObject, poolFromObject, secretFromObject } from './lib/bgp/types.js';
import { BGP_PASSWORD_LABEL, METALLB_API, METALLB_API_V1BETA2, NAMESPACE, NETWORK_API, REFERENCES_RESOLVED_CONDITION } from './lib/names.js';
import { withCondition, type Condition } from './lib/service.js';

const queue = '/modules/metallb/discovery_bgp';

export const pools = kubernetes({ name: 'pools', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerPool', queue, filter: poolFromObject });
export const peers = kubernetes({ name: 'peers', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerBGPPeer', queue, filter: peerFromObject });
export const configs = kubernetes({ name: 'configs', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerConfiguration', queue, filter: configFromObject });
export const secrets = kubernetes({ name: 'secrets', apiVersion: 'v1', kind: 'Secret', queue, labelSelector: { matchLabels: { [BGP_PASSWORD_LABEL]: 'true' } }, filter: secretFromObject });
/** Users' own metallb.io pools in the module namespace (ours carry heritage: deckhouse). */
export const nativePools = kubernetes({
  name: 'native_pools',
  apiVersion: METALLB_API,
  kind: 'IPAddressPool',
  queue,
  namespace: { nameSelector: { matchNames: [NAMESPACE] } },
  filter: (o) => (o.metadata?.labels?.heritage === 'deckhouse' ? null : (o.metadata?.name ?? null)),
});

/** Users' own metallb.io BGPPeers in the module namespace: the speakers must run for them too. */
export const nativePeers = kubernetes({
  name: 'native_peers',
  apiVersion: METALLB_API_V1BETA2,
  kind: 'BGPPeer',
  queue,
  namespace: { nameSelector: { matchNames: [NAMESPACE] } },
  filter: nativePeerFromObject,
});

export const config: HookConfig = { beforeHelm: 20, kubernetes: [pools, peers, configs, secrets, nativePools, nativePeers] };

/** Clock for condition timestamps; tests replace it. */
export const clock = { now: (): Date => new Date() };

export function handle(input: HookInput): void {
  const cfgs = input.snapshot(configs);
  const plan = planBgp({ pools: input.snapshot(pools), peers: input.snapshot(peers), configs: cfgs, secrets: input.snapshot(secrets), nativePools: input.snapshot(nativePools), nativePeers: input.snapshot(nativePeers) });
  const v = 'metallb.internal.';
  input.values.set(`${v}addressPools`, plan.addressPools);
  input.values.set(`${v}bgpPeers`, plan.bgpPeers);
  input.values.set(`${v}bgpAdvertisements`, plan.bgpAdvertisements);
  input.values.set(`${v}bfdProfiles`, plan.bfdProfiles);
  input.values.set(`${v}secretsToCopy`, plan.secretsToCopy);
  input.values.set(`${v}speakerNodeAffinity`, plan.speakerNodeAffinity);
  input.values.set(`${v}nativeBgpPeers`, plan.nativeBgpPeers);

  const ts = clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const cfg of cfgs) {
    const warnings = plan.warnings.get(cfg.name);
    if (warnings === undefined) continue;
    const ok = warnings.length === 0;
    const c: Condition = { type: REFERENCES_RESOLVED_CONDITION, status: ok ? 'True' : 'False', reason: ok ? 'AllReferencesResolved' : 'DanglingReferences', message: ok ? 'all peers, pools and password Secrets exist' : warnings.join('; '), lastTransitionTime: ts };
    const cur = cfg.conditions.find((x) => x.type === REFERENCES_RESOLVED_CONDITION);
    if (cur && cur.status === c.status && cur.message === c.message) continue;
    input.kube.mergePatch({ apiVersion: NETWORK_API, kind: 'MetalLoadBalancerConfiguration', name: cfg.name }, { status: { conditions: withCondition(cfg.conditions, c) } }, { subresource: 'status', ignoreMissingObject: true });
  }
}
