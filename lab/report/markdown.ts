// SPDX-License-Identifier: Apache-2.0
/** lab/out/report.md: what the lab built, what converged and how fast, and what the failover measured. Pure. */
import type { Row } from '../view/table.js';
import { lossText, verdict, type FailoverResult } from './failover.js';

export interface LabReport {
  readonly generatedAt: string;
  readonly router: string;
  /** The router's BFD with the speakers, e.g. "3 x 100 ms", when it runs. */
  readonly bfd?: string;
  readonly nodes: number;
  /** Named phases and how long each took, ms. */
  readonly phases: ReadonlyArray<readonly [string, number]>;
  readonly rows: readonly Row[];
  /** Each failure the lab made and measured, with its timeline's file name. */
  readonly failovers: ReadonlyArray<{ readonly result: FailoverResult; readonly svg?: string }>;
  readonly notes: readonly string[];
}

function table(head: string[], body: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const ms = (v: number): string => `${Math.round(v)} ms`;

export function reportMarkdown(r: LabReport): string {
  const out: string[] = [
    '# metallb lab report',
    '',
    `Generated ${r.generatedAt}. ${r.nodes} nodes, router ${r.router}.`,
    '',
    '## Phases',
    '',
    table(['phase', 'time'], r.phases.map(([n, v]) => [n, ms(v)])),
    '',
    '## Service IPs (converged, before the failover)',
    '',
    table(['service', 'mode', 'IP', 'answered by', 'client sees MAC', 'req/s', 'router next hops'], r.rows.map((x) => [x.service, x.mode, x.ip, x.node, x.mac, String(x.rps), x.nextHops])),
    '',
  ];
  for (const { result: f, svg } of r.failovers) {
    const v = verdict(f);
    const owned = f.moves.filter((m) => m.before.length === 1 && m.before[0] === f.node);
    const worst = owned.length ? Math.max(...owned.map((m) => m.outageMs)) : 0;
    out.push(
      `## Failover of ${f.node} (${f.how})`,
      '',
      `${owned.length} IP(s) were answered by ${f.node} alone; the longest outage a client saw was **${ms(worst)}** (probe interval ${f.intervalMs} ms).` +
        (f.routeWithdrawnMs !== undefined ? ` The router dropped ${f.node} from its next hops after **${ms(f.routeWithdrawnMs)}**${r.bfd ? ` (BFD ${r.bfd})` : ' (no BFD: the hold time)'}.` : ''),
      '',
      table(['IP', 'service', 'before', 'after', 'lost', 'failed probes'], f.moves.map((m) => [m.ip, m.service, m.before.join(',') || '-', m.after.join(',') || '-', lossText(m), `${m.failed}/${m.probes}`])),
      '',
      v.ok ? `Result: only ${f.node}'s IPs moved; every other IP kept its node with no outage.` : `Result: **problems**: ${v.problems.join('; ')}.`,
      '',
    );
    if (svg) out.push(`![failover timeline](${svg})`, '');
  }
  if (r.notes.length) out.push('## Notes', '', ...r.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}
