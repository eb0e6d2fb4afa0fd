// SPDX-License-Identifier: Apache-2.0
/**
 * ModuleConfig v2 → v3, pure: BGP pools become MetalLoadBalancerPool (`<name>` or `pool-<i>`), peers
 * MetalLoadBalancerBGPPeer `peer-<i>`, and MetalLoadBalancerConfiguration `migrated-bgp` ties them together.
 * Nothing is dropped: a password becomes the Secret `d8-metallb/peer-<i>-password` the peer references; a peer
 * with a node-selector of labels gets a configuration of its own (`migrated-bgp-peer-<i>`); a peer with a
 * source-address or a node-selector the configuration cannot express stays what it was, a MetalLB BGPPeer
 * (`d8-metallb/peer-<i>`, with BGPAdvertisements of the pools). `changes` says where each setting went;
 * `problems` lists what MetalLB itself would have refused, and the settings check rejects such settings.
 */
import type { KubeObject } from '../../../lib/hook-sdk/index.js';
import { bgpPeers, MIGRATED_LABELS, type LegacyPeer, type LegacySettings } from './module-config.js';
import { BGP_PASSWORD_LABEL, METALLB_API, METALLB_API_V1BETA2, MIGRATION_LABEL, MIGRATION_LABEL_VALUE, NAMESPACE, NETWORK_API } from './names.js';

export const COMMUNITY = /^([0-9]+:[0-9]+|no-export|no-advertise|local-as|none)$/;
export const HOLD_TIME = /^([0-9]+(ms|s|m|h))+$/;

/** The configuration the peers without a node-selector of their own join. */
export const MIGRATED_CONFIG = 'migrated-bgp';

/** Where one legacy setting now lives, for the alert that tells the user. */
export interface SettingChange {
  setting: string;
  movedTo: string;
}

export interface BgpMigration {
  objects: KubeObject[];
  changes: SettingChange[];
  problems: string[];
}

const obj = (kind: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: NETWORK_API, kind, metadata: { name, labels: { ...MIGRATED_LABELS } }, spec });
/** MetalLB objects in d8-metallb: labelled as migrated, but not `heritage: deckhouse` (that marks what the chart renders). */
const native = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion, kind, metadata: { name, namespace: NAMESPACE, labels: { [MIGRATION_LABEL]: MIGRATION_LABEL_VALUE } }, spec });

/** A hold time in the CRD's form: numbers are seconds. */
export function holdTimeOf(v: string | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return `${v}s`;
  return /^[0-9]+$/.test(v) ? `${v}s` : v;
}

/** A node-selector as plain labels (matchLabels, and `In` with one value), or undefined when it says more than that. */
export function selectorLabels(sel: LegacyPeer['node-selector']): Record<string, string> | undefined {
  const out: Record<string, string> = { ...(sel?.matchLabels ?? {}) };
  for (const raw of sel?.matchExpressions ?? []) {
    const e = raw as { key?: unknown; operator?: unknown; values?: unknown };
    if (typeof e.key !== 'string' || e.operator !== 'In' || !Array.isArray(e.values) || e.values.length !== 1 || typeof e.values[0] !== 'string') return undefined;
    if (out[e.key] !== undefined && out[e.key] !== e.values[0]) return undefined;
    out[e.key] = e.values[0];
  }
  return out;
}

interface Advertisement {
  pool: string;
  bgp: { communities?: string[]; localPref?: number; aggregationLength?: number };
}

