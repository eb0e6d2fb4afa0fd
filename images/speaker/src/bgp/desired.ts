// SPDX-License-Identifier: Apache-2.0
/**
 * What this node's BGP sessions should be and carry, from metallb.io objects and Services. Pure.
 * Peers: BGPPeer (v1beta1/v1beta2) whose nodeSelectors match the node. Routes: every Service IP that lies
 * in an IPAddressPool named or selected by a BGPAdvertisement whose nodeSelectors match the node, to the
 * advertisement's peers (all when empty), aggregated to aggregationLength, with its communities.
 * externalTrafficPolicy Local: only while this node has a ready endpoint.
 */
import { EXCLUDE_LB_LABEL, GRACEFUL_RESTART_TIME_ANNOTATION, TTL_SECURITY_ANNOTATION } from '../../../../lib/api/index.js';
import { DEFAULT_GRACEFUL_RESTART_TIME, MAX_GRACEFUL_RESTART_SECONDS } from '../../../../lib/graceful-restart.js';
import { bitsOf, parseCidr, parseIp, parsePoolEntry, rangeContains, type IpRange } from '../../../../lib/ip.js';
import { matchesAny, parseSelector, type LabelSelector, type Labels } from '../../../../lib/selector.js';
import type { BFDProfile, BGPAdvertisement, BGPPeer, BGPPeerV1beta1, Community, IPAddressPool } from '../../../../lib/schemas/types.generated.js';
import type { BfdPeerSpec } from '../bfd/agent.js';
import { parseCommunity } from './attributes/communities.js';
import { parseLargeCommunity, type LargeCommunity } from './attributes/large-communities.js';
import type { PeerSpec } from './speaker.js';
import type { Route } from './updates.js';

/** A Service as the BGP side needs it. */
export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  /** status.loadBalancer.ingress IPs. */
  readonly ips: readonly string[];
  /** externalTrafficPolicy: Local. */
  readonly local: boolean;
  /** This node has a ready endpoint of the Service. */
  readonly readyHere: boolean;
}

export interface BgpInput {
  readonly node: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  readonly peers: ReadonlyArray<BGPPeer | BGPPeerV1beta1>;
  readonly advertisements: readonly BGPAdvertisement[];
  readonly pools: readonly IPAddressPool[];
  readonly communities: readonly Community[];
  readonly bfdProfiles: readonly BFDProfile[];
  /** "namespace/name" -> the Secret's decoded data. */
  readonly secrets: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly services: readonly ServiceInfo[];
  /** The module namespace, for Secrets without a namespace. */
  readonly namespace: string;
  /** Router ID when a peer sets none: the node's IPv4 address. */
  readonly defaultRouterId: string;
}

/** A metallb.io object the speaker cannot use as written, or uses with a caveat. */
export interface ConfigProblem {
  readonly kind: 'BGPPeer' | 'BFDProfile' | 'IPAddressPool' | 'BGPAdvertisement' | 'Community';
  readonly name: string;
  readonly message: string;
}

/** `Kind name: message`, as log lines and Events say it. */
export function problemText(p: ConfigProblem): string {
  return `${p.kind} ${p.name}: ${p.message}`;
}

export interface BgpDesired {
  readonly peers: PeerSpec[];
  readonly bfd: BfdPeerSpec[];
  /** peer name -> routes */
  readonly routes: Map<string, Route[]>;
  /** Problems for the user, each naming the object. */
  readonly problems: ConfigProblem[];
}

