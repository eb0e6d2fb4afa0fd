// SPDX-License-Identifier: Apache-2.0
/**
 * A module upgrade in the lab, headless: `up` (no failover), then `upgrade` builds the next release and rolls it
 * out (every speaker and both controllers replaced, one at a time) while clients hold TCP connections to every
 * Service IP, ask ARP/NDP for the L2 ones and the router's routes are watched. Nothing may move, no route may be
 * withdrawn, no connection may break.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { printUpgrade, withUpgradeSection } from '../../lab/cli/upgrade.js';
import { takeDown } from '../../lab/cli/down.js';
import { bringUp } from '../../lab/cli/up.js';
import { upgradeMarkdown, type UpgradeResult } from '../../lab/report/upgrade.js';
import { readState } from '../../lab/state.js';
import { listNamespaces } from '../../lab/sys.js';
import { runUpgrade } from '../../lab/upgrade.js';
import { ensureImages, missingTools } from '../helpers/images.js';
import { netnsUnavailableReason, runPrefix } from '../helpers/netns.js';
import { whenConverged } from './waiting.js';

const root = path.resolve(__dirname, '../..');
const missing = ['dist/lab/agent/main.js', 'dist/lab/traffic/holder.js', 'hooks/batch', '.cache/helm/helm'].filter((f) => !fs.existsSync(path.join(root, f)));
const reason = netnsUnavailableReason() ?? missingTools('runc', 'arping', 'ndisc6') ?? (missing.length ? `needs ${missing.join(', ')} (make build)` : undefined);
const suite = reason ? describe.skip : describe;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbup-'));
const prefix = runPrefix('u');
const lines: string[] = [];
let result: UpgradeResult | undefined;

suite(`${reason ? `[skipped: ${reason}] ` : ''}module upgrade in the lab`, () => {
  beforeAll(async () => {
    ensureImages();
    // BIRD with BFD (`bfd on`, make lab's default) and graceful restart: a restarting speaker asks BIRD's BFD to wait
    // and its next process resumes the session, so BIRD sees no BFD Down and keeps the routes.
    await bringUp({ nodes: 4, router: 'bird', bfd: true, dir, prefix, viewSeconds: 0, timeoutMs: 150_000, headless: true, failover: false, out: (l) => lines.push(l) });
  }, 300_000);

  afterAll(async () => {
    const s = readState(dir);
    if (s) await takeDown(s);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(listNamespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  }, 60_000);

  whenConverged('the next release replaces every speaker and both controllers, one at a time', async () => {
    const s = readState(dir);
    if (!s) throw new Error(`no lab state: ${lines.slice(-5).join(' / ')}`);
    result = await runUpgrade(s, { connections: 3, onProgress: (l) => lines.push(l) });
    printUpgrade(result, (l) => lines.push(l));
    console.log(lines.join('\n'));
    expect(result.to).not.toBe(result.from);
    expect(result.replaced.filter((r) => r.workload === 'speaker').map((r) => r.node).sort()).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    expect(result.replaced.filter((r) => r.workload === 'controller')).toHaveLength(2);
    // One at a time: each old pod went only after the one before had a Ready successor.
    const speakers = result.replaced.filter((r) => r.workload === 'speaker');
    for (let i = 1; i < speakers.length; i++) {
      const prev = speakers[i - 1];
      const cur = speakers[i];
      if (prev && cur) expect(cur.atMs).toBeGreaterThanOrEqual(prev.atMs + prev.readyAfterMs - 500);
    }
  }, 420_000);

  whenConverged('no L2 IP moved, no BGP route was withdrawn, no TCP connection was lost', () => {
    if (!result) throw new Error('the upgrade did not run');
    const l2 = result.rows.filter((r) => r.mode.startsWith('L2'));
    const bgp = result.rows.filter((r) => r.mode === 'BGP');
    expect(l2.length).toBeGreaterThanOrEqual(4);
    expect(bgp.length).toBeGreaterThanOrEqual(1);
    expect(l2.some((r) => r.ip.includes(':'))).toBe(true);
    for (const r of l2) {
      expect({ ip: r.ip, moved: r.moved, answeredBy: r.answeredBy.length }).toEqual({ ip: r.ip, moved: false, answeredBy: 1 });
      expect(r.neighbourGapMs).toBeDefined();
    }
    for (const r of bgp) expect({ ip: r.ip, withdrawn: r.routeWithdrawn }).toEqual({ ip: r.ip, withdrawn: false });
    for (const r of result.rows) expect({ ip: r.ip, lost: r.lost, connections: r.connections }).toEqual({ ip: r.ip, lost: 0, connections: 3 });
    expect(result.problems).toEqual([]);
  });

  whenConverged('the report gives the table per IP', () => {
    if (!result) throw new Error('the upgrade did not run');
    const md = withUpgradeSection(fs.readFileSync(path.join(dir, 'report.md'), 'utf8'), upgradeMarkdown(result));
    expect(md).toContain(`## Upgrade ${result.from} -> ${result.to}`);
    expect(md).toContain('| service | mode | IP | before | moved | ARP/NDP answered by | longest ARP/NDP gap | BGP route withdrawn | TCP connections lost | longest TCP answer gap |');
    for (const r of result.rows) expect(md).toContain(`| ${r.ip} |`);
    console.log(upgradeMarkdown(result));
  });
});
