// SPDX-License-Identifier: Apache-2.0
import type { ProberReport } from '../traffic/prober.js';
import { analyzeFailover, lossText, verdict } from './failover.js';
import { reportMarkdown } from './markdown.js';
import { timelineSvg } from './svg.js';

/** Probes every 20 ms from t=0 to 3000; `fn` says who answers at t (undefined = failed). */
function lane(ip: string, fn: (t: number) => string | undefined): ProberReport['targets'][number] {
  const recent: Array<[number, 0 | 1, string]> = [];
  const outages: Array<{ start: number; end: number; ms: number }> = [];
  let last = -1;
  let down: number | undefined;
  for (let t = 0; t <= 3000; t += 20) {
    const n = fn(t);
    recent.push([t, n ? 1 : 0, n ?? '']);
    if (n) {
      if (down !== undefined) outages.push({ start: down, end: t, ms: t - down });
      down = undefined;
      last = t;
    } else if (down === undefined && last >= 0) down = last;
  }
  return { ip, service: 'default/web', target: ip, sent: recent.length, answered: 0, rps: 50, nodes: [], outages, recent };
}

const at = 1000;
const after: ProberReport = {
  updatedAt: 3000,
  intervalMs: 20,
  targets: [
    lane('192.0.2.200', (t) => (t < at ? 'node-1' : t < 1300 ? undefined : 'node-3')),
    lane('192.0.2.201', () => 'node-2'),
  ],
};

describe('failover analysis and report', () => {
  const r = analyzeFailover('node-1', 'cable pulled', at, { '192.0.2.200': ['node-1'], '192.0.2.201': ['node-2'] }, after, 2000, 420);

  test('the owned IP moves with its outage; the other keeps its node', () => {
    expect(r.moves).toEqual([
      { ip: '192.0.2.200', service: 'default/web', before: ['node-1'], after: ['node-3'], outageMs: 320, failed: 15, probes: 101 },
      { ip: '192.0.2.201', service: 'default/web', before: ['node-2'], after: ['node-2'], outageMs: 0, failed: 0, probes: 101 },
    ]);
    expect(verdict(r)).toEqual({ ok: true, problems: [] });
  });

  test('the verdict names an IP that moved without cause and one that never came back', () => {
    const bad = { ...r, moves: [{ ...r.moves[0]!, after: [] }, { ...r.moves[1]!, after: ['node-4'], outageMs: 100 }] };
    expect(verdict(bad).problems).toEqual(['192.0.2.200 did not come back', '192.0.2.201 (not on node-1) saw a 100 ms outage', '192.0.2.201 moved from node-2 to node-4 though node-1 did not hold it']);
  });

  test('the SVG has a lane per IP, a fault line, failed ticks in red and the outage label', () => {
    const svg = timelineSvg(r);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('192.0.2.200 (default/web)');
    expect(svg).toContain('>fault</text>');
    expect(svg).toContain('#e15759');
    expect(svg).toContain('>320 ms</text>');
    // The outage label sits right of the plot (x = 300 + 700 + 10), not over the ticks.
    expect(svg).toMatch(/<text x="1010" y="\d+" fill="#e15759">320 ms<\/text>/);
    expect(Math.max(...[...svg.matchAll(/<rect x="([\d.]+)"/g)].slice(0, 300).map((m) => Number(m[1])))).toBeLessThan(1002);
    expect((svg.match(/<rect /g) ?? []).length).toBeGreaterThan(200);
  });

  test('the report states the worst outage, the route withdrawal and the verdict', () => {
    const md = reportMarkdown({ generatedAt: 'now', router: 'bird', nodes: 4, phases: [['topology', 900]], rows: [], failovers: [{ result: r, svg: 'failover.svg' }], notes: ['n'] });
    expect(md).toContain('the longest outage a client saw was **320 ms**');
    expect(md).toContain('after **420 ms**');
    expect(md).toContain("Result: only node-1's IPs moved");
    expect(md).toContain('![failover timeline](failover.svg)');
    expect(md).toContain('| 192.0.2.200 | default/web | node-1 | node-3 | 320 ms | 15/101 |');
  });

  test('partial ECMP loss is reported as loss, not "none"', () => {
    const ecmp = analyzeFailover('node-1', 'cable pulled', at, { '192.0.2.201': ['node-1', 'node-2'] }, { updatedAt: 3000, intervalMs: 20, targets: [lane('192.0.2.201', (t) => (t >= at && t < 1400 && (t / 20) % 7 === 0 ? undefined : 'node-2'))] }, 2000);
    const m = ecmp.moves[0]!;
    expect(m.outageMs).toBe(40);
    const lossy = { ...m, outageMs: 0 };
    expect(lossText(lossy)).toBe(`${m.failed}/${m.probes} probes lost`);
    expect(m.failed).toBeGreaterThan(0);
    expect(lossText({ ...m, outageMs: 0, failed: 0 })).toBe('none');
  });
});
