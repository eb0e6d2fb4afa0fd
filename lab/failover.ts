// SPDX-License-Identifier: Apache-2.0
/** Fails one node (pulls its cable), waits until its IPs answer from elsewhere, measures, and plugs it back. */
import { snapshot } from './observe.js';
import { analyzeFailover, type FailoverResult } from './report/failover.js';
import { proberFile, readJson, type LabState } from './state.js';
import { sleep } from './sys.js';
import { setPort } from './topology/netns.js';
import { nodeByName, primaryAddrs } from './topology/plan.js';
import { routerNextHops } from './topology/router.js';
import type { ProberReport } from './traffic/prober.js';

export interface FailoverOptions {
  /** Give up waiting for recovery after this long. */
  readonly timeoutMs?: number;
  /** Plug the node back afterwards. */
  readonly restore?: boolean;
  readonly onProgress?: (text: string) => void;
}

/** Who answers each IP now, from the prober. */
function answering(p: ProberReport | undefined): Record<string, string[]> {
  return Object.fromEntries((p?.targets ?? []).map((t) => [t.ip, [...t.nodes]]));
}

/** Pulls `node`'s cable, waits for every IP it answered alone to answer from another node, and reports. */
export async function runFailover(state: LabState, node: string, o: FailoverOptions = {}): Promise<FailoverResult> {
  const host = nodeByName(state.plan, node);
  const addr = primaryAddrs(host).v4;
  const timeoutMs = o.timeoutMs ?? 30_000;
  await snapshot(state);
  const before = answering(readJson<ProberReport>(proberFile(state.dir)));
  const owned = Object.entries(before).filter(([, ns]) => ns.length === 1 && ns[0] === node).map(([ip]) => ip);
  const viaRouter = [...(await routerNextHops(state.plan)).values()].some((hops) => hops.includes(addr));
  const at = Date.now();
  setPort(state.plan, host, false);
  o.onProgress?.(`${node}: cable pulled; ${owned.length} IP(s) to move${viaRouter ? ', routes to withdraw' : ''}`);
  let withdrawnMs: number | undefined;
  try {
    for (;;) {
      const now = Date.now();
      if (viaRouter && withdrawnMs === undefined) {
        const hops = await routerNextHops(state.plan).catch(() => new Map<string, string[]>());
        if (![...hops.values()].some((h) => h.includes(addr))) withdrawnMs = Date.now() - at;
      }
      const p = readJson<ProberReport>(proberFile(state.dir));
      const moved = owned.filter((ip) => {
        const t = p?.targets.find((x) => x.ip === ip);
        return t && t.lastOk !== undefined && t.lastOk > at && t.lastNode !== node && t.downSince === undefined;
      });
      if (moved.length === owned.length && (!viaRouter || withdrawnMs !== undefined)) break;
      if (now - at > timeoutMs) {
        o.onProgress?.(`${node}: gave up after ${timeoutMs} ms (${moved.length}/${owned.length} IPs moved${viaRouter && withdrawnMs === undefined ? ', routes still there' : ''})`);
        break;
      }
      await sleep(50);
    }
    // Let the probes in flight land and the prober write them out.
    await sleep(1500);
  } finally {
    if (o.restore !== false) setPort(state.plan, host, true);
  }
  const after = readJson<ProberReport>(proberFile(state.dir)) ?? { updatedAt: Date.now(), intervalMs: 0, targets: [] };
  return analyzeFailover(node, 'cable pulled', at, before, after, Math.max(2000, Date.now() - at), withdrawnMs);
}

/** The node answering the most IPs alone: the one whose failure shows the most. */
export function busiestNode(p: ProberReport | undefined): string | undefined {
  const count = new Map<string, number>();
  for (const t of p?.targets ?? []) if (t.nodes.length === 1 && t.nodes[0]) count.set(t.nodes[0], (count.get(t.nodes[0]) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}
