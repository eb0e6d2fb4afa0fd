// SPDX-License-Identifier: Apache-2.0
/**
 * L2 liveness at scale, simulated: 10, 100 and 1,000 speakers of one class on one segment, each with
 * the real heartbeat exchange (codec, HMAC, liveness), topology and election, on a simulated clock,
 * two addresses per node placed by the hooks' placement. Per size: heartbeats and bytes one speaker
 * sends per second (on the wire: payload plus Ethernet, IPv4 and UDP headers), the largest datagram,
 * addresses without exactly one announcer once settled, and the outage of a dead node's addresses.
 * References from the same run: every speaker heartbeating every other (the previous shape, same
 * code) at 10 speakers, the 10-speaker figures for 100 and 1,000 (growth), the UDP payload of a
 * 1,500-byte MTU, the detection time for the longest double announcement.
 * LIVENESS_BENCH_SIZES (10,100,1000) and LIVENESS_BENCH_KILLS (5) set the sizes and dead nodes;
 * LIVENESS_BENCH_LIMIT_S (600) bounds the wall time of one size's simulation (it then fails).
 */
import { place } from '../hooks/src/lib/placement.js';
import { DEFAULT_LIVENESS } from '../images/speaker/src/health/liveness.js';
import type { L2Instance } from '../images/speaker/src/l2/decide/speaker.js';
import { buildTopology } from '../images/speaker/src/l2/decide/topology.js';
import { SimNet, WIRE_OVERHEAD } from '../test/helpers/l2-cluster.js';
import { result, summarize, type BenchResult } from './result.js';

const { intervalMs, multiplier } = DEFAULT_LIVENESS;
const SETTLE_MS = 2000;
const MEASURE_MS = 2000;
/** IPv4 UDP payload on a 1,500-byte MTU. */
const MTU_PAYLOAD = 1472;

interface Run {
  readonly speakers: number;
  /** Heartbeats and wire bytes one speaker sends per second, mean over speakers; the largest datagram (bytes). */
  readonly perSecond: number;
  readonly bytesPerSecond: number;
  readonly largest: number;
  readonly peersMax: number;
  readonly addresses: number;
  /** Addresses without exactly one announcer (its preferred node) once settled, and after each failover. */
  readonly disagreements: number;
  /** Per address of each dead node: ms until another node announced it. */
  readonly failovers: number[];
  /** Longest time two running speakers announced one address (ms). */
  readonly longestDual: number;
  readonly wallMs: number;
}

function instances(nodes: readonly string[]): L2Instance[] {
  const services = nodes.flatMap((_, i) => [`svc-${i}-a`, `svc-${i}-b`]).map((key) => ({ key, count: 1 }));
  const placed = place({ nodes, services });
  return services.map((s, i): L2Instance => ({
    key: `default/${s.key}`,
    service: { namespace: 'default', name: s.key },
    // Documentation addresses; the simulation sends nothing anywhere.
    ip: `2001:db8:100::${(i + 1).toString(16)}`,
    preferred: placed.get(s.key)?.[0],
    eligible: nodes,
    interfaces: [],
  }));
}