/** Go duration ("90s", "1m30s", "500ms") to seconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = re.exec(text))) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 'ms' ? n / 1000 : n;
    seen = re.lastIndex;
  }
  if (!text || seen !== text.length) throw new Error(`invalid duration "${text}" (want e.g. "90s" or "1m30s")`);
  return total;
}

/** The restart time a peer with graceful restart advertises: its annotation, else the default. */
function restartTimeOf(p: BGPPeer | BGPPeerV1beta1, problems: ConfigProblem[]): number {
  const text = p.metadata.annotations?.[GRACEFUL_RESTART_TIME_ANNOTATION] ?? DEFAULT_GRACEFUL_RESTART_TIME;
  try {
    const s = Math.round(parseDuration(text));
    if (s >= 1 && s <= MAX_GRACEFUL_RESTART_SECONDS) return s;
    throw new Error(`${text} is not between 1s and ${MAX_GRACEFUL_RESTART_SECONDS}s`);
  } catch (e) {
    problems.push({ kind: 'BGPPeer', name: p.metadata.name ?? '', message: `annotation ${GRACEFUL_RESTART_TIME_ANNOTATION}: ${(e as Error).message}; using ${DEFAULT_GRACEFUL_RESTART_TIME}` });
    return parseDuration(DEFAULT_GRACEFUL_RESTART_TIME);
  }
}

function communityValues(list: readonly string[] | undefined, named: ReadonlyMap<string, string>): { communities: number[]; large: LargeCommunity[] } {
  const communities: number[] = [];
  const large: LargeCommunity[] = [];
  for (const raw of list ?? []) {
    const v = named.get(raw) ?? raw;
    if (v.startsWith('large:') || v.split(':').length === 3) large.push(parseLargeCommunity(v));
    else communities.push(parseCommunity(v));
  }
  return { communities, large };
}

/** The prefix an IP is announced as, given an aggregation length. */
function aggregate(ip: string, length: number | undefined): string {
  const len = length ?? bitsOf(parseIp(ip).family);
  return `${parseCidr(`${ip}/${len}`, false).network}/${len}`;
}

/** A selector list as MetalLB reads it (none: everything); a bad selector is told to `onError` and selects nothing. */
function selectorsMatch(sels: readonly LabelSelector[] | undefined, labels: Labels, onError: (message: string) => void): boolean {
  try {
    return matchesAny((sels ?? []).map((s) => parseSelector(s)), labels);
  } catch (e) {
    onError((e as Error).message);
    return false;
  }
}

/** A BGPPeer's timers and AS numbers, as far as the object alone decides them; throws what is wrong with it. */
function peerTimers(p: BGPPeer | BGPPeerV1beta1): { holdTime: number; keepaliveTime?: number; peerAs: number; ttlSecurityHops?: number } {
  const s = p.spec;
  if (!s) throw new Error('spec is missing');
  const v2 = p.apiVersion === 'metallb.io/v1beta2' ? (s as NonNullable<BGPPeer['spec']>) : undefined;
  const holdTime = s.holdTime ? parseDuration(s.holdTime) : 90;
  if (holdTime !== 0 && holdTime < 3) throw new Error(`holdTime ${s.holdTime} must be 0 or at least 3s`);
  const keepaliveTime = s.keepaliveTime ? parseDuration(s.keepaliveTime) : undefined;
  if (keepaliveTime !== undefined && keepaliveTime > holdTime) throw new Error(`keepaliveTime ${s.keepaliveTime} exceeds holdTime`);
  const peerAs = v2?.dynamicASN ? 0 : (s.peerASN ?? 0);
  if (!v2?.dynamicASN && !peerAs) throw new Error('peerASN is required');
  if (v2?.connectTime) parseDuration(v2.connectTime);
  const gtsm = p.metadata.annotations?.[TTL_SECURITY_ANNOTATION];
  const hops = gtsm === undefined ? undefined : Number(gtsm);
  if (hops !== undefined && !(Number.isInteger(hops) && hops >= 1 && hops <= 254)) throw new Error(`annotation ${TTL_SECURITY_ANNOTATION} "${gtsm}" must be a number of hops from 1 to 254`);
  return { holdTime, peerAs, ...(keepaliveTime !== undefined ? { keepaliveTime } : {}), ...(hops !== undefined ? { ttlSecurityHops: hops } : {}) };
}

/** Names of Community objects -> their values. */
export function namedCommunities(list: readonly Community[]): Map<string, string> {
  const named = new Map<string, string>();
  for (const c of list) for (const e of c.spec?.communities ?? []) if (e.name && e.value) named.set(e.name, e.value);
  return named;
}

