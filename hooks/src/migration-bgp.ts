// SPDX-License-Identifier: Apache-2.0
/**
 * ModuleConfig v2 → v3 migration: while the ModuleConfig is below version 3 and has BGP settings, creates
 * MetalLoadBalancerPool / MetalLoadBalancerBGPPeer objects and the MetalLoadBalancerConfiguration `migrated-bgp`,
 * labelled `auto-generated-by: d8-migration-hook`. An object of the same name that already exists is left alone.
 */
import { kubernetes, type HookConfig, type HookInput } from '../../lib/hook-sdk/index.js';
import { migrateBgp } from './lib/migrate-bgp.js';
import { moduleConfigFromObject } from './lib/module-config.js';
import { MODULE_CONFIG_API, NETWORK_API } from './lib/names.js';

const queue = '/modules/metallb/migration_bgp';
const name = (o: { metadata?: { name?: string } }): string | null => o.metadata?.name ?? null;

export const moduleConfig = kubernetes({ name: 'module_config', apiVersion: MODULE_CONFIG_API, kind: 'ModuleConfig', queue, nameSelector: { matchNames: ['metallb'] }, executeHookOnEvent: [], filter: moduleConfigFromObject });
export const pools = kubernetes({ name: 'pools', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerPool', queue, executeHookOnEvent: [], filter: name });
export const peers = kubernetes({ name: 'peers', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerBGPPeer', queue, executeHookOnEvent: [], filter: name });
export const configs = kubernetes({ name: 'configs', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerConfiguration', queue, executeHookOnEvent: [], filter: name });

export const config: HookConfig = { beforeHelm: 10, kubernetes: [moduleConfig, pools, peers, configs] };

export function handle(input: HookInput): void {
  const mc = input.snapshot(moduleConfig)[0];
  if (!mc || mc.version >= 3) return;
  const existing = new Set([...input.snapshot(pools).map((n) => `MetalLoadBalancerPool/${n}`), ...input.snapshot(peers).map((n) => `MetalLoadBalancerBGPPeer/${n}`), ...input.snapshot(configs).map((n) => `MetalLoadBalancerConfiguration/${n}`)]);
  for (const o of migrateBgp(mc.settings).objects) {
    if (!existing.has(`${o.kind}/${o.metadata?.name}`)) input.kube.createIfNotExists(o);
  }
}
