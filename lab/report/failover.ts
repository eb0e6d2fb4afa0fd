// SPDX-License-Identifier: Apache-2.0
/** What a node failure did to each Service IP, from the client's probes before and after. Pure. */
import type { ProberReport } from '../traffic/prober.js';

/** One IP through the failure. */
export interface IpMove {
  readonly ip: string;
  readonly service: string;
  /** Nodes answering before and after. */
  readonly before: readonly string[];
  readonly after: readonly string[];
  /** The longest gap the client saw, ms (0 when none). */
  readonly outageMs: number;
  /** Failed probes after the fault (ECMP loses only the flows hashed to the dead node). */
  readonly failed: number;
  readonly probes: number;
}

/** A lane of the timeline: one IP's probes as [time, ok, node]. */
export interface Lane {
  readonly label: string;
  readonly samples: ReadonlyArray<readonly [number, 0 | 1, string]>;
}

export interface FailoverResult {
  readonly node: string;
  readonly how: string;
  /** Wall-clock time of the fault, ms. */
  readonly at: number;
  readonly moves: IpMove[];
  /** When the router dropped the node from every next-hop set, ms after the fault. */
  readonly routeWithdrawnMs?: number;
  readonly timeline: Lane[];
  readonly intervalMs: number;
}

/** Builds the result from a prober report taken after recovery; `before` says who answered each IP before the fault. */
export function analyzeFailover(node: string, how: string, at: number, before: Readonly<Record<string, readonly string[]>>, after: ProberReport, windowMs: number, routeWithdrawnMs?: number): FailoverResult {
  const moves: IpMove[] = [];
  const timeline: Lane[] = [];
  for (const t of after.targets) {
    const samples = t.recent.filter(([ts]) => ts >= at - 1000 && ts <= at + windowMs);
    const post = samples.filter(([ts]) => ts >= at);
    const gaps = t.outages.filter((o) => o.end >= at && o.start <= at + windowMs).map((o) => o.ms);
    const lastAnswers = post.filter(([, ok]) => ok === 1).slice(-20);
    moves.push({
      ip: t.ip,
      service: t.service,
      before: before[t.ip] ?? [],
      after: [...new Set(lastAnswers.map(([, , n]) => n))].sort(),
      outageMs: gaps.length ? Math.max(...gaps) : 0,
      failed: post.filter(([, ok]) => ok === 0).length,
      probes: post.length,
    });
    timeline.push({ label: `${t.ip} (${t.service})`, samples });
  }
  return { node, how, at, moves, ...(routeWithdrawnMs !== undefined ? { routeWithdrawnMs } : {}), timeline, intervalMs: after.intervalMs };
}

/**
 * What a client lost on one IP: the longest gap when answers stopped, else the probes that failed while
 * others went through (ECMP losing only the flows hashed to the dead node), else "none".
 */
export function lossText(m: IpMove): string {
  if (m.outageMs > 0) return `${Math.round(m.outageMs)} ms`;
  if (m.failed > 0) return `${m.failed}/${m.probes} probes lost`;
  return 'none';
}

/** The IPs the failed node was answering for alone (L2 owners), i.e. the ones that must move. */
export function ownedBy(m: IpMove, node: string): boolean {
  return m.before.length === 1 && m.before[0] === node;
}

/** The failover verdict: owned IPs moved to another node; every other IP kept its node(s) and saw no outage. */
export function verdict(r: FailoverResult): { ok: boolean; problems: string[] } {
  const problems: string[] = [];
  for (const m of r.moves) {
    if (ownedBy(m, r.node)) {
      if (m.after.length === 0) problems.push(`${m.ip} did not come back`);
      else if (m.after.includes(r.node)) problems.push(`${m.ip} still answered by ${r.node}`);
    } else if (!m.before.includes(r.node)) {
      if (m.outageMs > 0) problems.push(`${m.ip} (not on ${r.node}) saw a ${Math.round(m.outageMs)} ms outage`);
      if (m.after.join() !== m.before.join()) problems.push(`${m.ip} moved from ${m.before.join(',')} to ${m.after.join(',')} though ${r.node} did not hold it`);
    }
  }
  return { ok: problems.length === 0, problems };
}
