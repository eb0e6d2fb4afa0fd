// SPDX-License-Identifier: Apache-2.0
/**
 * `hook check`: rejects ModuleConfig settings that MetalLB itself would have refused (a community that is
 * neither a value nor a key of bgpCommunities, a hold time that is no duration, a layer2 pool without
 * addresses), saying what to change; everything else is migrated, and deprecated settings get a warning.
 */
import type { SettingsCheckResult } from '../../lib/hook-sdk/index.js';
import { migrateBgp } from './lib/migrate-bgp.js';
import { l2SettingsProblems } from './lib/migrate-l2.js';
import { layer2Pools, type LegacySettings } from './lib/module-config.js';

export function checkSettings(raw: unknown): SettingsCheckResult {
  const s = (typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw : {}) as LegacySettings;
  const problems: string[] = [];
  layer2Pools(s).forEach((p) => {
    if ((p.addresses ?? []).length === 0) problems.push(`addressPools "${p.name}": a layer2 pool needs addresses`);
  });
  problems.push(...l2SettingsProblems(s), ...migrateBgp(s).problems);
  const warnings: string[] = [];
  for (const k of ['addressPools', 'bgpPeers', 'bgpCommunities', 'speaker'] as const) {
    const v = s[k];
    if (v !== undefined && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0)) warnings.push(`settings.${k} is deprecated: use MetalLoadBalancerClass (L2) or MetalLoadBalancerPool, MetalLoadBalancerBGPPeer and MetalLoadBalancerConfiguration (BGP)`);
  }
  if (problems.length === 0) return warnings.length ? { valid: true, warnings } : { valid: true };
  return {
    valid: false,
    message: `these settings cannot be migrated: ${problems.join('; ')}. Fix them, or create the custom resources yourself and remove addressPools, bgpPeers and bgpCommunities from the ModuleConfig`,
    ...(warnings.length ? { warnings } : {}),
  };
}
