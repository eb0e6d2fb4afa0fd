// SPDX-License-Identifier: Apache-2.0
/**
 * From API objects to what the L2 speaker needs: instances with their IP, preferred node,
 * eligible nodes and interfaces; and the peers' heartbeat addresses. Pure.
 */
import type { V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import { EXCLUDE_LB_LABEL, INSTANCE_POOL_ANNOTATION, PARENT_SERVICE_LABEL, PREFERRED_NODE_ANNOTATION } from '../../../../../lib/api/index.js';
import type { Config } from '../../../../../lib/config/model.js';
import { familyOf } from '../../../../../lib/ip.js';
import type { SDNInternalL2LBService } from '../../../../../lib/schemas/types.generated.js';
import { matchesAny } from '../../../../../lib/selector.js';
import type { PeerAddress } from '../../health/heartbeats.js';
import { readyOrAll } from '../../nodes.js';
import type { L2Instance } from './speaker.js';

/** Something wrong with one instance, to report on it instead of announcing. */
export interface InstanceProblem {
  readonly key: string;
  readonly reason: 'noAddress' | 'noAdvertisement' | 'invalidAdvertisement';
  readonly message: string;
}

export interface DesiredL2 {
  readonly instances: L2Instance[];
  readonly problems: InstanceProblem[];
  /** Each class's node group (the usable nodes its L2Advertisement selects): the rings speakers watch each other on. */
  readonly groups: string[][];
}

function nodeUsable(n: V1Node): boolean {
  if (n.metadata?.labels?.[EXCLUDE_LB_LABEL] !== undefined) return false;
  return !(n.status?.conditions ?? []).some((c) => c.type === 'NetworkUnavailable' && c.status === 'True');
}

/** Nodes with a ready endpoint of the Service, from its EndpointSlices. */
export function nodesWithReadyEndpoints(slices: readonly V1EndpointSlice[], namespace: string, service: string): Set<string> {
  const out = new Set<string>();
  for (const s of slices) {
    if (s.metadata?.namespace !== namespace || s.metadata.labels?.['kubernetes.io/service-name'] !== service) continue;
    for (const e of s.endpoints ?? []) if (e.nodeName && e.conditions?.ready !== false) out.add(e.nodeName);
  }
  return out;
}

/**
 * `config`: the L2Advertisements in force, and the stale ones; one that never was valid stays in, so that its
 * instances say what is wrong with it.
 */
export function desiredL2(
  instances: readonly SDNInternalL2LBService[],
  config: Pick<Config, 'l2Advertisements' | 'stale'>,
  nodes: readonly V1Node[],
  slices: readonly V1EndpointSlice[],
): DesiredL2 {
  const advByName = new Map(config.l2Advertisements.map((a) => [a.name, a]));
  const usableNodes = readyOrAll(nodes.filter(nodeUsable));
  // class -> its node group (one array, shared by its instances), or what is wrong with its advertisement
  const groups = new Map<string, string[] | Error>();
  for (const [name, adv] of advByName) groups.set(name, usableNodes.filter((n) => matchesAny(adv.nodeSelectors, n.metadata?.labels)).map((n) => n.metadata?.name ?? ''));
  for (const s of config.stale) if (s.kind === 'L2Advertisement' && !s.inForce) groups.set(s.current.metadata?.name ?? '', new Error(s.error));
  const out: L2Instance[] = [];
  const problems: InstanceProblem[] = [];
  for (const o of instances) {
    const md = o.metadata;
    const key = `${md.namespace ?? ''}/${md.name ?? ''}`;
    const ips = (o.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => typeof ip === 'string' && familyOf(ip) !== undefined);
    if (ips.length === 0) {
      problems.push({ key, reason: 'noAddress', message: 'no address assigned yet' });
      continue;
    }
    const cls = md.annotations?.[INSTANCE_POOL_ANNOTATION] ?? '';
    const adv = advByName.get(cls);
    if (!groups.has(cls)) {
      problems.push({ key, reason: 'noAdvertisement', message: `no L2Advertisement "${cls}" in the module namespace` });
      continue;
    }
    let eligible = groups.get(cls) ?? [];
    if (eligible instanceof Error) {
      problems.push({ key, reason: 'invalidAdvertisement', message: `${eligible.message}; no valid version of it was ever seen` });
      continue;
    }
    const ref = o.spec?.serviceRef ?? { namespace: md.namespace ?? '', name: md.labels?.[PARENT_SERVICE_LABEL] ?? md.name ?? '' };
    const service = { namespace: ref.namespace ?? md.namespace ?? '', name: ref.name ?? '' };
    if (o.spec?.externalTrafficPolicy === 'Local') {
      const ready = nodesWithReadyEndpoints(slices, service.namespace, service.name);
      eligible = eligible.filter((n) => ready.has(n));
    }
    const preferred = md.annotations?.[PREFERRED_NODE_ANNOTATION];
    for (const ip of ips) out.push({ key, service, ip, preferred: preferred || undefined, eligible, interfaces: adv?.interfaces ?? [] });
  }
  out.sort((a, b) => (a.key + a.ip).localeCompare(b.key + b.ip));
  return { instances: out, problems, groups: [...groups.values()].filter((g): g is string[] => Array.isArray(g)) };
}

/** Each node's heartbeat address: its first InternalIP (IPv4 preferred). */
export function peerAddresses(nodes: readonly V1Node[]): PeerAddress[] {
  const out: PeerAddress[] = [];
  for (const n of nodes) {
    const internal = (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
    const address = internal.find((a) => familyOf(a) === 4) ?? internal.find((a) => familyOf(a) === 6);
    if (n.metadata?.name && address) out.push({ node: n.metadata.name, address });
  }
  return out;
}
