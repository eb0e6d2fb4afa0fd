// SPDX-License-Identifier: Apache-2.0
/**
 * `hook check`: rejects ModuleConfig settings that the automatic migrations cannot carry over, saying what to
 * change; warns about settings that still work but are deprecated.
 */
import type { SettingsCheckResult } from '../../lib/hook-sdk/index.js';
import { migrateBgp } from './lib/migrate-bgp.js';
import { bgpPools, layer2Pools, type LegacySettings } from './lib/module-config.js';

export function checkSettings(raw: unknown): SettingsCheckResult {
  const s = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as LegacySettings;
  const problems: string[] = [];
  if (layer2Pools(s).length > 0 && bgpPools(s).length > 0) {
    problems.push('addressPools mixes layer2 and bgp pools: move the layer2 pools to a MetalLoadBalancerClass (spec.addressPool) and remove them from settings.addressPools');
  }
  layer2Pools(s).forEach((p) => {
    if ((p.addresses ?? []).length === 0) problems.push(`addressPools "${p.name}": a layer2 pool needs addresses`);
  });
  problems.push(...migrateBgp(s).problems);
  const warnings: string[] = [];
  for (const k of ['addressPools', 'bgpPeers', 'bgpCommunities', 'speaker'] as const) {
    const v = s[k];
    if (v !== undefined && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)) warnings.push(`settings.${k} is deprecated: use MetalLoadBalancerClass (L2) or MetalLoadBalancerPool, MetalLoadBalancerBGPPeer and MetalLoadBalancerConfiguration (BGP)`);
  }
  if (problems.length === 0) return warnings.length ? { valid: true, warnings } : { valid: true };
  return {
    valid: false,
    message: `these settings cannot be migrated automatically: ${problems.join('; ')}. Fix them, or create the custom resources yourself and remove addressPools, bgpPeers and bgpCommunities from the ModuleConfig`,
    ...(warnings.length ? { warnings } : {}),
  };
}
