// SPDX-License-Identifier: Apache-2.0
/**
 * ModuleConfig v2 → v3, pure: BGP pools become MetalLoadBalancerPool (`<name>` or `pool-<i>`), peers
 * MetalLoadBalancerBGPPeer `peer-<i>`, and one MetalLoadBalancerConfiguration `migrated-bgp` ties them together.
 * `problems` lists what cannot be carried over; the settings check rejects such settings.
 */
import type { KubeObject } from '../../../lib/hook-sdk/index.js';
import { bgpPeers, bgpPools, MIGRATED_LABELS, type LegacySettings } from './module-config.js';
import { NETWORK_API } from './names.js';

export const COMMUNITY = /^([0-9]+:[0-9]+|no-export|no-advertise|local-as|none)$/;
export const HOLD_TIME = /^([0-9]+(ms|s|m|h))+$/;

export interface BgpMigration {
  objects: KubeObject[];
  problems: string[];
}

const obj = (kind: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: NETWORK_API, kind, metadata: { name, labels: { ...MIGRATED_LABELS } }, spec });

/** A hold time in the CRD's form: numbers are seconds. */
export function holdTimeOf(v: string | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return `${v}s`;
  return /^[0-9]+$/.test(v) ? `${v}s` : v;
}

export function migrateBgp(s: LegacySettings): BgpMigration {
  const problems: string[] = [];
  const objects: KubeObject[] = [];
  const pools = bgpPools(s);
  const peers = bgpPeers(s);
  if (pools.length === 0 && peers.length === 0) return { objects, problems };
  const communities = s.bgpCommunities ?? {};
  const advertisements: Record<string, unknown>[] = [];
  pools.forEach((p, i) => {
    const name = p.name || `pool-${i}`;
    const spec: Record<string, unknown> = { addresses: [...(p.addresses ?? [])] };
    if (p['auto-assign'] !== undefined) spec.autoAssign = p['auto-assign'];
    if (p['avoid-buggy-ips'] !== undefined) spec.avoidBuggyIPs = p['avoid-buggy-ips'];
    objects.push(obj('MetalLoadBalancerPool', name, spec));
    const advs = p['bgp-advertisements'] ?? [];
    if (advs.length === 0) advertisements.push({ poolNames: [name] });
    advs.forEach((a, j) => {
      const bgp: Record<string, unknown> = {};
      const list = (a.communities ?? []).map((c) => communities[c] ?? c);
      const bad = list.filter((c) => !COMMUNITY.test(c));
      for (const c of bad) problems.push(`addressPools "${name}" bgp-advertisements[${j}]: community "${c}" is neither a value like 65535:65282 nor a key of bgpCommunities`);
      if (a.communities !== undefined) bgp.communities = list.filter((c) => COMMUNITY.test(c));
      if (a.localpref !== undefined) bgp.localPref = a.localpref;
      if (a['aggregation-length'] !== undefined) bgp.aggregationLength = a['aggregation-length'];
      advertisements.push(Object.keys(bgp).length ? { poolNames: [name], bgp } : { poolNames: [name] });
    });
  });
  const peerNames: string[] = [];
  peers.forEach((p, i) => {
    const name = `peer-${i}`;
    peerNames.push(name);
    const spec: Record<string, unknown> = { peerAddress: p['peer-address'], peerASN: p['peer-asn'], myASN: p['my-asn'] };
    if (p['peer-port'] !== undefined) spec.peerPort = p['peer-port'];
    if (p['router-id'] !== undefined) spec.routerID = p['router-id'];
    const hold = holdTimeOf(p['hold-time']);
    if (hold !== undefined) {
      if (HOLD_TIME.test(hold)) spec.holdTime = hold;
      else problems.push(`bgpPeers[${i}]: hold-time "${p['hold-time']}" must be a duration such as 90s or 1m30s`);
    }
    const where = `bgpPeers[${i}] (${p['peer-address']})`;
    if (p.password !== undefined) problems.push(`${where}: password is not migrated; put it in a Secret labelled network.deckhouse.io/metallb-bgp-password: "true" and reference it from MetalLoadBalancerBGPPeer "${name}" spec.passwordSecretRef`);
    if (p['source-address'] !== undefined) problems.push(`${where}: source-address is not migrated; set it per node in MetalLoadBalancerBGPPeer "${name}" spec.sourceAddresses`);
    if (p['node-selector'] !== undefined) problems.push(`${where}: node-selector is not migrated; create a MetalLoadBalancerConfiguration with that nodeSelector for this peer`);
    objects.push(obj('MetalLoadBalancerBGPPeer', name, spec));
  });
  const cfg: Record<string, unknown> = { mode: 'BGP', bgp: { peerNames }, advertisements };
  if (s.speaker?.nodeSelector && Object.keys(s.speaker.nodeSelector).length) cfg.nodeSelector = { ...s.speaker.nodeSelector };
  objects.push(obj('MetalLoadBalancerConfiguration', 'migrated-bgp', cfg));
  return { objects, problems };
}
