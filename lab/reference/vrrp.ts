// SPDX-License-Identifier: Apache-2.0
/**
 * The failover reference: keepalived (VRRP, the usual bare-metal answer) on two nodes of a small lab, the
 * same client prober, the same pulled cable. Its outage is what our L2 failover is compared against.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT } from '../paths.js';
import { analyzeFailover, type FailoverResult } from '../report/failover.js';
import { readJson } from '../state.js';
import { sleep, spawnDetached, stop, waitFor, type ProcRef } from '../sys.js';
import { createTopology, destroyNamespaces, namespacesOf, setPort } from '../topology/netns.js';
import { nodesOf, planTopology } from '../topology/plan.js';
import type { ProberReport } from '../traffic/prober.js';

export const VRRP_VIP = '192.0.2.199';

function keepalivedConf(name: string, priority: number, advertMs: number): string {
  const advert = advertMs >= 1000 ? `advert_int ${advertMs / 1000}` : `advert_int ${(advertMs / 1000).toFixed(2)}`;
  return [
    `global_defs { router_id ${name} }`,
    'vrrp_instance lab {',
    '  state BACKUP',
    '  interface eth0',
    '  virtual_router_id 51',
    `  priority ${priority}`,
    `  ${advert}`,
    '  nopreempt',
    `  virtual_ipaddress { ${VRRP_VIP}/32 dev eth0 }`,
    '}',
    '',
  ].join('\n');
}

/** Measures keepalived's failover as the client sees it; `advertMs` is the VRRP advertisement interval (1000 is the default). */
export async function measureVrrp(prefix: string, advertMs = 1000): Promise<FailoverResult> {
  const plan = planTopology({ prefix, nodes: 2, router: 'bird' });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const procs: ProcRef[] = [];
  const nodes = nodesOf(plan);
  const client = plan.hosts.find((h) => h.role === 'client')?.ns ?? '';
  destroyNamespaces(namespacesOf(plan));
  try {
    createTopology(plan);
    nodes.forEach((h, i) => {
      const conf = path.join(dir, `keepalived-${i}.conf`);
      fs.writeFileSync(conf, keepalivedConf(h.nodeName ?? '', 150 - i * 50, advertMs));
      procs.push(spawnDetached('ip', ['netns', 'exec', h.ns, process.execPath, path.join(REPO_ROOT, 'dist/lab/agent/backend.js'), h.nodeName ?? '', '80'], { logFile: path.join(dir, `backend-${i}.log`) }));
      procs.push(spawnDetached('ip', ['netns', 'exec', h.ns, 'keepalived', '-n', '-l', '-D', '-f', conf, '-p', path.join(dir, `k${i}.pid`), '-r', path.join(dir, `k${i}-vrrp.pid`), '-c', path.join(dir, `k${i}-chk.pid`)], { logFile: path.join(dir, `keepalived-${i}.log`) }));
    });
    const targets = path.join(dir, 'targets.json');
    const out = path.join(dir, 'prober.json');
    fs.writeFileSync(targets, JSON.stringify([{ ip: VRRP_VIP, port: 80, service: 'keepalived' }]));
    procs.push(spawnDetached('ip', ['netns', 'exec', client, process.execPath, path.join(REPO_ROOT, 'dist/lab/traffic/prober.js'), targets, out, '20'], { logFile: path.join(dir, 'prober.log') }));
    const owner = await waitFor('keepalived master answering', () => {
      const t = readJson<ProberReport>(out)?.targets[0];
      return t && t.rps > 20 && t.nodes.length === 1 ? t.nodes[0] : undefined;
    }, 30_000, 200);
    const host = nodes.find((h) => h.nodeName === owner);
    if (!host) throw new Error(`unknown owner ${owner}`);
    const at = Date.now();
    setPort(plan, host, false);
    await waitFor('keepalived backup answering', () => {
      const t = readJson<ProberReport>(out)?.targets[0];
      return t && t.lastOk !== undefined && t.lastOk > at && t.lastNode !== owner && t.downSince === undefined ? true : undefined;
    }, 30_000, 50);
    await sleep(1500);
    const after = readJson<ProberReport>(out);
    if (!after) throw new Error('no prober report');
    return analyzeFailover(owner ?? '', `keepalived VRRP, advert ${advertMs} ms, cable pulled`, at, { [VRRP_VIP]: [owner ?? ''] }, after, Date.now() - at);
  } finally {
    for (const p of procs) await stop(p);
    destroyNamespaces(namespacesOf(plan));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
