// SPDX-License-Identifier: Apache-2.0
/**
 * BGP discovery, pure: MetalLoadBalancerPool / BGPPeer / Configuration (+ labelled password Secrets)
 * become the values the templates render into metallb.io IPAddressPool, BGPPeer, BGPAdvertisement, BFDProfile,
 * the copied password Secrets and the speakers' node affinity. Dangling references are reported, not fatal.
 */
import { createHash } from 'node:crypto';
import type { LabelSelector } from '../../../../lib/hook-sdk/index.js';
import type { LabelSelector as Selector } from '../../../../lib/selector.js';
import { HOSTNAME_LABEL } from '../names.js';
import { opt } from '../service.js';
import type { AdvertisementValue, BfdProfileValue, ConfigInfo, NativePeerInfo, PeerInfo, PeerValue, PoolInfo, PoolValue, SecretInfo, SecretValue } from './types.js';

/** Node affinity of the BGP speakers; `{}` means every node. */
export type NodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: { matchExpressions: { key: string; operator: string; values?: string[] }[] }[] } };

export interface BgpInput {
  pools: readonly PoolInfo[];
  peers: readonly PeerInfo[];
  configs: readonly ConfigInfo[];
  /** Secrets labelled network.deckhouse.io/metallb-bgp-password: "true". */
  secrets: readonly SecretInfo[];
  /** Names of metallb.io IPAddressPools users keep in d8-metallb: advertisements may name them too. */
  nativePools?: readonly string[];
  /** The users' own metallb.io BGPPeers in d8-metallb: the speakers run for them too. */
  nativePeers?: readonly NativePeerInfo[];
}

export interface BgpPlan {
  addressPools: PoolValue[];
  bgpPeers: PeerValue[];
  bgpAdvertisements: AdvertisementValue[];
  bfdProfiles: BfdProfileValue[];
  secretsToCopy: SecretValue[];
  speakerNodeAffinity: NodeAffinity;
  /** The users' metallb.io BGPPeers, sorted: the template runs the speakers (with NET_ADMIN where needed) for them. */
  nativeBgpPeers: { name: string; netAdmin: boolean }[];
  /** Problems per configuration name, to show in its status. */
  warnings: Map<string, string[]>;
}

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * `bgp-pwd-<namespace>-<name>-<hash>`: the copy of a password Secret in d8-metallb. The hash of "namespace/name"
 * keeps the copies of Secrets apart whose names would join alike ("a-b"/"c" and "a"/"b-c"); the readable part is
 * cut so the name stays within the 253 characters of a Secret name.
 */
export function passwordSecretName(ref: { namespace: string; name: string }): string {
  const hash = createHash('sha256').update(`${ref.namespace}/${ref.name}`).digest('hex').slice(0, 10);
  return `${`bgp-pwd-${ref.namespace}-${ref.name}`.slice(0, 253 - 1 - hash.length).replace(/[.-]+$/, '')}-${hash}`;
}

/** The values for one peer of one configuration: a node-pinned peer per source address, and a fallback for the other nodes. */
function peersFor(cfg: ConfigInfo, peer: PeerInfo, password: string | undefined, bfd: string | undefined): PeerValue[] {
  const base = (name: string): PeerValue => {
    const v: PeerValue = { name, myASN: peer.myASN, peerASN: peer.peerASN, peerAddress: peer.peerAddress };
    opt(v, 'peerPort', peer.peerPort);
    opt(v, 'routerID', peer.routerID);
    opt(v, 'holdTime', peer.holdTime);
    opt(v, 'passwordSecret', password);
    opt(v, 'bfdProfile', bfd);
    opt(v, 'gracefulRestartTime', peer.gracefulRestartTime);
    return v;
  };
  const explicit = [...new Set(peer.sourceAddresses.map((s) => s.nodeName))].sort();
  const out: PeerValue[] = [];
  for (const sa of [...peer.sourceAddresses].sort((a, b) => (a.nodeName < b.nodeName ? -1 : a.nodeName > b.nodeName ? 1 : 0))) {
    const v = base(`${peer.name}-${cfg.name}-node-${sa.nodeName}`);
    v.sourceAddress = sa.address;
    v.nodeSelectors = [{ matchLabels: { ...cfg.nodeSelector, [HOSTNAME_LABEL]: sa.nodeName } }];
    out.push(v);
  }
  const fallback = base(`${peer.name}-${cfg.name}`);
  const sel: LabelSelector = {};
  if (Object.keys(cfg.nodeSelector).length) sel.matchLabels = { ...cfg.nodeSelector };
  if (explicit.length) sel.matchExpressions = [{ key: HOSTNAME_LABEL, operator: 'NotIn', values: explicit }];
  if (sel.matchLabels || sel.matchExpressions) fallback.nodeSelectors = [sel];
  out.push(fallback);
  return out;
}

type Term = { matchExpressions: { key: string; operator: string; values?: string[] }[] };

/** A label selector as a node selector term (the same operators); undefined for one that selects every node. */
function termOf(sel: Selector): Term | undefined {
  const exprs: Term['matchExpressions'] = Object.keys(sel.matchLabels ?? {}).sort().map((k) => ({ key: k, operator: 'In', values: [sel.matchLabels?.[k] as string] }));
  for (const e of sel.matchExpressions ?? []) exprs.push({ key: e.key, operator: e.operator, ...(e.values ? { values: [...e.values] } : {}) });
  return exprs.length ? { matchExpressions: exprs } : undefined;
}

