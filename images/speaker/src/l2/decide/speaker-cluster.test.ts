// SPDX-License-Identifier: Apache-2.0
/**
 * Several L2 speakers on one simulated segment: heartbeats (real exchange and codec) with per-direction
 * delay and loss, and event loops that stall. Checks that no address is announced by two running
 * speakers for longer than the heartbeats that settle it take to arrive.
 */
import fc from 'fast-check';
import { SimNet } from '../../../../../test/helpers/l2-cluster.js';
import type { L2Instance } from './speaker.js';
import { buildTopology } from './topology.js';

const NODES = ['node-1', 'node-2', 'node-3'];
const IPS = ['192.0.2.200', '192.0.2.201', '192.0.2.202'];
const topology = buildTopology(IPS.map((ip, i): L2Instance => ({ key: `default/web-${i}`, service: { namespace: 'default', name: 'web' }, ip, preferred: NODES[i], eligible: NODES, interfaces: [] })));

function cluster(returnDelayMs = 300): SimNet {
  const net = new SimNet({ topology, intervalMs: 100, multiplier: 3, returnDelayMs }, NODES);
  for (const n of NODES) net.start(n);
  net.run(1000);
  return net;
}

const member = (net: SimNet, name: string) => {
  const m = net.members.get(name);
  if (!m) throw new Error(`no ${name}`);
  return m;
};

const home = { '192.0.2.200': ['node-1'], '192.0.2.201': ['node-2'], '192.0.2.202': ['node-3'] };

