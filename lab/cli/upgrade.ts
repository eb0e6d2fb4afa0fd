// SPDX-License-Identifier: Apache-2.0
/**
 * `metallb-lab upgrade [--version V] [--connections N] [--timeout S] [--dir DIR]`: builds the next release of the
 * module (`make images` at a bumped version), rolls it out in the running lab as the platform does, while
 * clients hold TCP connections to every Service IP; prints per IP what moved, the longest ARP/NDP gap, whether
 * a BGP route was withdrawn and the connections lost, and writes that table into the lab report (report.md).
 * Exits 1 when any client noticed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { upgradeMarkdown, type UpgradeResult } from '../report/upgrade.js';
import { DEFAULT_DIR, requireState } from '../state.js';
import { runUpgrade } from '../upgrade.js';
import { intFlag, parseArgs } from './args.js';

const USAGE = 'usage: metallb-lab upgrade [--version V] [--connections N] [--timeout S] [--dir DIR]';

/** report.md with the upgrade's section in place of an earlier one. Pure. */
export function withUpgradeSection(report: string, section: string): string {
  const start = report.search(/^## Upgrade /m);
  if (start < 0) return `${report.trimEnd()}\n\n${section}`;
  const next = report.slice(start + 1).search(/^## /m);
  return `${report.slice(0, start)}${section}${next < 0 ? '' : `\n${report.slice(start + 1 + next)}`}`;
}

export function printUpgrade(r: UpgradeResult, out: (line: string) => void): void {
  for (const x of r.rows) {
    out(`  ${x.ip.padEnd(20)} ${x.mode.padEnd(12)} moved ${x.moved ? 'YES' : 'no '}  ${x.neighbourGapMs === undefined ? '' : `ARP/NDP gap ${Math.round(x.neighbourGapMs)} ms  `}${x.routeWithdrawn === undefined ? '' : `route withdrawn ${x.routeWithdrawn ? 'YES' : 'no'}  `}connections lost ${x.lost}/${x.connections}  longest answer gap ${Math.round(x.tcpGapMs)} ms`);
  }
  out(r.problems.length ? `problems: ${r.problems.join('; ')}` : 'no IP moved, no route was withdrawn, no connection was lost');
}

export async function main(args: string[]): Promise<void> {
  const p = parseArgs(args, ['version', 'connections', 'timeout', 'dir'], [], USAGE);
  if (p.positional.length) throw new Error(USAGE);
  const state = requireState(path.resolve(p.flags.get('dir') ?? DEFAULT_DIR));
  const version = p.flags.get('version');
  const r = await runUpgrade(state, {
    ...(version ? { version } : {}),
    connections: intFlag(p, 'connections', 4, 1, 64),
    timeoutMs: intFlag(p, 'timeout', 240, 10, 3600) * 1000,
    onProgress: (l) => console.log(l),
  });
  printUpgrade(r, (l) => console.log(l));
  const report = path.join(state.dir, 'report.md');
  fs.writeFileSync(report, withUpgradeSection(fs.existsSync(report) ? fs.readFileSync(report, 'utf8') : '# metallb lab report\n', upgradeMarkdown(r)));
  fs.writeFileSync(path.join(state.dir, 'upgrade.json'), JSON.stringify(r, null, 2));
  console.log(`Report: ${report}`);
  if (r.problems.length) process.exitCode = 1;
}
