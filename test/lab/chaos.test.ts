// SPDX-License-Identifier: Apache-2.0
/** Two minutes of chaos against the headless lab: speakers, controller and runtime killed, links pulled, API server restarted, objects churned; 0 invariant violations. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runChaos, summaryText } from '../../lab/chaos/run.js';
import { takeDown } from '../../lab/cli/down.js';
import { bringUp } from '../../lab/cli/up.js';
import { readState } from '../../lab/state.js';
import { listNamespaces } from '../../lab/sys.js';
import { netnsUnavailableReason, runPrefix } from '../helpers/netns.js';
import { CHAOS_WAITING_ON } from './waiting.js';

const root = path.resolve(__dirname, '../..');
const reason = netnsUnavailableReason() ?? (fs.existsSync(path.join(root, 'dist/lab/agent/main.js')) ? undefined : 'needs `make build`');
const suite = reason ? describe.skip : describe;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbec-'));
const prefix = runPrefix('c');

suite(`${reason ? `[skipped: ${reason}] ` : ''}lab chaos`, () => {
  afterAll(async () => {
    const s = readState(dir);
    if (s) await takeDown(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const title = '2 minutes of faults at 6/min: every invariant holds';
  (CHAOS_WAITING_ON ? test.skip : test)(CHAOS_WAITING_ON ? `[skipped: waiting for ${CHAOS_WAITING_ON}] ${title}` : title, async () => {
    const lines: string[] = [];
    const { state } = await bringUp({ nodes: 4, router: 'bird', dir, prefix, viewSeconds: 0, timeoutMs: 240_000, headless: true, failover: false, processes: true, out: (l) => lines.push(l) });
    const summary = await runChaos(state, { minutes: 2, rate: 6, seed: 20261125, failoverMs: 1000, convergeMs: 30_000, out: (l) => lines.push(l) });
    const text = summaryText(summary);
    expect(Object.values(summary.faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(10);
    // A sample is an API list and one arping per address; on a loaded machine one takes seconds.
    expect(summary.samples).toBeGreaterThanOrEqual(20);
    expect({ violations: summary.violations, text }).toEqual({ violations: [], text: expect.any(String) });
    await takeDown(state);
    expect(listNamespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
  }, 480_000);
});
