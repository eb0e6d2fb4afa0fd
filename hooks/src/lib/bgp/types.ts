// SPDX-License-Identifier: Apache-2.0
/** The BGP custom resources as the hooks see them (API shape), and the values they become (internal shape). */
import { DEFAULT_GRACEFUL_RESTART_TIME } from '../../../../lib/graceful-restart.js';
import type { KubeObject } from '../../../../lib/hook-sdk/index.js';
import type { LabelSelector } from '../../../../lib/selector.js';
import { opt } from '../service.js';
import type { Condition } from '../service.js';
import type { AddressPoolValue, BFDProfileValue, BGPAdvertisementValue, BGPPeerValue, SecretToCopyValue } from '../../../../lib/schemas/types.generated.js';

/** A MetalLoadBalancerPool as the hooks see it: the `internal.addressPools` entry it becomes. */
export type PoolInfo = AddressPoolValue;

export type BfdSpec = Omit<BFDProfileValue, 'name'>;

export interface PeerInfo {
  name: string;
  peerAddress: string;
  peerASN: number;
  myASN: number;
  peerPort?: number;
  routerID?: string;
  holdTime?: string;
  passwordSecretRef?: { name: string; namespace: string };
  sourceAddresses: { nodeName: string; address: string }[];
  bfd?: BfdSpec;
  /** Graceful restart's restart time (a duration); absent when the peer turned graceful restart off. */
  gracefulRestartTime?: string;
}

export interface AdvertisementSpec {
  poolNames: string[];
  bgp?: { communities?: string[]; localPref?: number; aggregationLength?: number };
}

export interface ConfigInfo {
  name: string;
  mode: string;
  nodeSelector: Record<string, string>;
  peerNames: string[];
  advertisements: AdvertisementSpec[];
  conditions: Condition[];
}

/** A user's own metallb.io BGPPeer in d8-metallb: only what the speaker DaemonSet needs to know of it. */
export interface NativePeerInfo {
  name: string;
  /** spec.nodeSelectors: empty means every node. */
  nodeSelectors: LabelSelector[];
  /** TCP-MD5 (spec.password or spec.passwordSecret) or BFD (spec.bfdProfile): the speaker needs NET_ADMIN. */
  netAdmin: boolean;
}

export interface SecretInfo {
  name: string;
  namespace: string;
  /** Decoded values. */
  data: Record<string, string>;
}

/** `internal.addressPools` entry. */
export type PoolValue = PoolInfo;

/** `internal.bgpPeers` entry. */
export type PeerValue = BGPPeerValue;

/** `internal.bgpAdvertisements` entry. */
export type AdvertisementValue = BGPAdvertisementValue;

/** `internal.bfdProfiles` entry. */
export type BfdProfileValue = BFDProfileValue;

/** `internal.secretsToCopy` entry. */
export type SecretValue = SecretToCopyValue;

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export function poolFromObject(o: KubeObject): PoolInfo | null {
  if (!o.metadata?.name) return null;
  const s = rec(o.spec);
  const p: PoolInfo = { name: o.metadata.name, addresses: strs(s.addresses) };
  opt(p, 'autoAssign', bool(s.autoAssign));
  opt(p, 'avoidBuggyIPs', bool(s.avoidBuggyIPs));
  return p;
}

