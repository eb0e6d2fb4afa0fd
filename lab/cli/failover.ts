// SPDX-License-Identifier: Apache-2.0
/**
 * `metallb-lab failover <node> [--agent] [--keep-down] [--dir DIR]`: pulls a node's cable (or kills its node
 * agent), measures what moved and how long clients saw nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runFailover } from '../failover.js';
import { lossText, verdict } from '../report/failover.js';
import { timelineSvg } from '../report/svg.js';
import { DEFAULT_DIR, requireState } from '../state.js';
import { setPort } from '../topology/netns.js';
import { nodeByName } from '../topology/plan.js';
import { parseArgs } from './args.js';

const USAGE = 'usage: metallb-lab failover <node> [--agent] [--keep-down | --plug] [--dir DIR]';

export async function main(args: string[]): Promise<void> {
  const p = parseArgs(args, ['dir'], ['keep-down', 'plug', 'agent'], USAGE);
  const node = p.positional[0];
  if (!node || p.positional.length > 1) throw new Error(USAGE);
  const state = requireState(path.resolve(p.flags.get('dir') ?? DEFAULT_DIR));
  const host = nodeByName(state.plan, node);
  if (p.flags.has('plug')) {
    setPort(state.plan, host, true);
    console.log(`${node}: cable plugged back`);
    return;
  }
  const r = await runFailover(state, node, { fault: p.flags.has('agent') ? 'agent' : 'cable', restore: !p.flags.has('keep-down'), onProgress: (l) => console.log(l) });
  for (const m of r.moves) console.log(`  ${m.ip.padEnd(20)} ${m.before.join(',').padEnd(14)} -> ${m.after.join(',').padEnd(14)} lost ${lossText(m)}  failed ${m.failed}/${m.probes}`);
  if (r.routeWithdrawnMs !== undefined) console.log(`  router withdrew ${node} after ${r.routeWithdrawnMs} ms`);
  const svg = path.join(state.dir, `failover-${node}.svg`);
  fs.writeFileSync(svg, timelineSvg(r));
  const v = verdict(r);
  console.log(v.ok ? `only ${node}'s IPs moved (timeline ${svg})` : `problems: ${v.problems.join('; ')} (timeline ${svg})`);
  if (p.flags.has('keep-down')) console.log(`${node} stays unplugged; plug it back with: metallb-lab failover ${node} --plug`);
  if (!v.ok) process.exitCode = 1;
}