function simulate(size: number, allToAll: boolean, kills: number, limitS: number): Run {
  const t0 = performance.now();
  // Advances the simulated clock, failing once the wall time passes the limit.
  const advance = (ms: number): void => {
    for (let left = ms; left > 0; left -= 50) {
      if (performance.now() - t0 > limitS * 1000) throw new Error(`simulating ${size} speakers took longer than ${limitS} s (LIVENESS_BENCH_LIMIT_S)`);
      net.advance(Math.min(50, left));
    }
  };
  const nodes = Array.from({ length: size }, (_, i) => `node-${i + 1}`);
  const insts = instances(nodes);
  const topology = buildTopology(insts, [nodes], allToAll ? size : undefined);
  const net = new SimNet({ topology, intervalMs, multiplier }, nodes);
  for (const n of nodes) net.start(n);
  advance(SETTLE_MS);
  const owners = (): number => insts.filter((i) => net.announcers(i.ip).join() !== i.preferred).length;
  let disagreements = owners();
  for (const m of net.members.values()) m.sent = m.sentBytes = 0;
  let largest = 0;
  const count = (): void => {
    for (const m of net.members.values()) largest = Math.max(largest, m.largest);
  };
  advance(MEASURE_MS);
  count();
  const members = [...net.members.values()];
  const perSecond = members.reduce((n, m) => n + m.sent, 0) / members.length / (MEASURE_MS / 1000);
  const bytesPerSecond = members.reduce((n, m) => n + m.sentBytes + m.sent * WIRE_OVERHEAD, 0) / members.length / (MEASURE_MS / 1000);
  const peersMax = Math.max(...nodes.map((n) => topology.peersOf(n).length));

  const failovers: number[] = [];
  for (let k = 0; k < kills; k++) {
    const dead = nodes[Math.floor(((k + 0.5) * size) / kills)] as string;
    const theirs = insts.filter((i) => i.preferred === dead).map((i) => i.ip);
    // Nodes die at any moment of the heartbeat interval.
    advance((k * 17) % intervalMs);
    const killedAt = net.clock.now();
    net.kill(dead);
    const pending = new Set(theirs);
    for (let t = 0; pending.size > 0 && t < 5000; t++) {
      advance(1);
      for (const ip of pending) {
        if (net.announcers(ip).length === 1) {
          failovers.push(net.clock.now() - killedAt);
          pending.delete(ip);
        }
      }
    }
    disagreements += pending.size;
    advance(500);
    disagreements += theirs.filter((ip) => net.announcers(ip).length !== 1).length;
    net.start(dead, 2 + k);
    advance(SETTLE_MS);
    disagreements += owners();
  }
  count();
  net.stop();
  return { speakers: size, perSecond, bytesPerSecond, largest, peersMax, addresses: insts.length, disagreements, failovers, longestDual: net.longestDual, wallMs: performance.now() - t0 };
}

export async function run(): Promise<BenchResult[]> {
  const sizes = (process.env.LIVENESS_BENCH_SIZES ?? '10,100,1000').split(',').map(Number);
  const kills = Number(process.env.LIVENESS_BENCH_KILLS ?? 5);
  const limitS = Number(process.env.LIVENESS_BENCH_LIMIT_S ?? 600);
  const out: BenchResult[] = [];
  const ours = new Map<number, Run>();
  const mesh = new Map<number, Run>();
  for (const size of sizes) {
    ours.set(size, simulate(size, false, kills, limitS));
    // All to all, every speaker computes every address's election: cubic, so at the smallest size only.
    if (size === sizes[0]) mesh.set(size, simulate(size, true, kills, limitS));
    await new Promise((r) => setImmediate(r));
  }
  const base = ours.get(sizes[0] ?? 10);
  for (const [size, r] of ours) {
    const m = mesh.get(size);
    const ref = m ?? base;
    const refName = m ? `every speaker heartbeating every other (the previous shape), same code, ${size} speakers` : `the same, ${base?.speakers} speakers`;
    if (!ref) continue;
    const tag = `${size} speakers`;
    out.push(
      result(`l2 liveness sim: heartbeats one speaker sends per second, ${tag}`, r.perSecond, 'heartbeats/s', ref.perSecond, { referenceName: `${refName} (peers per speaker at most ${r.peersMax} vs ${ref.peersMax})` }),
      result(`l2 liveness sim: bytes one speaker sends per second on the wire, ${tag}`, r.bytesPerSecond, 'B/s', ref.bytesPerSecond, { referenceName: refName }),
      result(`l2 liveness sim: largest heartbeat datagram, ${tag}`, r.largest, 'B', MTU_PAYLOAD, { referenceName: 'IPv4 UDP payload of a 1,500-byte MTU' }),
      result(`l2 liveness sim: addresses without exactly one announcer once settled and after each failover, ${tag}`, r.disagreements, 'addresses', r.addresses * (1 + 2 * kills), { referenceName: `addresses checked (${r.addresses} addresses, ${kills} dead nodes)` }),
      result(`l2 liveness sim: outage of a dead node's addresses, worst, ${tag}`, Math.max(...r.failovers), 'ms', Math.max(...ref.failovers), { referenceName: refName, samples: summarize(r.failovers) }),
      result(`l2 liveness sim: longest time two speakers announce one address, ${tag}`, r.longestDual, 'ms', intervalMs * multiplier, { referenceName: `detection time (${intervalMs} ms × ${multiplier}), the bound` }),
    );
    console.log(`  (${tag}: simulated in ${(r.wallMs / 1000).toFixed(1)} s${m ? `, all-to-all in ${(m.wallMs / 1000).toFixed(1)} s` : ''})`);
  }
  return out;
}
