// SPDX-License-Identifier: Apache-2.0
import { withUpgradeSection } from '../cli/upgrade.js';
import type { HeldConnection } from '../traffic/holder.js';
import { analyzeUpgrade, upgradeMarkdown, type UpgradeInput } from './upgrade.js';

const conn = (ip: string, nodes: string[], lost?: string): HeldConnection => ({ ip, port: 80, service: 'default/web', localPort: 40000, answers: 500, nodes, longestGapMs: 120, establishedAt: 1, ...(lost ? { lost: { at: 2, reason: lost } } : {}) });
const base: UpgradeInput = {
  from: 'v0.1.0',
  to: 'v0.1.1',
  rolloutMs: 40_000,
  targets: [
    { ip: '192.0.2.200', service: 'default/web', mode: 'L2 ingress', nodes: ['node-1'] },
    { ip: '203.0.113.1', service: 'default/api', mode: 'BGP', nodes: ['node-1', 'node-2'] },
  ],
  connections: [conn('192.0.2.200', ['node-1']), conn('203.0.113.1', ['node-2'])],
  neighbours: [{ ip: '192.0.2.200', answers: 400, macs: ['02:00:00:00:02:01'], longestGapMs: 180 }],
  routes: [{ ip: '203.0.113.1', before: ['node-1', 'node-2'], missing: [], samples: 200 }],
  replaced: [{ workload: 'speaker', node: 'node-1', atMs: 0, readyAfterMs: 6000 }],
  nodeOf: { '02:00:00:00:02:01': 'node-1', '02:00:00:00:02:02': 'node-2' },
};

describe('the upgrade report', () => {
  test('an invisible upgrade: nothing moved, no route withdrawn, no connection lost', () => {
    const r = analyzeUpgrade(base);
    expect(r.problems).toEqual([]);
    expect(r.rows.map((x) => [x.ip, x.moved, x.answeredBy, x.neighbourGapMs, x.routeWithdrawn, x.lost])).toEqual([
      ['192.0.2.200', false, ['node-1'], 180, undefined, 0],
      ['203.0.113.1', false, [], undefined, false, 0],
    ]);
    expect(upgradeMarkdown(r)).toContain('| default/web | L2 ingress | 192.0.2.200 | node-1 | no | node-1 | 180 ms | - | 0/1 | 120 ms |');
  });

  test('a move, a withdrawn route and a lost connection are each reported', () => {
    const r = analyzeUpgrade({
      ...base,
      connections: [conn('192.0.2.200', ['node-1', 'node-2'], 'read ECONNRESET'), conn('203.0.113.1', ['node-2'])],
      neighbours: [{ ip: '192.0.2.200', answers: 400, macs: ['02:00:00:00:02:01', '02:00:00:00:02:02'], longestGapMs: 900 }],
      routes: [{ ip: '203.0.113.1', before: ['node-1', 'node-2'], missing: ['node-1'], samples: 200 }],
    });
    expect(r.rows.map((x) => [x.moved, x.lost, x.routeWithdrawn])).toEqual([[true, 1, undefined], [false, 0, true]]);
    expect(r.problems).toEqual([
      '192.0.2.200 moved (ARP/NDP answered by node-1, node-2)',
      '192.0.2.200: connection from port 40000 lost after 500 answers (read ECONNRESET)',
      '203.0.113.1: the router withdrew node-1',
    ]);
    expect(upgradeMarkdown(r)).toContain('Problems:\n- 192.0.2.200 moved');
  });

  test('the section replaces an earlier upgrade section of report.md and keeps the rest', () => {
    const md = '# metallb lab report\n\n## Phases\n\nx\n\n## Upgrade v0 -> v1\n\nold\n\n## Notes\n\nn\n';
    const out = withUpgradeSection(md, '## Upgrade v1 -> v2\n\nnew\n');
    expect(out).toBe('# metallb lab report\n\n## Phases\n\nx\n\n## Upgrade v1 -> v2\n\nnew\n\n## Notes\n\nn\n');
    expect(withUpgradeSection('# r\n', '## Upgrade a -> b\n')).toBe('# r\n\n## Upgrade a -> b\n');
  });
});
