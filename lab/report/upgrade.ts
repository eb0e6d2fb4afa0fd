// SPDX-License-Identifier: Apache-2.0
/** What a module upgrade did to the Service IPs, per IP: moves, ARP/NDP gaps, BGP routes, TCP connections. Pure. */
import type { HeldConnection } from '../traffic/holder.js';
import type { NeighbourFigures } from '../traffic/neighbours.js';

/** The router's next hops for one BGP IP during the upgrade. */
export interface RouteWatch {
  readonly ip: string;
  readonly before: readonly string[];
  /** Next hops of `before` that were missing at some sample. */
  readonly missing: readonly string[];
  /** The same next hops were seen in another order (which re-spreads the router's ECMP flows). */
  readonly reordered?: boolean;
  readonly samples: number;
}

/** One pod the upgrade replaced. */
export interface Replacement {
  readonly workload: string;
  readonly node: string;
  /** When its old pod went, from the start of the rollout (ms). */
  readonly atMs: number;
  /** From the old pod gone to the new one Ready (ms). */
  readonly readyAfterMs: number;
}

export interface UpgradeInput {
  readonly from: string;
  readonly to: string;
  /** From the template change to the last pod Ready (ms). */
  readonly rolloutMs: number;
  readonly targets: ReadonlyArray<{ readonly ip: string; readonly service: string; readonly mode: string; readonly nodes: readonly string[] }>;
  readonly connections: readonly HeldConnection[];
  readonly neighbours: readonly NeighbourFigures[];
  readonly routes: readonly RouteWatch[];
  readonly replaced: readonly Replacement[];
  /** MAC -> node name. */
  readonly nodeOf: Readonly<Record<string, string>>;
}

export interface UpgradeRow {
  readonly service: string;
  readonly mode: string;
  readonly ip: string;
  /** The nodes that answered before the upgrade. */
  readonly before: readonly string[];
  /** L2: more than one node answered ARP/NDP or a connection; BGP: a connection was answered by another node. */
  readonly moved: boolean;
  /** L2: the nodes ARP/NDP answers came from. */
  readonly answeredBy: readonly string[];
  readonly neighbourGapMs?: number;
  /** BGP: the router lost a next hop at some sample. */
  readonly routeWithdrawn?: boolean;
  readonly connections: number;
  readonly lost: number;
  readonly tcpGapMs: number;
}

export interface UpgradeResult extends Omit<UpgradeInput, 'connections' | 'neighbours' | 'routes' | 'nodeOf' | 'targets'> {
  readonly rows: UpgradeRow[];
  /** Everything that disturbed a client; empty when the upgrade was invisible. */
  readonly problems: string[];
}

export function analyzeUpgrade(i: UpgradeInput): UpgradeResult {
  const problems: string[] = [];
  const rows = i.targets.map((t): UpgradeRow => {
    const l2 = t.mode.startsWith('L2');
    const conns = i.connections.filter((c) => c.ip === t.ip);
    const n = i.neighbours.find((x) => x.ip === t.ip);
    const r = i.routes.find((x) => x.ip === t.ip);
    const answeredBy = (n?.macs ?? []).map((m) => i.nodeOf[m] ?? m);
    const switched = conns.some((c) => c.nodes.length > 1);
    const moved = switched || (l2 && answeredBy.length > 1);
    const lost = conns.filter((c) => c.lost !== undefined || c.establishedAt === undefined).length;
    const row: UpgradeRow = {
      service: t.service,
      mode: t.mode,
      ip: t.ip,
      before: t.nodes,
      moved,
      answeredBy,
      ...(l2 && n ? { neighbourGapMs: n.longestGapMs } : {}),
      ...(!l2 && r ? { routeWithdrawn: r.missing.length > 0 } : {}),
      connections: conns.length,
      lost,
      tcpGapMs: Math.max(0, ...conns.map((c) => c.longestGapMs)),
    };
    if (moved) problems.push(`${t.ip} moved (${l2 ? `ARP/NDP answered by ${answeredBy.join(', ')}` : 'a connection was answered by another node'})`);
    if (l2 && (!n || n.answers === 0)) problems.push(`${t.ip}: no ARP/NDP answer at all`);
    if (!l2 && !r) problems.push(`${t.ip}: no route at the router`);
    if (r && r.missing.length) problems.push(`${t.ip}: the router withdrew ${r.missing.join(', ')}`);
    if (r?.reordered) problems.push(`${t.ip}: the router reordered its next hops (its ECMP flows were spread anew)`);
    for (const c of conns) {
      if (c.establishedAt === undefined) problems.push(`${t.ip}: a connection was never established`);
      else if (c.lost) problems.push(`${t.ip}: connection from port ${c.localPort ?? '?'} lost after ${c.answers} answers (${c.lost.reason})`);
    }
    if (!conns.length) problems.push(`${t.ip}: no connection held`);
    return row;
  });
  return { from: i.from, to: i.to, rolloutMs: i.rolloutMs, replaced: i.replaced, rows, problems };
}

function table(head: string[], body: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The report's section on the upgrade. */
export function upgradeMarkdown(r: UpgradeResult): string {
  const byWorkload = [...new Set(r.replaced.map((p) => p.workload))].map((w) => `${r.replaced.filter((p) => p.workload === w).length} ${w}`);
  return [
    `## Upgrade ${r.from} -> ${r.to}`,
    '',
    `Rolling update of ${byWorkload.join(' and ')} pod(s) in ${(r.rolloutMs / 1000).toFixed(1)} s, while clients held TCP connections to every Service IP (an HTTP request on each every 100 ms) and asked ARP/NDP every 100 ms.`,
    '',
    table(['service', 'mode', 'IP', 'before', 'moved', 'ARP/NDP answered by', 'longest ARP/NDP gap', 'BGP route withdrawn', 'TCP connections lost', 'longest TCP answer gap'], r.rows.map((x) => [
      x.service, x.mode, x.ip, x.before.join(', '), x.moved ? '**yes**' : 'no', x.answeredBy.join(', ') || '-',
      x.neighbourGapMs === undefined ? '-' : `${Math.round(x.neighbourGapMs)} ms`,
      x.routeWithdrawn === undefined ? '-' : x.routeWithdrawn ? '**yes**' : 'no',
      `${x.lost}/${x.connections}`, `${Math.round(x.tcpGapMs)} ms`,
    ])),
    '',
    table(['pod', 'node', 'replaced at', 'Ready after'], r.replaced.map((p) => [p.workload, p.node, `+${(p.atMs / 1000).toFixed(1)} s`, `${(p.readyAfterMs / 1000).toFixed(1)} s`])),
    '',
    r.problems.length ? `Problems:\n${r.problems.map((p) => `- ${p}`).join('\n')}` : 'No IP moved, no route was withdrawn, no connection was lost.',
    '',
  ].join('\n');
}
