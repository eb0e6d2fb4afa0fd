// SPDX-License-Identifier: Apache-2.0
/**
 * L2 figures, each against a reference in the same run and topology (two nodes, one client, UDP
 * every 10 ms): failover outage when the owning node's link goes down, vs keepalived VRRP with a
 * 1 s advert interval; ARP reply latency vs a kernel-owned address; the speaker's RSS vs an idle
 * Node.js process. Trials: L2_BENCH_TRIALS (20), L2_BENCH_VRRP_TRIALS (10).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quantile, result, summarize, type BenchResult } from './result.js';
import { L2Lab, Prober, l2LabUnavailableReason, labInstances, sleep } from '../test/l2/lab.js';

const SPEAKER_IP = '192.0.2.220';
const VRRP_IP = '192.0.2.230';

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** One failover: take node-1's link down, wait for traffic from node-2, bring it back and wait for node-1 again. Returns the outage (ms). */
async function trial(lab: L2Lab, prober: Prober, ip: string): Promise<number> {
  await until(() => prober.replies.some((r) => r.ip === ip && r.node === 'node-1' && r.at > prober.now() - 50), 15_000, `${ip} answered by node-1`);
  await sleep(300);
  const t0 = prober.now();
  const ns = lab.node('node-1').ns;
  lab.topo.exec(ns, 'ip', ['link', 'set', 'eth0', 'down']);
  try {
    await until(() => prober.replies.some((r) => r.ip === ip && r.node === 'node-2' && r.at > t0), 15_000, `${ip} answered by node-2`);
    await sleep(100);
    const s = prober.stats(ip, t0 - 100, prober.now());
    return s.maxGapMs;
  } finally {
    lab.topo.exec(ns, 'ip', ['link', 'set', 'eth0', 'up']);
  }
}

async function failovers(lab: L2Lab, ip: string, n: number): Promise<number[]> {
  const prober = new Prober(lab, [ip], 10);
  try {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      try {
        out.push(await trial(lab, prober, ip));
      } catch (e) {
        const last = prober.replies.filter((r) => r.ip === ip).slice(-3);
        throw new Error(`${ip} trial ${i + 1}: ${(e as Error).message}; last replies ${JSON.stringify(last)}; client neighbour ${lab.clientNeighbor(ip) ?? 'none'}\n${lab.dump()}`, { cause: e });
      }
    }
    return out;
  } finally {
    prober.stop();
  }
}

function startKeepalived(lab: L2Lab): void {
  for (const [i, n] of lab.nodes.entries()) {
    const conf = path.join(lab.dir, `keepalived-${n.name}.conf`);
    fs.writeFileSync(conf, [
      `global_defs { router_id ${n.name} }`,
      'vrrp_instance bench {',
      '  state BACKUP', '  interface eth0', '  virtual_router_id 51', `  priority ${i === 0 ? 150 : 100}`, '  advert_int 1',
      `  virtual_ipaddress { ${VRRP_IP}/32 dev eth0 }`,
      '}', '',
    ].join('\n'));
    const pid = (k: string): string => path.join(lab.dir, `${n.name}-${k}.pid`);
    lab.topo.spawn(n.ns, 'keepalived', ['--dont-fork', '--log-console', '--vrrp', '-f', conf, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('check')]);
  }
}

function arpingMedianMs(lab: L2Lab, ip: string, count: number): { median: number; samples: number[] } {
  const out = lab.topo.exec(lab.client, 'arping', ['-c', String(count), '-W', '0.02', '-w', '20', '-i', 'eth0', ip], { allowFail: true });
  // Warm only: skip the first few answers (JIT, caches).
  const samples = [...out.matchAll(/time=([\d.]+) (usec|msec)/g)].map((m) => Number(m[1]) / (m[2] === 'usec' ? 1000 : 1)).slice(5);
  return { median: quantile([...samples].sort((a, b) => a - b), 0.5), samples };
}

/** RSS of a process and its children (the speaker's capture processes), MiB. */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  let kb = Number(line?.split(/\s+/)[1] ?? NaN);
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    const kids = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
    for (const k of kids ? kids.split(' ') : []) kb += rssMb(Number(k)) * 1024;
  }
  return kb / 1024;
}

export async function run(): Promise<BenchResult[]> {
  const reason = l2LabUnavailableReason();
  if (reason) throw new Error(`l2 bench cannot run: ${reason}`);
  const trials = Number(process.env.L2_BENCH_TRIALS ?? 20);
  const vrrpTrials = Number(process.env.L2_BENCH_VRRP_TRIALS ?? 10);
  const lab = new L2Lab('mlb-l2x-', { nodes: 2 });
  await lab.build();
  try {
    lab.setInstances(labInstances(lab, [SPEAKER_IP]));
    for (const n of lab.nodes) lab.startSpeaker(n.name);
    await lab.waitAnnounced([SPEAKER_IP], 30_000);
    startKeepalived(lab);

    const ours = await failovers(lab, SPEAKER_IP, trials);
    const vrrp = await failovers(lab, VRRP_IP, vrrpTrials);
    const o = [...ours].sort((a, b) => a - b);
    const v = [...vrrp].sort((a, b) => a - b);
    const ref = 'keepalived VRRP, advert_int 1';

    const arp = arpingMedianMs(lab, SPEAKER_IP, 60);
    const kernel = arpingMedianMs(lab, lab.node('node-2').ip4, 60);

    const speakerRss = rssMb(lab.node('node-1').speaker?.pid);
    const idle = lab.topo.spawn(lab.node('node-1').ns, 'node', ['-e', 'setInterval(() => {}, 1000)']);
    await sleep(1500);
    const idleRss = rssMb(idle.pid);

    return [
      result('l2 failover outage p50 (link down)', quantile(o, 0.5), 'ms', quantile(v, 0.5), { referenceName: ref, samples: summarize(ours) }),
      result('l2 failover outage p99 (link down)', quantile(o, 0.99), 'ms', quantile(v, 0.99), { referenceName: `${ref} (n=${vrrp.length}, min ${v[0]?.toFixed(0)} / max ${v.at(-1)?.toFixed(0)} ms)`, samples: summarize(ours) }),
      result('l2 ARP reply latency, warm median', arp.median, 'ms', kernel.median, { referenceName: 'kernel-owned address', samples: summarize(arp.samples) }),
      result('l2 static speaker RSS (with its capture process)', speakerRss, 'MiB', idleRss, { referenceName: 'idle Node.js process' }),
    ];
  } finally {
    await lab.destroy();
  }
}