export function peerFromObject(o: KubeObject): PeerInfo | null {
  const s = rec(o.spec);
  const peerAddress = str(s.peerAddress);
  const peerASN = num(s.peerASN);
  const myASN = num(s.myASN);
  if (!o.metadata?.name || peerAddress === undefined || peerASN === undefined || myASN === undefined) return null;
  const p: PeerInfo = {
    name: o.metadata.name,
    peerAddress,
    peerASN,
    myASN,
    sourceAddresses: (Array.isArray(s.sourceAddresses) ? s.sourceAddresses : []).map(rec).flatMap((a) => {
      const nodeName = str(a.nodeName);
      const address = str(a.address);
      return nodeName && address ? [{ nodeName, address }] : [];
    }),
  };
  opt(p, 'peerPort', num(s.peerPort));
  opt(p, 'routerID', str(s.routerID));
  opt(p, 'holdTime', str(s.holdTime));
  // On unless turned off: a restarting speaker keeps its routes at routers that support it.
  const gr = rec(s.gracefulRestart);
  if (gr.enabled !== false) p.gracefulRestartTime = str(gr.restartTime) ?? DEFAULT_GRACEFUL_RESTART_TIME;
  const ref = rec(s.passwordSecretRef);
  if (str(ref.name) && str(ref.namespace)) p.passwordSecretRef = { name: ref.name as string, namespace: ref.namespace as string };
  if (s.bfd !== undefined && s.bfd !== null) {
    const b = rec(s.bfd);
    const bfd: BfdSpec = {};
    for (const k of ['receiveInterval', 'transmitInterval', 'detectMultiplier', 'echoInterval', 'minimumTTL'] as const) opt(bfd, k, num(b[k]));
    for (const k of ['echoMode', 'passiveMode'] as const) opt(bfd, k, bool(b[k]));
    p.bfd = bfd;
  }
  return p;
}

export function configFromObject(o: KubeObject): ConfigInfo | null {
  if (!o.metadata?.name) return null;
  const s = rec(o.spec);
  const nodeSelector: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(s.nodeSelector))) if (typeof v === 'string') nodeSelector[k] = v;
  const conditions = (Array.isArray(rec(o.status).conditions) ? (rec(o.status).conditions as unknown[]) : []).map(rec).filter((c) => typeof c.type === 'string') as unknown as Condition[];
  return {
    name: o.metadata.name,
    mode: str(s.mode) ?? '',
    nodeSelector,
    peerNames: strs(rec(s.bgp).peerNames),
    advertisements: (Array.isArray(s.advertisements) ? s.advertisements : []).map(rec).map((a) => {
      const adv: AdvertisementSpec = { poolNames: strs(a.poolNames) };
      if (a.bgp !== undefined && a.bgp !== null) {
        const b = rec(a.bgp);
        const bgp: NonNullable<AdvertisementSpec['bgp']> = {};
        if (Array.isArray(b.communities)) bgp.communities = strs(b.communities);
        opt(bgp, 'localPref', num(b.localPref));
        opt(bgp, 'aggregationLength', num(b.aggregationLength));
        adv.bgp = bgp;
      }
      return adv;
    }),
    conditions,
  };
}

/** Secret filter: decodes `data` (base64) and takes `stringData` as is. */
export function secretFromObject(o: KubeObject): SecretInfo | null {
  if (!o.metadata?.name) return null;
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(rec(o.data))) if (typeof v === 'string') data[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(rec(o.stringData))) if (typeof v === 'string') data[k] = v;
  return { name: o.metadata.name, namespace: o.metadata.namespace ?? 'default', data };
}

/** metallb.io BGPPeer filter: the user's peers (the module renders its own with `heritage: deckhouse`). */
export function nativePeerFromObject(o: KubeObject): NativePeerInfo | null {
  if (!o.metadata?.name || o.metadata.labels?.heritage === 'deckhouse') return null;
  const s = rec(o.spec);
  const nodeSelectors = (Array.isArray(s.nodeSelectors) ? s.nodeSelectors : []).map(rec).map((sel) => {
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(rec(sel.matchLabels))) if (typeof v === 'string') labels[k] = v;
    const exprs = (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []).map(rec).flatMap((e) => (typeof e.key === 'string' && typeof e.operator === 'string' ? [{ key: e.key, operator: e.operator, ...(Array.isArray(e.values) ? { values: strs(e.values) } : {}) }] : []));
    const out: LabelSelector = { ...(Object.keys(labels).length ? { matchLabels: labels } : {}), ...(exprs.length ? { matchExpressions: exprs } : {}) };
    return out;
  });
  const netAdmin = !!str(s.password) || !!str(rec(s.passwordSecret).name) || !!str(s.bfdProfile);
  return { name: o.metadata.name, nodeSelectors, netAdmin };
}
