// SPDX-License-Identifier: Apache-2.0
/**
 * What this node's BGP sessions should be and carry, from the config model and Services. Pure.
 * Peers: those whose nodeSelectors match the node. Routes: every Service IP that lies in a pool named or selected
 * by a BGPAdvertisement whose nodeSelectors match the node, to the advertisement's peers (all when empty),
 * aggregated to aggregationLength, with its communities. externalTrafficPolicy Local: only while this node has a
 * ready endpoint.
 */
import { EXCLUDE_LB_LABEL } from '../../../../lib/api/index.js';
import type { LargeCommunity } from '../../../../lib/config/community.js';
import type { Config } from '../../../../lib/config/model.js';
import type { ConfigProblem } from '../../../../lib/config/problem.js';
import { bitsOf, parseCidr, parseIp, rangeContains } from '../../../../lib/ip.js';
import { matchesAny } from '../../../../lib/selector.js';
import type { BfdPeerSpec } from '../bfd/agent.js';
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
  /** The configuration in force (lib/config). */
  readonly config: Pick<Config, 'peers' | 'pools' | 'bgpAdvertisements'>;
  readonly services: readonly ServiceInfo[];
  /** Router ID when a peer sets none: the node's IPv4 address. */
  readonly defaultRouterId: string;
}

export interface BgpDesired {
  readonly peers: PeerSpec[];
  readonly bfd: BfdPeerSpec[];
  /** peer name -> routes */
  readonly routes: Map<string, Route[]>;
  /** Problems of the peers this node runs, each naming its object. */
  readonly problems: ConfigProblem[];
}

/** The prefix an IP is announced as, given an aggregation length. */
function aggregate(ip: string, length: number | undefined): string {
  const len = length ?? bitsOf(parseIp(ip).family);
  return `${parseCidr(`${ip}/${len}`, false).network}/${len}`;
}

export function desiredBgp(input: BgpInput): BgpDesired {
  const problems: ConfigProblem[] = [];
  const peers: PeerSpec[] = [];
  const bfd: BfdPeerSpec[] = [];
  const routes = new Map<string, Route[]>();
  const labels = input.node.labels;

  for (const r of input.config.peers) {
    const p = r.peer;
    if (!matchesAny(p.nodeSelectors, labels)) continue;
    if (r.down) {
      problems.push({ kind: 'BGPPeer', name: p.name, message: r.down });
      continue;
    }
    problems.push(...r.problems);
    peers.push({
      name: p.name,
      address: p.address,
      port: p.port,
      localAs: p.localAs,
      peerAs: p.peerAs,
      routerId: p.routerId ?? input.defaultRouterId,
      holdTime: p.holdTime,
      connectTimeMs: p.connectTimeMs,
      passive: false,
      families: [...p.families],
      ...(p.keepaliveTime !== undefined ? { keepaliveTime: p.keepaliveTime } : {}),
      ...(r.password !== undefined ? { password: r.password } : {}),
      ...(p.sourceAddress ? { sourceAddress: p.sourceAddress } : {}),
      ...(p.ttl ? { ttl: p.ttl } : {}),
      ...(p.minTtl ? { minTtl: p.minTtl } : {}),
      ...(p.gracefulRestart ? { gracefulRestart: p.gracefulRestart } : {}),
    });
    routes.set(p.name, []);
    if (r.bfd) {
      const { receiveIntervalMs, transmitIntervalMs, detectMultiplier, passive } = r.bfd;
      bfd.push({ address: p.address, receiveIntervalMs, transmitIntervalMs, detectMultiplier, passive, ...(p.sourceAddress ? { localAddress: p.sourceAddress } : {}) });
    }
  }

  // peer -> prefix -> route
  const perPeer = new Map<string, Map<string, Route>>();
  const eligible = labels[EXCLUDE_LB_LABEL] === undefined;
  for (const ad of input.config.bgpAdvertisements) {
    if (!eligible || !matchesAny(ad.nodeSelectors, labels)) continue;
    const everyPool = !ad.poolNames.length && !ad.poolSelectors.length;
    const pools = input.config.pools.filter((p) => everyPool || ad.poolNames.includes(p.name) || (ad.poolSelectors.length > 0 && matchesAny(ad.poolSelectors, p.labels)));
    const targets = peers.filter((p) => !ad.peers.length || ad.peers.includes(p.name));
    for (const svc of input.services) {
      if (svc.local && !svc.readyHere) continue;
      for (const ip of svc.ips) {
        let addr;
        try { addr = parseIp(ip); } catch { continue; }
        if (!pools.some((p) => p.ranges.some((r) => rangeContains(r, addr)))) continue;
        // ETP Local announces host routes so that only nodes with endpoints attract traffic for the IP.
        const len = svc.local ? undefined : addr.family === 4 ? ad.aggregationLength : ad.aggregationLengthV6;
        const prefix = aggregate(ip, len);
        for (const t of targets) {
          const m = perPeer.get(t.name) ?? new Map<string, Route>();
          perPeer.set(t.name, m);
          const old = m.get(prefix);
          m.set(prefix, {
            prefix,
            communities: [...new Set([...(old?.communities ?? []), ...ad.communities])],
            largeCommunities: dedupeLarge([...(old?.largeCommunities ?? []), ...ad.largeCommunities]),
            ...(old?.localPref !== undefined ? { localPref: old.localPref } : ad.localPref !== undefined ? { localPref: ad.localPref } : {}),
          });
        }
      }
    }
  }
  for (const [peer, m] of perPeer) routes.set(peer, [...m.values()].sort((a, b) => a.prefix.localeCompare(b.prefix)));
  return { peers, bfd, routes, problems };
}

function dedupeLarge(list: readonly LargeCommunity[]): LargeCommunity[] {
  const seen = new Set<string>();
  return list.filter((c) => !seen.has(c.join(':')) && !!seen.add(c.join(':')));
}
