// SPDX-License-Identifier: Apache-2.0
/**
 * Failover with real traffic: a client sends UDP to each of three IPs every 10 ms. Killing the
 * owning speaker, or taking the owning node's link down, moves only that IP, and the client's
 * neighbour entry follows. Names: mlb-l2b-*.
 */
import { L2Lab, Prober, l2LabUnavailableReason, labInstances, sleep } from './lab.js';
import { until } from '../helpers/until.js';

const reason = l2LabUnavailableReason();
const suite = reason ? describe.skip : describe;
const IPS = ['192.0.2.200', '192.0.2.201', '192.0.2.202'];

suite(`L2 failover under traffic${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let lab: L2Lab;
  let prober: Prober;

  beforeAll(async () => {
    lab = new L2Lab('mlb-l2b-', { nodes: 3, env: { METALLB_L2_RETURN_DELAY_MS: '2000' } });
    await lab.build();
    lab.setInstances(labInstances(lab, IPS));
    for (const n of lab.nodes) lab.startSpeaker(n.name);
    await lab.waitOwners(new Map(IPS.map((ip, i) => [ip, `node-${i + 1}`])), 90_000);
    prober = new Prober(lab, IPS, 10);
    // Every IP answers, from its owner, before we start breaking things.
    await until('replies from every owner', () => IPS.every((ip, i) => prober.replies.some((r) => r.ip === ip && r.node === `node-${i + 1}`)), 30_000, 20);
    await sleep(500);
  }, 150_000);

  afterAll(async () => {
    prober?.stop();
    await lab?.destroy();
  });

  test('SIGKILL of the owning speaker: its IP moves, the client follows, the others lose nothing', async () => {
    const ip = '192.0.2.200';
    expect(lab.owners().get(ip)).toEqual(['node-1']);
    expect(lab.clientNeighbor(ip)).toBe(lab.node('node-1').mac);
    const t0 = prober.now();
    await lab.killSpeaker('node-1');
    const moved = await lab.waitAnnounced([ip], 10_000);
    const heir = moved.get(ip) ?? '';
    expect(heir).not.toBe('node-1');
    await until(`client neighbour of ${ip} to move to ${heir}`, () => lab.clientNeighbor(ip) === lab.node(heir).mac, 3000, 20);
    await until('traffic to reach the new owner', () => prober.replies.some((r) => r.ip === ip && r.node === heir), 3000, 20);
    await sleep(300);
    const t1 = prober.now();
    for (const other of IPS.filter((x) => x !== ip)) {
      const s = prober.stats(other, t0, t1);
      expect({ ip: other, lost: s.lost, nodes: s.nodes }).toEqual({ ip: other, lost: 0, nodes: [lab.owners().get(other)?.[0]] });
    }
    // The others keep their owners.
    expect(lab.owners().get('192.0.2.201')).toEqual(['node-2']);
    expect(lab.owners().get('192.0.2.202')).toEqual(['node-3']);
    // The preferred node comes back; the heir announces two addresses of the Service now, so the IP returns after the return delay.
    lab.startSpeaker('node-1');
    await until(`${ip} back on node-1`, () => lab.owners().get(ip)?.join() === 'node-1', 30_000, 20);
    await until(`client neighbour of ${ip} back to node-1`, () => lab.clientNeighbor(ip) === lab.node('node-1').mac, 10_000, 20);
  }, 60_000);

  test('link down on the owning node: only its IP has an outage, well under a second', async () => {
    const ip = '192.0.2.201';
    const owned = IPS.filter((x) => lab.owners().get(x)?.join() === 'node-2');
    expect(owned).toEqual([ip]);
    const t0 = prober.now();
    lab.topo.exec(lab.node('node-2').ns, 'ip', ['link', 'set', 'eth0', 'down']);
    try {
      await until(`${ip} to move off node-2`, () => (lab.owners().get(ip) ?? []).some((n) => n !== 'node-2'), 3000, 20);
      const heir = (lab.owners().get(ip) ?? []).find((n) => n !== 'node-2') ?? '';
      await until(`client neighbour of ${ip} to move`, () => lab.clientNeighbor(ip) === lab.node(heir).mac, 3000, 20);
      await until('traffic to reach the new owner', () => prober.replies.some((r) => r.ip === ip && r.node === heir && r.at > t0), 3000, 20);
      await sleep(300);
      const t1 = prober.now();
      const s = prober.stats(ip, t0, t1);
      expect(s.nodes).toEqual(['node-2', heir]);
      expect(s.maxGapMs).toBeLessThan(1000);
      for (const other of IPS.filter((x) => x !== ip)) {
        expect({ ip: other, lost: prober.stats(other, t0, t1).lost }).toEqual({ ip: other, lost: 0 });
      }
    } finally {
      lab.topo.exec(lab.node('node-2').ns, 'ip', ['link', 'set', 'eth0', 'up']);
    }
  }, 60_000);
});
