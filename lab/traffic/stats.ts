// SPDX-License-Identifier: Apache-2.0
/** Per-target traffic statistics from probe results: rate, answering node, outages. Pure: time is passed in. */

/** One probe: when it was sent, whether it got an answer, and from which node. */
export interface Sample {
  readonly t: number;
  readonly ok: boolean;
  readonly node?: string;
}

/** A gap in service: from the last answer before it to the first answer after it. */
export interface Outage {
  readonly start: number;
  readonly end: number;
  readonly ms: number;
  readonly from?: string;
  readonly to?: string;
}

export interface TargetStats {
  readonly target: string;
  sent: number;
  answered: number;
  /** Answers within the last second. */
  rps: number;
  lastNode?: string;
  /** Nodes that answered within the last second (several under ECMP). */
  nodes: string[];
  lastOk?: number;
  /** Set while failing: the time of the last answer before the failures began. */
  downSince?: number;
  outages: Outage[];
  /** Recent samples, oldest first, for timelines. */
  recent: Sample[];
}

export function newStats(target: string): TargetStats {
  return { target, sent: 0, answered: 0, rps: 0, nodes: [], outages: [], recent: [] };
}

/**
 * Adds one result. Samples arrive in completion order; an outage opens at the first failure after an
 * answer (measured from that answer) and closes at the next answer, so its length is what a client saw.
 */
export function record(s: TargetStats, x: Sample, keepMs: number): void {
  s.sent++;
  s.recent.push(x);
  while (s.recent.length && (s.recent[0]?.t ?? 0) < x.t - keepMs) s.recent.shift();
  if (x.ok) {
    s.answered++;
    if (s.downSince !== undefined) {
      const o: Outage = { start: s.downSince, end: x.t, ms: x.t - s.downSince, ...(s.lastNode ? { from: s.lastNode } : {}), ...(x.node ? { to: x.node } : {}) };
      s.outages.push(o);
      delete s.downSince;
    }
    if (s.lastOk === undefined || x.t > s.lastOk) s.lastOk = x.t;
    if (x.node) s.lastNode = x.node;
  } else if (s.lastOk !== undefined && x.t < s.lastOk) {
    lateFailure(s, x);
  } else if (s.downSince === undefined && s.lastOk !== undefined && x.t >= s.lastOk) {
    s.downSince = s.lastOk;
  }
}

/**
 * A probe that failed (timed out) after later probes were answered: the client saw a gap from the answer
 * sent before it to the one sent after it, merged with any outage it overlaps.
 */
function lateFailure(s: TargetStats, x: Sample): void {
  let before: Sample | undefined;
  let after: Sample | undefined;
  for (const r of s.recent) {
    if (!r.ok) continue;
    if (r.t < x.t && (!before || r.t > before.t)) before = r;
    if (r.t > x.t && (!after || r.t < after.t)) after = r;
  }
  if (!before || !after) return;
  const overlapping = s.outages.filter((o) => o.end > before.t && o.start < after.t);
  const start = Math.min(before.t, ...overlapping.map((o) => o.start));
  const end = Math.max(after.t, ...overlapping.map((o) => o.end));
  const from = overlapping.find((o) => o.start === start)?.from ?? before.node;
  const to = overlapping.find((o) => o.end === end)?.to ?? after.node;
  s.outages = [...s.outages.filter((o) => !overlapping.includes(o)), { start, end, ms: end - start, ...(from ? { from } : {}), ...(to ? { to } : {}) }].sort((a, b) => a.start - b.start);
}

/** Refreshes the per-second figures at time `now`. */
export function refresh(s: TargetStats, now: number): void {
  const last = s.recent.filter((x) => x.ok && x.t > now - 1000);
  s.rps = last.length;
  s.nodes = [...new Set(last.map((x) => x.node ?? '?'))].sort();
}

/** Outages that began within [from, to]. */
export function outagesBetween(s: TargetStats, from: number, to: number): Outage[] {
  return s.outages.filter((o) => o.start >= from && o.start <= to);
}