/**
 * Speaker affinity: the OR of every configuration's selector, every pinned node and every selector of the users'
 * own BGPPeers; `{}` (every node) if any configuration or user peer covers all nodes.
 */
function affinityOf(configs: readonly ConfigInfo[], peers: ReadonlyMap<string, PeerInfo>, natives: readonly NativePeerInfo[]): NodeAffinity {
  if (configs.length + natives.length === 0 || configs.some((c) => Object.keys(c.nodeSelector).length === 0) || natives.some((p) => p.nodeSelectors.length === 0)) return {};
  const terms = new Map<string, Term>();
  const add = (t: Term): void => void terms.set(JSON.stringify(t), t);
  for (const c of configs) {
    add(termOf({ matchLabels: c.nodeSelector }) as Term);
    for (const p of c.peerNames) for (const sa of peers.get(p)?.sourceAddresses ?? []) add({ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [sa.nodeName] }] });
  }
  for (const p of natives) {
    const ts = p.nodeSelectors.map(termOf);
    if (ts.some((t) => t === undefined)) return {};
    for (const t of ts) add(t as Term);
  }
  const nodeSelectorTerms = [...terms.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
  return { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } };
}

export function planBgp(input: BgpInput): BgpPlan {
  const peers = new Map(input.peers.map((p) => [p.name, p]));
  const poolNames = new Set([...input.pools.map((p) => p.name), ...(input.nativePools ?? [])]);
  const secrets = new Map(input.secrets.map((s) => [`${s.namespace}/${s.name}`, s]));
  const configs = input.configs.filter((c) => c.mode === 'BGP').sort(byName);
  const plan: BgpPlan = {
    addressPools: input.pools.map((p) => ({ ...p, addresses: [...p.addresses] })).sort(byName),
    bgpPeers: [],
    bgpAdvertisements: [],
    bfdProfiles: [],
    secretsToCopy: [],
    speakerNodeAffinity: affinityOf(configs, peers, input.nativePeers ?? []),
    nativeBgpPeers: (input.nativePeers ?? []).map((p) => ({ name: p.name, netAdmin: p.netAdmin })).sort(byName),
    warnings: new Map(),
  };
  const bfd = new Map<string, BfdProfileValue>();
  const copies = new Map<string, SecretValue>();
  for (const cfg of configs) {
    const warn: string[] = [];
    const generated: string[] = [];
    for (const name of cfg.peerNames) {
      const peer = peers.get(name);
      if (!peer) {
        warn.push(`MetalLoadBalancerBGPPeer "${name}" does not exist; skipped`);
        continue;
      }
      let password: string | undefined;
      const ref = peer.passwordSecretRef;
      if (ref) {
        // Fail closed: the peer names the copy even when there is none, so the speakers keep its sessions down.
        password = passwordSecretName(ref);
        const s = secrets.get(`${ref.namespace}/${ref.name}`);
        if (!s) warn.push(`Secret ${ref.namespace}/${ref.name} of peer "${name}" not found (it needs the label network.deckhouse.io/metallb-bgp-password: "true"); the peer stays down until it exists`);
        else copies.set(password, { name: password, namespace: ref.namespace, data: { ...s.data } });
      }
      let profile: string | undefined;
      if (peer.bfd) {
        profile = `bfd-${peer.name}`;
        bfd.set(profile, { name: profile, ...peer.bfd });
      }
      const vs = peersFor(cfg, peer, password, profile);
      plan.bgpPeers.push(...vs);
      generated.push(...vs.map((v) => v.name));
    }
    cfg.advertisements.forEach((adv, i) => {
      const known = adv.poolNames.filter((p) => poolNames.has(p));
      for (const p of adv.poolNames.filter((x) => !poolNames.has(x))) warn.push(`advertisement ${i}: MetalLoadBalancerPool "${p}" does not exist; skipped`);
      if (known.length === 0) return;
      // an empty peer list would mean "all peers" to the speakers: advertise nothing rather than everywhere
      if (generated.length === 0) {
        warn.push(`advertisement ${i}: no existing peer to advertise to; skipped`);
        return;
      }
      const v: AdvertisementValue = { name: `${cfg.name}-adv-${i}`, ipAddressPools: known, peers: [...generated] };
      if (Object.keys(cfg.nodeSelector).length) v.nodeSelectors = [{ matchLabels: { ...cfg.nodeSelector } }];
      if (adv.bgp) {
        opt(v, 'aggregationLength', adv.bgp.aggregationLength);
        opt(v, 'localPref', adv.bgp.localPref);
        opt(v, 'communities', adv.bgp.communities);
      }
      plan.bgpAdvertisements.push(v);
    });
    plan.warnings.set(cfg.name, warn);
  }
  plan.bgpPeers = dedupe(plan.bgpPeers).sort(byName);
  plan.bgpAdvertisements.sort(byName);
  plan.bfdProfiles = [...bfd.values()].sort(byName);
  plan.secretsToCopy = [...copies.values()].sort(byName);
  return plan;
}

/** The same peer generated twice (two configurations cannot collide: names carry the configuration). */
function dedupe(list: PeerValue[]): PeerValue[] {
  return [...new Map(list.map((p) => [p.name, p])).values()];
}