describe('L2 speakers together', () => {
  test('settle with each address on its preferred node, once', () => {
    const net = cluster();
    expect(net.owners(IPS)).toEqual(home);
    expect(net.longestDual).toBe(0);
    net.stop();
  });

  test('heartbeats from node-1 reach node-2 late (400 ms): node-2 takes over, node-1 stands back at once, never both for long', () => {
    const net = cluster();
    net.delay = (f, t) => (f === 'node-1' && t === 'node-2' ? 400 : 1);
    net.run(3000);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.delay = () => 1;
    net.run(1000);
    expect(net.owners(IPS)).toEqual(home);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.stop();
  });

  test('node-1 stalls for 1 s: the others take its address; after the stall it takes nothing new before reading their heartbeats, and then gives its address up', () => {
    const net = cluster();
    const n1 = member(net, 'node-1');
    n1.clock.frozen = true;
    net.run(1000);
    expect(net.owners(IPS)['192.0.2.200']).toHaveLength(1);
    let answering: string[] = ['not thawed'];
    n1.clock.thaw(() => (answering = n1.speaker.announced()));
    // Late timers ran, heartbeats not read yet: nothing beyond what it held.
    expect(answering.filter((ip) => ip !== '192.0.2.200')).toEqual([]);
    net.run(1000);
    expect(net.owners(IPS)).toEqual(home);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.stop();
  });

  test('node-2 hears nobody for 1 s (a deaf receiver) and comes back: at most a message\'s latency of overlap', () => {
    const net = cluster();
    net.delay = (_f, t) => (t === 'node-2' ? undefined : 1);
    net.run(1000);
    net.delay = () => 1;
    net.run(1000);
    expect(net.owners(IPS)).toEqual(home);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.stop();
  });

  test('node-1 restarts (new boot): it holds, then takes its address back without overlap', () => {
    const net = cluster();
    net.start('node-1', 2);
    net.run(1000);
    expect(net.owners(IPS)).toEqual(home);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.stop();
  });

  test('node-1 dies: its address moves within the detection time and comes back when it starts again', () => {
    const net = cluster();
    net.kill('node-1');
    net.run(300 + 10);
    expect(net.owners(IPS)['192.0.2.200']).toHaveLength(1);
    net.start('node-1', 2);
    net.run(1000);
    expect(net.owners(IPS)).toEqual(home);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.stop();
  });

  test('node-1 stops to restart: nobody else announces its address while it is away, and its next process resumes it', () => {
    const net = cluster();
    const others = new Set<string>();
    const watch = (ms: number): void => {
      for (let i = 0; i < ms; i += 10) {
        net.run(10);
        for (const n of net.owners(IPS)['192.0.2.200'] ?? []) if (n !== 'node-1') others.add(n);
      }
    };
    net.leave('node-1');
    watch(3000);
    expect(net.owners(IPS)).toEqual({ ...home, '192.0.2.200': [] });
    const back = net.start('node-1', 2);
    watch(1000);
    expect(net.owners(IPS)).toEqual(home);
    expect([...others]).toEqual([]);
    // Its peers no longer hold it: a death now is taken over within the detection time.
    expect(['node-2', 'node-3'].map((n) => member(net, n).liveness.held('node-1'))).toEqual([undefined, undefined]);
    expect(back.speaker.announced()).toEqual(['192.0.2.200']);
    net.kill('node-1');
    net.run(300 + 10);
    expect(net.owners(IPS)['192.0.2.200']).toHaveLength(1);
    net.stop();
  });

  test('node-1 stops for good (its node drained): another node answers for its address within a message, never two at once, and nobody holds it', () => {
    const net = cluster();
    let gap = 0;
    let since: number | undefined;
    const m1 = member(net, 'node-1');
    m1.speaker.handOff();
    for (let t = 0; t < 300; t++) {
      net.run(1);
      const n = net.owners(IPS)['192.0.2.200']?.length ?? 0;
      if (n === 0) since ??= t;
      else if (since !== undefined) {
        gap = Math.max(gap, t - since);
        since = undefined;
      }
    }
    // Taken over while node-1 still runs (before any detection time): a heartbeat's latency (1 ms here) and the
    // peers' agreement, far below the detection time (300 ms).
    const heir = net.owners(IPS)['192.0.2.200'] ?? [];
    expect(heir).toHaveLength(1);
    expect(heir).not.toContain('node-1');
    expect(since).toBeUndefined();
    expect(gap).toBeLessThanOrEqual(10);
    net.kill('node-1');
    net.run(1000);
    expect(net.owners(IPS)['192.0.2.200']).toEqual(heir);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    expect(['node-2', 'node-3'].map((n) => member(net, n).liveness.held('node-1'))).toEqual([undefined, undefined]);
    net.stop();
  });

  test('the restart hold is bounded: a speaker that said it restarts and stays away is taken over when the hold ends', () => {
    const net = new SimNet({ topology, intervalMs: 100, multiplier: 3, restartHoldMs: 2000, returnDelayMs: 300 }, NODES);
    for (const n of NODES) net.start(n);
    net.run(1000);
    net.leave('node-1');
    net.run(1900);
    expect(net.owners(IPS)['192.0.2.200']).toEqual([]);
    net.run(300);
    expect(net.owners(IPS)['192.0.2.200']).toHaveLength(1);
    net.stop();
  });

  test('a peer without the restart hold (the previous release) takes the address over; the others leave it to it, and one speaker answers', () => {
    const net = new SimNet({ topology, intervalMs: 100, multiplier: 3, returnDelayMs: 300 }, NODES);
    net.start('node-1');
    net.start('node-2', 1, 0);
    net.start('node-3');
    net.run(1000);
    expect(net.owners(IPS)).toEqual(home);
    net.leave('node-1');
    net.run(1000);
    expect(net.owners(IPS)['192.0.2.200']).toEqual(['node-2']);
    expect(net.longestDual).toBe(0);
    net.stop();
  });

  test('a node that keeps coming and going pulls nothing back; once back for the return delay, its address returns once', () => {
    // Up for 500 ms at a time: a candidate for 200 ms, and to its peers until they notice it gone, 300 ms later.
    const net = cluster(1000);
    net.kill('node-1');
    net.run(310);
    const heir = net.owners(IPS)['192.0.2.200'] ?? [];
    expect(heir).toHaveLength(1);
    const seen = new Set<string>();
    const watch = (ms: number): void => {
      for (let i = 0; i < ms; i += 10) {
        net.run(10);
        seen.add(JSON.stringify(net.owners(IPS)['192.0.2.200']));
      }
    };
    for (let boot = 2; boot < 6; boot++) {
      net.start('node-1', boot);
      watch(500);
      net.kill('node-1');
      watch(300);
    }
    expect([...seen]).toEqual([JSON.stringify(heir)]);
    net.start('node-1', 9);
    watch(1200);
    expect(net.owners(IPS)['192.0.2.200']).toEqual(heir);
    watch(300);
    expect(net.owners(IPS)).toEqual(home);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.stop();
  });

  /** One Service per address: node-1 dies, its heir takes 192.0.2.200 and keeps it after node-1 is back. */
  const keptByHeir = (): { net: SimNet; heir: string } => {
    const own = buildTopology(IPS.map((ip, i): L2Instance => ({ key: `default/svc-${i}`, service: { namespace: 'default', name: `svc-${i}` }, ip, preferred: NODES[i], eligible: NODES, interfaces: [] })));
    const net = new SimNet({ topology: own, intervalMs: 100, multiplier: 3, returnDelayMs: 300 }, NODES);
    for (const n of NODES) net.start(n);
    net.run(1000);
    net.kill('node-1');
    net.run(310);
    const heir = net.owners(IPS)['192.0.2.200']?.[0] ?? '';
    net.start('node-1', 2);
    net.run(3000);
    return { net, heir };
  };

  test('an address whose Service has no other address on the heir stays there when its node comes back', () => {
    const { net, heir } = keptByHeir();
    expect(net.owners(IPS)).toEqual({ ...home, '192.0.2.200': [heir] });
    net.stop();
  });

  test('an heir that keeps an address restarts: its next process keeps it, nothing moves', () => {
    const { net, heir } = keptByHeir();
    const kept = net.owners(IPS);
    expect(kept['192.0.2.200']).toEqual([heir]);
    const seen = new Set<string>();
    net.leave(heir);
    for (let i = 0; i < 1000; i += 10) {
      net.run(10);
      for (const n of net.owners(IPS)['192.0.2.200'] ?? []) seen.add(n);
    }
    net.start(heir, 2);
    for (let i = 0; i < 3000; i += 10) {
      net.run(10);
      for (const n of net.owners(IPS)['192.0.2.200'] ?? []) seen.add(n);
    }
    expect(net.owners(IPS)).toEqual(kept);
    expect([...seen]).toEqual([heir]);
    net.stop();
  });

  test('two nodes deaf to each other that both hear a third answer together for a message\'s latency at most; their addresses come back once they hear each other', () => {
    const net = cluster();
    net.delay = (f, t) => ((f === 'node-1' && t === 'node-2') || (f === 'node-2' && t === 'node-1') ? undefined : 1);
    net.run(1000);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.delay = () => 1;
    net.run(1500);
    expect(net.owners(IPS)).toEqual(home);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.stop();
  });

  test('a node whose event loop runs later and later (CPU starvation) keeps its address: each late run makes its peers wait longer for it', () => {
    const net = cluster();
    const seen = new Set<string>();
    const watch = (ms: number): void => {
      for (let i = 0; i < ms; i += 10) {
        net.run(10);
        seen.add(JSON.stringify(net.owners(IPS)));
      }
    };
    const n1 = member(net, 'node-1');
    // Silent for 200, 500, then 800 ms, each well over the usual detection time (300 ms) but the first.
    for (const ms of [200, 500, 800]) {
      n1.clock.frozen = true;
      net.run(ms);
      n1.clock.thaw();
      watch(1000);
    }
    expect([...seen]).toEqual([JSON.stringify(home)]);
    expect(net.longestDual).toBe(0);
    net.stop();
  });

  test('a starved node that dies is taken over within the longer detection time it asked for, and within the usual one once it has been on time for the slow hold', () => {
    const net = new SimNet({ topology, intervalMs: 100, multiplier: 3, returnDelayMs: 300, slowHoldMs: 3000 }, NODES);
    for (const n of NODES) net.start(n);
    net.run(1000);
    const starve = (): void => {
      const n1 = member(net, 'node-1');
      n1.clock.frozen = true;
      net.run(250);
      n1.clock.thaw();
    };
    // 150 ms late: it asks for 200 ms × 3.
    starve();
    net.run(1000);
    net.kill('node-1');
    net.run(310);
    expect(net.owners(IPS)['192.0.2.200']).toEqual([]);
    net.run(300);
    expect(net.owners(IPS)['192.0.2.200']).toHaveLength(1);
    net.start('node-1', 2);
    net.run(2000);
    expect(net.owners(IPS)).toEqual(home);
    starve();
    net.run(3100);
    net.kill('node-1');
    net.run(310);
    expect(net.owners(IPS)['192.0.2.200']).toHaveLength(1);
    expect(net.longestDual).toBeLessThanOrEqual(2);
    net.stop();
  });

  test('any mix of slow links, lost heartbeats and stalls: an overlap never outlasts the slowest (or lost) heartbeat by more than two intervals', () => {
    const step = fc.record({
      slow: fc.array(fc.tuple(fc.constantFrom(...NODES), fc.constantFrom(...NODES), fc.integer({ min: 1, max: 500 })), { maxLength: 3 }),
      lost: fc.array(fc.tuple(fc.constantFrom(...NODES), fc.constantFrom(...NODES)), { maxLength: 2 }),
      stall: fc.option(fc.tuple(fc.constantFrom(...NODES), fc.integer({ min: 50, max: 800 })), { nil: undefined }),
    });
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 6 }), (steps) => {
      const net = cluster();
      let slowest = 1;
      for (const s of steps) {
        // A heartbeat lost for the whole step is one that arrives a step late.
        const lostFor = s.lost.length ? (s.stall?.[1] ?? 300) + 200 : 0;
        slowest = Math.max(slowest, lostFor, ...s.slow.map(([, , d]) => d));
        const lost = (f: string, t: string): boolean => s.lost.some(([a, b]) => a === f && b === t);
        net.delay = (f, t) => (lost(f, t) ? undefined : s.slow.find(([a, b]) => a === f && b === t)?.[2] ?? 1);
        const m = s.stall && net.members.get(s.stall[0]);
        if (m && s.stall) m.clock.frozen = true;
        net.run(s.stall?.[1] ?? 300);
        m?.clock.thaw();
        net.run(200);
      }
      net.delay = () => 1;
      net.run(2500);
      expect(net.owners(IPS)).toEqual(home);
      expect(net.longestDual).toBeLessThanOrEqual(slowest + 200);
      net.stop();
    }), { numRuns: 40 });
  });
});
