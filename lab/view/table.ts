// SPDX-License-Identifier: Apache-2.0
/** The live view: one row per Service IP with its node, the MAC the client sees, requests/s and the router's next hops. Pure. */
import { hostPrefix } from '../../lib/ip.js';

const PENDING = '(pending)';

/** A Service with the IPs it got. */
export interface ServiceInfo {
  readonly namespace: string;
  readonly name: string;
  /** "L2 <class>" or "BGP". */
  readonly mode: string;
  /** IPs the Service asked for (the L2 external-ips-count, else one per family). */
  readonly wanted: number;
  readonly ips: readonly string[];
}

/** Everything one refresh of the view shows. */
export interface Observation {
  readonly at: number;
  readonly services: readonly ServiceInfo[];
  /** Client neighbour table: IP -> MAC. */
  readonly neighbours: Readonly<Record<string, string>>;
  /** Router routes: prefix -> next hops. */
  readonly nextHops: Readonly<Record<string, readonly string[]>>;
  /** Client traffic per IP. */
  readonly traffic: Readonly<Record<string, { rps: number; nodes: readonly string[]; outages: number; lastOutageMs?: number }>>;
  /** MAC or node address -> node name. */
  readonly nodeOf: Readonly<Record<string, string>>;
}

export interface Row {
  readonly service: string;
  readonly mode: string;
  readonly ip: string;
  /** Nodes answering the client's requests. */
  readonly node: string;
  readonly mac: string;
  readonly rps: number;
  readonly nextHops: string;
  readonly outages: string;
}

/** The rows of the view, sorted by Service then IP. */
export function rows(o: Observation): Row[] {
  const out: Row[] = [];
  for (const s of [...o.services].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))) {
    const ips = s.ips.length ? s.ips : [PENDING];
    for (const ip of ips) {
      const t = o.traffic[ip];
      const mac = o.neighbours[ip] ?? '';
      const hops = (ip === PENDING ? undefined : o.nextHops[hostPrefix(ip)]) ?? [];
      out.push({
        service: `${s.namespace}/${s.name}`,
        mode: s.mode,
        ip,
        node: t?.nodes.join(',') || '-',
        mac: mac ? `${mac}${o.nodeOf[mac] ? ` (${o.nodeOf[mac]})` : ''}` : '-',
        rps: t?.rps ?? 0,
        nextHops: hops.length ? hops.map((h) => o.nodeOf[h] ?? h).join(',') : s.mode === 'BGP' ? 'none' : '-',
        outages: t && t.outages ? `${t.outages}${t.lastOutageMs !== undefined ? ` (last ${Math.round(t.lastOutageMs)} ms)` : ''}` : '0',
      });
    }
  }
  return out;
}

const HEAD: Array<[keyof Row, string]> = [['service', 'SERVICE'], ['mode', 'MODE'], ['ip', 'IP'], ['node', 'ANSWERED BY'], ['mac', 'CLIENT SEES MAC'], ['rps', 'REQ/S'], ['nextHops', 'ROUTER NEXT HOPS'], ['outages', 'OUTAGES']];

/** A plain-text table, columns sized to fit. */
export function renderTable(rs: readonly Row[]): string {
  const cells = [HEAD.map((h) => h[1]), ...rs.map((r) => HEAD.map(([k]) => String(r[k])))];
  const widths = HEAD.map((_h, i) => Math.max(...cells.map((c) => (c[i] ?? '').length)));
  return cells.map((c) => c.map((v, i) => v.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** What "converged" asks for beyond every IP answering. */
export interface ConvergeOptions {
  /** Next hops each BGP route must have at the router (the nodes that announce it). */
  readonly bgpNextHops?: number;
}

/**
 * How far the lab is from converged, for the progress line; empty when done. Converged means every Service
 * has its IPs, every IP answers, a Service's L2 IPs are answered by distinct nodes (one node each), and every
 * BGP route has its next hops at the router.
 */
export function pending(o: Observation, opts: ConvergeOptions = {}): string[] {
  const out: string[] = [];
  for (const s of o.services) {
    if (s.ips.length < s.wanted) out.push(`${s.namespace}/${s.name}: ${s.ips.length}/${s.wanted} IPs`);
    const l2Owners = new Map<string, string>();
    for (const ip of s.ips) {
      const t = o.traffic[ip];
      if (!(t?.rps ?? 0)) out.push(`${ip}: no answers yet`);
      if (s.mode === 'BGP') {
        const hops = o.nextHops[hostPrefix(ip)]?.length ?? 0;
        if (!hops) out.push(`${ip}: no route at the router`);
        else if (opts.bgpNextHops !== undefined && hops < opts.bgpNextHops) out.push(`${ip}: ${hops}/${opts.bgpNextHops} next hops at the router`);
        continue;
      }
      const nodes = t?.nodes ?? [];
      if (nodes.length > 1) out.push(`${ip}: answered by ${nodes.join(' and ')}`);
      const node = nodes[0];
      if (node === undefined) continue;
      const other = l2Owners.get(node);
      if (other !== undefined) out.push(`${ip}: answered by ${node}, which also answers ${other}`);
      else l2Owners.set(node, ip);
    }
  }
  return out;
}
