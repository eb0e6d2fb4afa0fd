// SPDX-License-Identifier: Apache-2.0
/**
 * Fails one node, waits until its IPs answer from elsewhere, measures, and undoes the failure. Two kinds:
 * a pulled cable (its switch port down) and a dead node agent (SIGKILL: its pods run on, its heartbeats stop,
 * the Node goes Unknown after the grace period; a new agent is started afterwards).
 */
import { agentRole, startAgent } from './agents.js';
import { labKube, snapshot } from './observe.js';
import { analyzeFailover, type FailoverResult } from './report/failover.js';
import { proberFile, readJson, type LabState } from './state.js';
import { alive, signal, sleep, waitFor } from './sys.js';
import { setPort } from './topology/netns.js';
import { nodeByName, primaryAddrs } from './topology/plan.js';
import { routerNextHops } from './topology/router.js';
import type { ProberReport } from './traffic/prober.js';

export type Fault = 'cable' | 'agent';

const HOW: Record<Fault, string> = { cable: 'cable pulled', agent: 'node agent killed' };

export interface FailoverOptions {
  /** What fails: the node's cable (default) or its agent. */
  readonly fault?: Fault;
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

/** Makes the fault happen; returns how to undo it. */
function inflict(state: LabState, node: string, fault: Fault): () => void {
  const host = nodeByName(state.plan, node);
  if (fault === 'cable') {
    setPort(state.plan, host, false);
    return () => setPort(state.plan, host, true);
  }
  for (const p of state.processes[agentRole(node)] ?? []) if (alive(p)) signal(p, 'SIGKILL');
  return () => void startAgent(state, node);
}

/** After a restarted agent: the Node Ready again and every Pod on it Ready (its kubelet posted them). */
async function recovered(state: LabState, node: string, timeoutMs: number): Promise<void> {
  await waitFor(`${node} Ready with its pods after its agent restarted`, async () => {
    const kube = labKube(state);
    if (!kube) return undefined;
    const n = await kube.get<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(`/api/v1/nodes/${node}`);
    if (n.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') return undefined;
    const pods = await kube.list<{ status?: { conditions?: Array<{ type: string; status: string }> } }>(`/api/v1/pods?fieldSelector=${encodeURIComponent(`spec.nodeName=${node}`)}`);
    return pods.every((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? true : undefined;
  }, timeoutMs, 500);
}

/** Fails `node`, waits for every IP it answered alone to answer from another node, and reports. */
export async function runFailover(state: LabState, node: string, o: FailoverOptions = {}): Promise<FailoverResult> {
  const fault = o.fault ?? 'cable';
  const host = nodeByName(state.plan, node);
  const addr = primaryAddrs(host).v4;
  const timeoutMs = o.timeoutMs ?? 45_000;
  await snapshot(state);
  const before = answering(readJson<ProberReport>(proberFile(state.dir)));
  const owned = Object.entries(before).filter(([, ns]) => ns.length === 1 && ns[0] === node).map(([ip]) => ip);
  const viaRouter = [...(await routerNextHops(state.plan)).values()].some((hops) => hops.includes(addr));
  const at = Date.now();
  const undo = inflict(state, node, fault);
  o.onProgress?.(`${node}: ${HOW[fault]}; ${owned.length} IP(s) to move${viaRouter ? ', routes to withdraw' : ''}`);
  let withdrawnMs: number | undefined;
  let after: ProberReport | undefined;
  let end = Date.now();
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
    // Let the probes in flight land and the prober write them out; the measurement ends before any repair.
    await sleep(1500);
    after = readJson<ProberReport>(proberFile(state.dir));
    end = Date.now();
  } finally {
    if (o.restore !== false) {
      undo();
      if (fault === 'agent') await recovered(state, node, timeoutMs).catch((e: unknown) => o.onProgress?.(`${node}: ${(e as Error).message}`));
    }
  }
  const report = after ?? { updatedAt: Date.now(), intervalMs: 0, targets: [] };
  return analyzeFailover(node, HOW[fault], at, before, report, Math.max(2000, end - at), withdrawnMs);
}

/** The node answering the most IPs alone: the one whose failure shows the most. */
export function busiestNode(p: ProberReport | undefined): string | undefined {
  const count = new Map<string, number>();
  for (const t of p?.targets ?? []) if (t.nodes.length === 1 && t.nodes[0]) count.set(t.nodes[0], (count.get(t.nodes[0]) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}