/**
 * What is wrong with each kind of object on its own, as an Error; for keeping an edit that breaks an object from
 * taking away its last valid version. References to other objects (Secrets, BFD profiles) are not checked here:
 * a peer whose password is gone must go down, never keep its old key.
 */
export const checkObject = {
  peer: (p: BGPPeer | BGPPeerV1beta1): void => void peerTimers(p),
  pool: (p: IPAddressPool): void => {
    for (const a of p.spec.addresses) parsePoolEntry(a);
  },
  community: (c: Community): void => {
    for (const e of c.spec?.communities ?? []) communityValues([e.value ?? ''], new Map());
  },
  advertisement: (ad: BGPAdvertisement, named: ReadonlyMap<string, string>): void => void communityValues(ad.spec?.communities, named),
};

export function desiredBgp(input: BgpInput): BgpDesired {
  const problems: ConfigProblem[] = [];
  const peers: PeerSpec[] = [];
  const bfd: BfdPeerSpec[] = [];
  const routes = new Map<string, Route[]>();
  const labels = input.node.labels;
  const profiles = new Map(input.bfdProfiles.map((p) => [p.metadata.name ?? '', p.spec ?? {}]));

  for (const p of input.peers) {
    const name = p.metadata.name ?? '';
    const s = p.spec;
    if (!s || !selectorsMatch(s.nodeSelectors, labels, (m) => problems.push({ kind: 'BGPPeer', name, message: `nodeSelectors: ${m}` }))) continue;
    try {
      const v2 = p.apiVersion === 'metallb.io/v1beta2' ? (s as NonNullable<BGPPeer['spec']>) : undefined;
      const { holdTime, keepaliveTime, peerAs, ttlSecurityHops } = peerTimers(p);
      let password: string | undefined;
      if (v2?.passwordSecret?.name) {
        const key = `${v2.passwordSecret.namespace ?? input.namespace}/${v2.passwordSecret.name}`;
        password = input.secrets.get(key)?.password;
        // Fail closed: without its key the peer stays down; it never comes up without TCP-MD5.
        if (!password) throw new Error(`password Secret ${key} is missing or its "password" key is empty; the peer stays down`);
      } else if (s.password) {
        // MetalLB accepts the password in the object; keep such objects working, and say where it belongs.
        password = s.password;
        problems.push({ kind: 'BGPPeer', name, message: 'spec.password is kept in plain text in the object; move it to a Secret and set spec.passwordSecret' });
      }
      const fam = s.peerAddress.includes(':') ? 6 : 4;
      const spec: PeerSpec = {
        name,
        address: s.peerAddress,
        port: s.peerPort ?? 179,
        localAs: s.myASN,
        peerAs: v2?.dynamicASN === 'internal' ? s.myASN : peerAs,
        routerId: s.routerID ?? input.defaultRouterId,
        holdTime,
        connectTimeMs: v2?.connectTime ? parseDuration(v2.connectTime) * 1000 : 10_000,
        passive: false,
        families: v2?.disableMP ? [fam === 4 ? 'ipv4' : 'ipv6'] : ['ipv4', 'ipv6'],
        ...(keepaliveTime !== undefined ? { keepaliveTime } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(s.sourceAddress ? { sourceAddress: s.sourceAddress } : {}),
        ...(s.ebgpMultiHop || ttlSecurityHops ? { ttl: 255 } : {}),
        ...(ttlSecurityHops ? { minTtl: 256 - ttlSecurityHops } : {}),
        ...(v2?.enableGracefulRestart ? { gracefulRestart: { restartTime: restartTimeOf(p, problems) } } : {}),
      };
      peers.push(spec);
      routes.set(name, []);
      if (s.bfdProfile) {
        const prof = profiles.get(s.bfdProfile);
        if (!prof) throw new Error(`BFDProfile ${s.bfdProfile} not found; the session runs without BFD`);
        if (prof.echoMode) problems.push({ kind: 'BFDProfile', name: s.bfdProfile, message: 'echo mode is not supported; BFD runs in asynchronous mode only' });
        bfd.push({
          address: s.peerAddress,
          receiveIntervalMs: prof.receiveInterval ?? 300,
          transmitIntervalMs: prof.transmitInterval ?? 300,
          detectMultiplier: prof.detectMultiplier ?? 3,
          passive: prof.passiveMode ?? false,
          ...(s.sourceAddress ? { localAddress: s.sourceAddress } : {}),
        });
      }
    } catch (e) {
      problems.push({ kind: 'BGPPeer', name, message: (e as Error).message });
    }
  }

  const pools = new Map<string, { labels: Readonly<Record<string, string>>; ranges: IpRange[] }>();
  for (const p of input.pools) {
    const ranges: IpRange[] = [];
    for (const a of p.spec.addresses) {
      try { ranges.push(parsePoolEntry(a)); } catch (e) { problems.push({ kind: 'IPAddressPool', name: p.metadata.name ?? '', message: (e as Error).message }); }
    }
    pools.set(p.metadata.name ?? '', { labels: p.metadata.labels ?? {}, ranges });
  }
  const named = namedCommunities(input.communities);

  // peer -> prefix -> route
  const perPeer = new Map<string, Map<string, Route>>();
  const eligible = labels[EXCLUDE_LB_LABEL] === undefined;
  for (const ad of input.advertisements) {
    const s = ad.spec ?? {};
    const report = (field: string) => (m: string): void => void problems.push({ kind: 'BGPAdvertisement', name: ad.metadata.name ?? '', message: `${field}: ${m}` });
    if (!eligible || !selectorsMatch(s.nodeSelectors, labels, report('nodeSelectors'))) continue;
    let poolSelectors;
    try {
      poolSelectors = (s.ipAddressPoolSelectors ?? []).map((p) => parseSelector(p));
    } catch (e) {
      report('ipAddressPoolSelectors')((e as Error).message);
      continue;
    }
    let attrs: { communities: number[]; large: LargeCommunity[] };
    try {
      attrs = communityValues(s.communities, named);
    } catch (e) {
      problems.push({ kind: 'BGPAdvertisement', name: ad.metadata.name ?? '', message: (e as Error).message });
      continue;
    }
    const poolNames = [...pools.entries()].filter(([n, p]) => {
      const byName = s.ipAddressPools?.includes(n) ?? false;
      const bySel = poolSelectors.length ? matchesAny(poolSelectors, p.labels) : false;
      return (!s.ipAddressPools?.length && !s.ipAddressPoolSelectors?.length) || byName || bySel;
    });
    const targets = peers.filter((p) => !s.peers?.length || s.peers.includes(p.name));
    for (const svc of input.services) {
      if (svc.local && !svc.readyHere) continue;
      for (const ip of svc.ips) {
        let addr;
        try { addr = parseIp(ip); } catch { continue; }
        if (!poolNames.some(([, p]) => p.ranges.some((r) => rangeContains(r, addr)))) continue;
        // ETP Local announces host routes so that only nodes with endpoints attract traffic for the IP.
        const len = svc.local ? undefined : addr.family === 4 ? s.aggregationLength : s.aggregationLengthV6;
        const prefix = aggregate(ip, len);
        for (const t of targets) {
          const m = perPeer.get(t.name) ?? new Map<string, Route>();
          perPeer.set(t.name, m);
          const old = m.get(prefix);
          m.set(prefix, {
            prefix,
            communities: [...new Set([...(old?.communities ?? []), ...attrs.communities])],
            largeCommunities: dedupeLarge([...(old?.largeCommunities ?? []), ...attrs.large]),
            ...(old?.localPref !== undefined ? { localPref: old.localPref } : s.localPref !== undefined ? { localPref: s.localPref } : {}),
          });
        }
      }
    }
  }
  for (const [peer, m] of perPeer) routes.set(peer, [...m.values()].sort((a, b) => a.prefix.localeCompare(b.prefix)));
  return { peers, bfd, routes, problems };
}

function dedupeLarge(list: LargeCommunity[]): LargeCommunity[] {
  const seen = new Set<string>();
  return list.filter((c) => !seen.has(c.join(':')) && !!seen.add(c.join(':')));
}
