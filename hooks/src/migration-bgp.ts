// SPDX-License-Identifier: Apache-2.0
/**
 * ModuleConfig v2 → v3 migration: while the ModuleConfig is below version 3 and has BGP settings, creates
 * MetalLoadBalancerPool / MetalLoadBalancerBGPPeer objects and MetalLoadBalancerConfigurations (`migrated-bgp`,
 * `migrated-bgp-peer-<i>`), the password Secrets, and MetalLB BGPPeers for peers the configurations cannot
 * express, labelled `auto-generated-by: d8-migration-hook`. An object of the same name that already exists is
 * left alone. Each setting that moved is a `d8_metallb_setting_migrated` metric (alert D8MetallbSettingsMigrated).
 */
import { kubernetes, type HookConfig, type HookInput } from '../../lib/hook-sdk/index.js';
import { migrateBgp } from './lib/migrate-bgp.js';
import { moduleConfigFromObject } from './lib/module-config.js';
import { MODULE_CONFIG_API, NETWORK_API, SETTING_MIGRATED_METRIC } from './lib/names.js';

const queue = '/modules/metallb/migration_bgp';
const name = (o: { metadata?: { name?: string } }): string | null => o.metadata?.name ?? null;

export const moduleConfig = kubernetes({ name: 'module_config', apiVersion: MODULE_CONFIG_API, kind: 'ModuleConfig', queue, nameSelector: { matchNames: ['metallb'] }, executeHookOnEvent: [], filter: moduleConfigFromObject });
export const pools = kubernetes({ name: 'pools', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerPool', queue, executeHookOnEvent: [], filter: name });
export const peers = kubernetes({ name: 'peers', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerBGPPeer', queue, executeHookOnEvent: [], filter: name });
export const configs = kubernetes({ name: 'configs', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerConfiguration', queue, executeHookOnEvent: [], filter: name });

export const config: HookConfig = { beforeHelm: 10, kubernetes: [moduleConfig, pools, peers, configs] };

/** The metric group of the BGP settings that moved. */
export const GROUP = 'D8MetallbBGPSettingsMigrated';

export function handle(input: HookInput): void {
  input.metrics.expire(GROUP);
  const mc = input.snapshot(moduleConfig)[0];
  if (!mc || mc.version >= 3) return;
  const existing = new Set([...input.snapshot(pools).map((n) => `MetalLoadBalancerPool/${n}`), ...input.snapshot(peers).map((n) => `MetalLoadBalancerBGPPeer/${n}`), ...input.snapshot(configs).map((n) => `MetalLoadBalancerConfiguration/${n}`)]);
  const m = migrateBgp(mc.settings);
  for (const o of m.objects) {
    if (!existing.has(`${o.kind}/${o.metadata?.name}`)) input.kube.createIfNotExists(o);
  }
  for (const c of m.changes) input.metrics.set(SETTING_MIGRATED_METRIC, 1, { setting: c.setting, moved_to: c.movedTo }, GROUP);
}
