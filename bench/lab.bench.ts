// SPDX-License-Identifier: Apache-2.0
/**
 * The lab's figures: L2 failover as a client sees it when a node's cable is pulled, against keepalived VRRP
 * measured the same way in the same run; then a chaos run at a higher fault rate than the test's, with its
 * convergence times and invariant violations. LAB_BENCH_CHAOS_MINUTES (default 2) sets the chaos length.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runChaos } from '../lab/chaos/run.js';
import { takeDown } from '../lab/cli/down.js';
import { bringUp } from '../lab/cli/up.js';
import { measureVrrp } from '../lab/reference/vrrp.js';
import { readState } from '../lab/state.js';
import { result, summarize, type BenchResult } from './result.js';

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const vrrp = await measureVrrp('mlbbv-');
  const vrrpMs = vrrp.moves[0]?.outageMs ?? NaN;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbb-'));
  try {
    const t0 = Date.now();
    const up = await bringUp({ nodes: 4, router: 'bird', dir, prefix: 'mlbb-', viewSeconds: 0, timeoutMs: 150_000, headless: true, failover: true, out: () => undefined });
    const upMs = Date.now() - t0;
    const [f, agent] = up.failovers;
    const ownedOutages = (r: typeof f): number[] => (r ? r.moves.filter((m) => m.before.length === 1 && m.before[0] === r.node).map((m) => m.outageMs) : []);
    const owned = ownedOutages(f);
    if (owned.length) {
      const s = summarize(owned);
      out.push(result('lab L2 failover outage, cable pulled (worst IP)', s.max, 'ms', vrrpMs, { referenceName: 'keepalived VRRP advert 1 s, same lab and prober', samples: s }));
    }
    if (f?.routeWithdrawnMs !== undefined) out.push(result('lab BGP route withdrawn at the router, cable pulled', f.routeWithdrawnMs, 'ms', vrrpMs, { referenceName: 'keepalived VRRP advert 1 s outage' }));
    const agentOwned = ownedOutages(agent);
    if (agentOwned.length) {
      const s = summarize(agentOwned);
      out.push(result('lab L2 failover outage, node agent killed (worst IP)', s.max, 'ms', vrrpMs, { referenceName: 'keepalived VRRP advert 1 s, same lab and prober', samples: s }));
    }
    const minutes = Number(process.env.LAB_BENCH_CHAOS_MINUTES ?? '2');
    const chaos = await runChaos(up.state, { minutes, rate: 15, seed: 7, failoverMs: 1000, convergeMs: 30_000, out: () => undefined });
    const conv = summarize(chaos.convergence);
    const faults = Object.values(chaos.faults).reduce((a, b) => a + b, 0);
    out.push(result(`lab chaos convergence after a fault (${faults} faults in ${minutes} min)`, conv.median, 'ms', upMs, { referenceName: 'lab bring-up to converged, same run', samples: conv }));
    out.push(result('lab chaos invariant violations per fault', chaos.violations.length, 'violations', faults, { referenceName: 'faults injected' }));
  } finally {
    const s = readState(dir);
    if (s) await takeDown(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
