// SPDX-License-Identifier: Apache-2.0
/**
 * L2 liveness on the lab's wire: 4 and 12 speakers of one class (every node in its group, one address
 * per node) in network namespaces, and what node-1's speaker sends, counted by tcpdump on its interface
 * (Ethernet frames, so headers included) over LIVENESS_LAB_SECONDS (5) once settled. References from
 * the same run: the same speakers told to watch every peer (METALLB_L2_BACKUPS at the group size, the
 * previous shape), and the 4-node figure for the 12-node one (growth).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HEARTBEAT_PORT } from '../images/speaker/src/health/heartbeat.js';
import { until } from '../test/helpers/until.js';
import { L2Lab, l2LabUnavailableReason, labInstances, sleep } from '../test/l2/lab.js';
import { result, type BenchResult } from './result.js';

interface Wire {
  readonly bytesPerSecond: number;
  readonly perSecond: number;
  readonly largest: number;
}

/** What node-1's speaker sends on its wire per second, with `nodes` speakers up and settled. */
async function measure(prefix: string, nodes: number, seconds: number, env: Record<string, string> = {}): Promise<Wire> {
  const lab = new L2Lab(prefix, { nodes, env });
  await lab.build();
  try {
    const ips = lab.nodes.map((_, i) => `192.0.2.${200 + i}`);
    lab.setInstances(labInstances(lab, ips));
    for (const n of lab.nodes) lab.startSpeaker(n.name);
    await lab.waitOwners(new Map(ips.map((ip, i) => [ip, lab.nodes[i]?.name ?? ''])), 120_000);
    await sleep(2000);
    const n1 = lab.node('node-1');
    const pcap = path.join(lab.dir, 'heartbeats.pcap');
    const dump = lab.topo.spawn(n1.ns, 'tcpdump', ['-i', 'eth0', '-n', '-U', '-w', pcap, `udp and src host ${n1.ip4} and src port ${HEARTBEAT_PORT}`]);
    let err = '';
    dump.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    await until('tcpdump listening', () => err.includes('listening on'), 10_000, 20);
    await sleep(seconds * 1000);
    dump.kill('SIGINT');
    await new Promise((r) => dump.once('exit', r));
    if (!fs.existsSync(pcap)) throw new Error(`tcpdump wrote nothing: ${err}`);
    const lens = lab.topo.exec(n1.ns, 'tshark', ['-r', pcap, '-T', 'fields', '-e', 'frame.len']).trim().split('\n').filter(Boolean).map(Number);
    return { bytesPerSecond: lens.reduce((a, b) => a + b, 0) / seconds, perSecond: lens.length / seconds, largest: Math.max(...lens) };
  } finally {
    await lab.destroy();
  }
}

export async function run(): Promise<BenchResult[]> {
  const reason = l2LabUnavailableReason();
  if (reason) throw new Error(`liveness lab bench cannot run: ${reason}`);
  const seconds = Number(process.env.LIVENESS_LAB_SECONDS ?? 5);
  const four = await measure('mlb-lv4-', 4, seconds);
  const fourAll = await measure('mlb-lva-', 4, seconds, { METALLB_L2_BACKUPS: '4' });
  const twelve = await measure('mlb-lvc-', 12, seconds);
  const twelveAll = await measure('mlb-lvd-', 12, seconds, { METALLB_L2_BACKUPS: '12' });
  const all = (n: number): string => `the same speakers watching every peer (METALLB_L2_BACKUPS=${n}, the previous shape), ${n} nodes`;
  return [
    result('lab L2 heartbeat bytes one speaker sends per second on the wire, 4 nodes', four.bytesPerSecond, 'B/s', fourAll.bytesPerSecond, { referenceName: all(4) }),
    result('lab L2 heartbeat bytes one speaker sends per second on the wire, 12 nodes', twelve.bytesPerSecond, 'B/s', four.bytesPerSecond, { referenceName: 'the same, 4 nodes (growth from 4 to 12 nodes)' }),
    result('lab L2 heartbeat bytes one speaker sends per second on the wire, 12 nodes, against watching every peer', twelve.bytesPerSecond, 'B/s', twelveAll.bytesPerSecond, { referenceName: all(12) }),
    result('lab L2 heartbeats one speaker sends per second, 12 nodes', twelve.perSecond, 'heartbeats/s', four.perSecond, { referenceName: `the same, 4 nodes (watching every peer: ${twelveAll.perSecond.toFixed(0)}/s at 12 nodes)` }),
    result('lab L2 largest heartbeat frame, 12 nodes', twelve.largest, 'B', 1514, { referenceName: 'largest Ethernet frame of a 1,500-byte MTU' }),
  ];
}
