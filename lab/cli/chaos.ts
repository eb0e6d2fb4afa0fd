// SPDX-License-Identifier: Apache-2.0
/** `metallb-lab chaos --minutes M [--rate R] [--seed S] [--failover-ms F] [--converge-ms C] [--dir DIR]`: faults against the running lab, with the invariant checker. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runChaos, summaryText } from '../chaos/run.js';
import { DEFAULT_DIR, requireState } from '../state.js';
import { intFlag, numFlag, parseArgs } from './args.js';

const USAGE = 'usage: metallb-lab chaos --minutes M [--rate FAULTS_PER_MIN] [--seed S] [--failover-ms F] [--converge-ms C] [--dir DIR]';

export async function main(args: string[]): Promise<void> {
  const p = parseArgs(args, ['minutes', 'rate', 'seed', 'failover-ms', 'converge-ms', 'dir'], [], USAGE);
  if (!p.flags.has('minutes')) throw new Error(`--minutes is required\n${USAGE}`);
  const state = requireState(path.resolve(p.flags.get('dir') ?? DEFAULT_DIR));
  const seed = intFlag(p, 'seed', Date.now() % 1_000_000, 0, 2 ** 31 - 1);
  const o = {
    minutes: numFlag(p, 'minutes', 2, 0.1, 600),
    rate: numFlag(p, 'rate', 6, 0.1, 120),
    seed,
    failoverMs: intFlag(p, 'failover-ms', 1000, 50, 60_000),
    convergeMs: intFlag(p, 'converge-ms', 30_000, 1000, 600_000),
    out: (l: string) => console.log(l),
  };
  console.log(`chaos: ${o.minutes} min at ${o.rate} faults/min, seed ${seed} (repeat with --seed ${seed})`);
  const s = await runChaos(state, o);
  const text = summaryText(s);
  console.log(`\n${text}`);
  fs.writeFileSync(path.join(state.dir, 'chaos.json'), JSON.stringify({ ...o, out: undefined, summary: s }, null, 2));
  if (s.violations.length) process.exitCode = 1;
}