export function migrateBgp(s: LegacySettings): BgpMigration {
  const out: BgpMigration = { objects: [], changes: [], problems: [] };
  // each bgp pool with its index in settings.addressPools, which the user knows it by
  const pools = (Array.isArray(s.addressPools) ? s.addressPools : []).flatMap((p, at) => (p?.protocol === 'bgp' ? [{ p, at }] : []));
  const peers = bgpPeers(s);
  if (pools.length === 0 && peers.length === 0) return out;
  const communities = s.bgpCommunities ?? {};
  const speakerLabels = s.speaker?.nodeSelector && Object.keys(s.speaker.nodeSelector).length ? { ...s.speaker.nodeSelector } : undefined;

  const advertisements: Advertisement[] = [];
  pools.forEach(({ p, at }, i) => {
    const name = p.name || `pool-${i}`;
    const spec: Record<string, unknown> = { addresses: [...(p.addresses ?? [])] };
    if (p['auto-assign'] !== undefined) spec.autoAssign = p['auto-assign'];
    if (p['avoid-buggy-ips'] !== undefined) spec.avoidBuggyIPs = p['avoid-buggy-ips'];
    out.objects.push(obj('MetalLoadBalancerPool', name, spec));
    out.changes.push({ setting: `addressPools[${at}]`, movedTo: `MetalLoadBalancerPool ${name}` });
    const advs = p['bgp-advertisements'] ?? [];
    if (advs.length === 0) advertisements.push({ pool: name, bgp: {} });
    advs.forEach((a, j) => {
      const bgp: Advertisement['bgp'] = {};
      const list = (a.communities ?? []).map((c) => communities[c] ?? c);
      for (const c of list.filter((x) => !COMMUNITY.test(x))) out.problems.push(`addressPools "${name}" bgp-advertisements[${j}]: community "${c}" is neither a value like 65535:65282 nor a key of bgpCommunities`);
      if (a.communities !== undefined) bgp.communities = list.filter((c) => COMMUNITY.test(c));
      if (a.localpref !== undefined) bgp.localPref = a.localpref;
      if (a['aggregation-length'] !== undefined) bgp.aggregationLength = a['aggregation-length'];
      advertisements.push({ pool: name, bgp });
    });
  });
  const mlbAdvertisements = configAdvertisements(advertisements);

  const configs = new Map<string, { nodeSelector?: Record<string, string>; peerNames: string[] }>();
  peers.forEach((p, i) => {
    const name = `peer-${i}`;
    const where = `bgpPeers[${i}]`;
    const hold = holdTimeOf(p['hold-time']);
    if (hold !== undefined && !HOLD_TIME.test(hold)) out.problems.push(`${where} (${p['peer-address']}): hold-time "${p['hold-time']}" must be a duration such as 90s or 1m30s`);
    let secret: string | undefined;
    if (p.password !== undefined) {
      secret = `${name}-password`;
      out.objects.push({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secret, namespace: NAMESPACE, labels: { ...MIGRATED_LABELS, [BGP_PASSWORD_LABEL]: 'true' } }, type: 'kubernetes.io/basic-auth', data: { password: Buffer.from(p.password).toString('base64') } });
      out.changes.push({ setting: `${where}.password`, movedTo: `Secret ${NAMESPACE}/${secret}` });
    }
    const common: Record<string, unknown> = { peerAddress: p['peer-address'], peerASN: p['peer-asn'], myASN: p['my-asn'] };
    if (p['peer-port'] !== undefined) common.peerPort = p['peer-port'];
    if (p['router-id'] !== undefined) common.routerID = p['router-id'];
    if (hold !== undefined && HOLD_TIME.test(hold)) common.holdTime = hold;
    const labels = p['node-selector'] === undefined ? {} : selectorLabels(p['node-selector']);

    if (p['source-address'] !== undefined || labels === undefined) {
      // MetalLB's own BGPPeer carries a source address and any node selector as they were
      const selector = { ...(p['node-selector'] ?? {}) } as Record<string, unknown>;
      if (speakerLabels) selector.matchLabels = { ...(selector.matchLabels as Record<string, string> | undefined), ...speakerLabels };
      const spec: Record<string, unknown> = { ...common };
      if (p['source-address'] !== undefined) spec.sourceAddress = p['source-address'];
      if (Object.keys(selector).length) spec.nodeSelectors = [selector];
      if (secret) spec.passwordSecret = { name: secret, namespace: NAMESPACE };
      out.objects.push(native(METALLB_API_V1BETA2, 'BGPPeer', name, spec));
      const why = [p['source-address'] !== undefined ? 'source-address' : '', labels === undefined ? 'node-selector' : ''].filter(Boolean).join(' and ');
      out.changes.push({ setting: where, movedTo: `BGPPeer ${NAMESPACE}/${name} (metallb.io, keeping its ${why})` });
      advertisements.forEach((a, j) => {
        const adv: Record<string, unknown> = { ipAddressPools: [a.pool], peers: [name], ...a.bgp };
        if (speakerLabels) adv.nodeSelectors = [{ matchLabels: { ...speakerLabels } }];
        out.objects.push(native(METALLB_API, 'BGPAdvertisement', `${name}-${j}`, adv));
      });
      return;
    }
    const spec: Record<string, unknown> = { ...common };
    if (secret) spec.passwordSecretRef = { name: secret, namespace: NAMESPACE };
    out.objects.push(obj('MetalLoadBalancerBGPPeer', name, spec));
    const own = Object.keys(labels).length > 0;
    const cfg = own ? `${MIGRATED_CONFIG}-${name}` : MIGRATED_CONFIG;
    const entry = configs.get(cfg) ?? { ...(own || speakerLabels ? { nodeSelector: { ...speakerLabels, ...labels } } : {}), peerNames: [] };
    entry.peerNames.push(name);
    configs.set(cfg, entry);
    out.changes.push({ setting: where, movedTo: `MetalLoadBalancerBGPPeer ${name} in MetalLoadBalancerConfiguration ${cfg}` });
  });
  // the pools are advertised by the shared configuration even without plain peers, as the Deckhouse module does
  if (peers.length === 0) configs.set(MIGRATED_CONFIG, { ...(speakerLabels ? { nodeSelector: { ...speakerLabels } } : {}), peerNames: [] });
  for (const [name, c] of [...configs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const spec: Record<string, unknown> = { mode: 'BGP', bgp: { peerNames: c.peerNames }, advertisements: mlbAdvertisements };
    if (c.nodeSelector) spec.nodeSelector = c.nodeSelector;
    out.objects.push(obj('MetalLoadBalancerConfiguration', name, spec));
  }
  return out;
}

/** Advertisements in the configuration's form: one per pool and advertisement, attributes only where set. */
function configAdvertisements(list: readonly Advertisement[]): Record<string, unknown>[] {
  return list.map((a) => (Object.keys(a.bgp).length ? { poolNames: [a.pool], bgp: { ...a.bgp } } : { poolNames: [a.pool] }));
}
