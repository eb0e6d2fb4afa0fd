// SPDX-License-Identifier: Apache-2.0
/**
 * Who watches whom, and who may take each address over, in a bounded neighbourhood whatever the
 * cluster size. Each node group (a class's nodes) is a ring ordered by sha256 of the node names. An
 * address may be announced only by its chain: the preferred node (or, when it is not eligible, the
 * next eligible node on the ring) and the next `backups` eligible nodes after it. Every speaker
 * heartbeats its `backups` ring neighbours on each side in every group it is in, and the members of
 * every chain it is in, so the members of a chain always hear each other. Every speaker computes the
 * same topology from the same objects. Pure.
 */
import { createHash } from 'node:crypto';
import { MAX_PEERS } from '../../health/heartbeat.js';
import { fallbackOrder } from './owner.js';
import type { L2Instance } from './speaker.js';

/** Nodes after the first of a chain: how many node failures in a row an address survives without the API server. */
export const DEFAULT_BACKUPS = 3;

export interface L2Topology {
  readonly instances: readonly L2Instance[];
  /** ip -> the nodes that may announce it, in election order: the first usable candidate announces. */
  readonly chains: ReadonlyMap<string, readonly string[]>;
  /** The nodes `node` heartbeats (and hears from): symmetric, at most MAX_PEERS. */
  peersOf(node: string): string[];
}

const keys = new Map<string, string>();

/** A node's place on every ring: sha256 of its name. */
export function ringKey(node: string): string {
  let k = keys.get(node);
  if (k === undefined) {
    k = createHash('sha256').update(node, 'utf8').digest('hex');
    if (keys.size > 100_000) keys.clear();
    keys.set(node, k);
  }
  return k;
}

function byRing(nodes: Iterable<string>): string[] {
  return [...new Set(nodes)].map((n) => ({ n, k: ringKey(n) })).sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => x.n);
}

/**
 * `groups`: the node groups of the classes (each class's nodes that may announce); without them, the
 * instances' eligible nodes. `backups`: the same on every speaker.
 */
export function buildTopology(instances: readonly L2Instance[], groups?: readonly (readonly string[])[], backups = DEFAULT_BACKUPS): L2Topology {
  const edges = new Map<string, Set<string>>();
  const linked = (a: string, b: string): boolean => edges.get(a)?.has(b) === true;
  const room = (n: string): boolean => (edges.get(n)?.size ?? 0) < MAX_PEERS;
  const link = (a: string, b: string): void => {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      let s = edges.get(x);
      if (!s) edges.set(x, (s = new Set()));
      s.add(y);
    }
  };
  // Rings, sorted once per distinct array (instances of one class share theirs).
  const sorted = new Map<readonly string[], string[]>();
  const ring = (nodes: readonly string[]): string[] => {
    let r = sorted.get(nodes);
    if (!r) sorted.set(nodes, (r = byRing(nodes)));
    return r;
  };
  const seen = new Set<string[]>();
  const windows = new Set<string>();
  for (const g of groups ?? instances.map((i) => i.eligible)) {
    const r = ring(g);
    if (seen.has(r)) continue;
    seen.add(r);
    const id = r.join('\n');
    if (windows.has(id)) continue;
    windows.add(id);
    const reach = Math.min(backups, Math.floor(r.length / 2));
    for (let i = 0; i < r.length; i++) {
      for (let d = 1; d <= reach; d++) {
        const a = r[i] as string;
        const b = r[(i + d) % r.length] as string;
        if (a !== b && !linked(a, b) && room(a) && room(b)) link(a, b);
      }
    }
  }
  const byIp = new Map<string, L2Instance[]>();
  for (const i of instances) byIp.set(i.ip, [...(byIp.get(i.ip) ?? []), i]);
  const chains = new Map<string, string[]>();
  for (const ip of [...byIp.keys()].sort()) {
    const insts = byIp.get(ip) ?? [];
    const eligible = insts.length === 1 ? ring(insts[0]?.eligible ?? []) : byRing(insts.flatMap((i) => i.eligible));
    const preferred = insts.find((i) => i.preferred)?.preferred;
    chains.set(ip, chainOf(ip, eligible, preferred, backups, (members, n) => {
      // A member joins only if it can watch every earlier one: chains never outgrow the heartbeats.
      const missing = members.filter((m) => !linked(m, n));
      if (missing.length > 0 && (!room(n) || missing.some((m) => !room(m)) || (edges.get(n)?.size ?? 0) + missing.length > MAX_PEERS)) return false;
      for (const m of missing) link(m, n);
      return true;
    }));
  }
  return {
    instances,
    chains,
    peersOf: (node) => [...(edges.get(node) ?? [])].sort(),
  };
}

/** The chain of one address over its eligible nodes in ring order; `admit` may stop it early. */
function chainOf(ip: string, eligible: readonly string[], preferred: string | undefined, backups: number, admit: (members: string[], n: string) => boolean): string[] {
  if (eligible.length === 0) return [];
  let start = preferred === undefined ? -1 : eligible.indexOf(preferred);
  if (start < 0) {
    const k = ringKey(preferred ?? ip);
    start = eligible.findIndex((n) => ringKey(n) >= k);
    if (start < 0) start = 0;
  }
  const members = [eligible[start] as string];
  for (let d = 1; d <= backups && d < eligible.length; d++) {
    const n = eligible[(start + d) % eligible.length] as string;
    if (!admit(members, n)) break;
    members.push(n);
  }
  // The first keeps its place (the preferred node); the others take a dead one's addresses in a per-address order.
  return [members[0] as string, ...fallbackOrder(ip, members.slice(1))];
}
