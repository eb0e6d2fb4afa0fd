// SPDX-License-Identifier: Apache-2.0
/**
 * Rolling updates of the L2 speakers with real speakers in namespaces and UDP traffic from a client to
 * each address: from the previous release (two builds in one segment) and of this release (SIGTERM, as
 * the kubelet stops a container, then the next process). Names: runPrefix('u').
 */
import { L2Lab, Prober, l2LabUnavailableReason, labInstances, sleep } from './lab.js';
import { previousSpeaker } from './previous.js';
import { until } from '../helpers/until.js';
import { runPrefix } from '../helpers/netns.js';

const IPS = ['192.0.2.200', '192.0.2.201', '192.0.2.202'];
const HOME = new Map(IPS.map((ip, i) => [ip, `node-${i + 1}`]));
const labReason = l2LabUnavailableReason();
const previous = labReason ? undefined : previousSpeaker();
const reason = labReason ?? (previous && 'unavailable' in previous ? previous.unavailable : undefined);
const suite = reason ? describe.skip : describe;

/** Who announces each address, sampled every 10 ms: moves (one node to another), and overlaps of two. */
class Watch {
  readonly moves = new Map<string, string[]>(IPS.map((ip) => [ip, []]));
  readonly #last = new Map<string, string>();
  readonly #overlapSince = new Map<string, number>();
  longestOverlapMs = 0;
  readonly #timer: NodeJS.Timeout;
  constructor(lab: L2Lab) {
    this.#timer = setInterval(() => {
      const owners = lab.owners();
      for (const ip of IPS) {
        const now = owners.get(ip) ?? [];
        if (now.length > 1) {
          const since = this.#overlapSince.get(ip) ?? Date.now();
          this.#overlapSince.set(ip, since);
          this.longestOverlapMs = Math.max(this.longestOverlapMs, Date.now() - since);
        } else this.#overlapSince.delete(ip);
        const node = now.length === 1 ? now[0] : undefined;
        const last = this.#last.get(ip);
        if (node === undefined) continue;
        if (last !== undefined && last !== node) this.moves.get(ip)?.push(`${last}->${node}`);
        this.#last.set(ip, node);
      }
    }, 10);
  }
  stop(): void {
    clearInterval(this.#timer);
  }
}

suite(`L2 rolling updates${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let lab: L2Lab;
  let prober: Prober;
  const prevMain = previous && 'main' in previous ? previous.main : '';

  /** Replaces each node's speaker in turn, as a DaemonSet rolling update does: SIGTERM, then the next process, which must announce its address again before the next node. */
  async function roll(watch: Watch, from = ''): Promise<number[]> {
    const gaps: number[] = [];
    for (const n of lab.nodes) {
      const ip = IPS[lab.nodes.indexOf(n)] ?? '';
      const t0 = Date.now();
      await lab.killSpeaker(n.name, 'SIGTERM');
      lab.startSpeaker(n.name);
      await until(`${ip} announced by ${n.name} again`, () => lab.owners().get(ip)?.join() === n.name, 30_000, 10);
      gaps.push(Date.now() - t0);
      await lab.waitOwners(HOME, 30_000);
      if (from) console.log(`${from}: ${n.name} replaced, ${ip} announced by it again ${Date.now() - t0} ms after its SIGTERM`);
    }
    watch.stop();
    return gaps;
  }

  beforeAll(async () => {
    // Each node's address goes back to it as soon as a move is worth it (the rollout from the previous release moves them).
    lab = new L2Lab(runPrefix('u'), { nodes: 3, env: { METALLB_L2_RETURN_DELAY_MS: '1000' } });
    await lab.build();
    lab.setInstances(labInstances(lab, IPS));
    for (const n of lab.nodes) lab.startSpeaker(n.name, undefined, prevMain);
    await lab.waitOwners(HOME, 90_000);
    prober = new Prober(lab, IPS, 10);
    await until('replies from every owner', () => IPS.every((ip) => prober.replies.some((r) => r.ip === ip && r.node === HOME.get(ip))), 30_000, 20);
    await sleep(500);
  }, 150_000);

  afterAll(async () => {
    prober?.stop();
    await lab?.destroy();
  });

  test('from the previous release: the two builds agree on one speaker per address throughout, and every address ends on its node', async () => {
    console.log(`previous release: ${previous && 'commit' in previous ? previous.commit : ''}`);
    const watch = new Watch(lab);
    await roll(watch);
    expect(watch.longestOverlapMs).toBeLessThan(150);
    // The previous release says nothing before it stops: its addresses are taken over and come back.
    for (const ip of IPS) console.log(`rollout from the previous release: ${ip} moved ${watch.moves.get(ip)?.join(', ') || 'never'}`);
    expect(IPS.every((ip) => (watch.moves.get(ip) ?? []).length > 0)).toBe(true);
  }, 120_000);

  test('of this release: SIGTERM and the next process move no address, and the client loses no datagram', async () => {
    await sleep(500);
    const t0 = prober.now();
    const watch = new Watch(lab);
    const gaps = await roll(watch, 'rollout of this release');
    await sleep(300);
    const t1 = prober.now();
    for (const ip of IPS) {
      const s = prober.stats(ip, t0, t1);
      expect({ ip, moves: watch.moves.get(ip), lost: s.lost, nodes: s.nodes }).toEqual({ ip, moves: [], lost: 0, nodes: [HOME.get(ip)] });
      expect(lab.clientNeighbor(ip)).toBe(lab.node(HOME.get(ip) ?? '').mac);
    }
    console.log(`rollout of this release: per node, SIGTERM to announcing again ${gaps.join(', ')} ms; 0 moves, 0 datagrams lost`);
  }, 120_000);

  test('after the rollout a SIGKILL is still a death: its address is taken over well within a second', async () => {
    const ip = '192.0.2.201';
    const t0 = Date.now();
    await lab.killSpeaker('node-2', 'SIGKILL');
    await until(`${ip} taken over`, () => (lab.owners().get(ip) ?? []).length === 1, 5000, 5);
    const ms = Date.now() - t0;
    console.log(`SIGKILL after a rollout: ${ip} announced by ${lab.owners().get(ip)?.join()} ${ms} ms later`);
    expect(ms).toBeLessThan(1000);
    lab.startSpeaker('node-2');
    await lab.waitOwners(HOME, 30_000);
  }, 60_000);

  test('a speaker going away for good (its node drained) hands its address over within a heartbeat, before any detection time', async () => {
    await sleep(500);
    const ip = '192.0.2.202';
    const t0 = Date.now();
    const p0 = prober.now();
    // SIGUSR2: the static runner's stop for good (the speaker decides it from its Node; see nodes.ts).
    const stopped = lab.killSpeaker('node-3', 'SIGUSR2');
    await until(`${ip} taken over`, () => { const o = lab.owners().get(ip) ?? []; return o.length === 1 && o[0] !== 'node-3'; }, 5000, 2);
    const ms = Date.now() - t0;
    await stopped;
    await sleep(300);
    const s = prober.stats(ip, p0, prober.now());
    console.log(`stop for good: ${ip} announced by ${lab.owners().get(ip)?.join()} ${ms} ms after the signal (detection time 150 ms); ${s.lost} datagrams lost`);
    // SIGKILL takes a detection time (about 130 ms, above); a hand-off is a heartbeat and the peers' agreement.
    expect(ms).toBeLessThan(100);
    expect(lab.owners().get(ip)).toHaveLength(1);
    lab.startSpeaker('node-3');
    await lab.waitOwners(HOME, 30_000);
  }, 60_000);
});
