// SPDX-License-Identifier: Apache-2.0
import { ManualClock } from '../../../../lib/clock.js';
import { decodeHeartbeat, encodeHeartbeat, nodeId, type PeerEntry } from './heartbeat.js';
import { HeartbeatExchange, type Datagram, type SelfReport } from './exchange.js';
import { Liveness } from './liveness.js';

const KEY = Buffer.from('exchange-key');
const report = (x: Partial<SelfReport> = {}): SelfReport => ({ apiOk: true, holding: false, accused: false, candidate: true, links: ['eth0'], macs: [], peers: [], ...x });

/** Speakers on one clock; datagrams are delivered at once unless `cut` says the path from → to is down. */
/** `source`: the address a node's datagrams leave from, when not the one the others know for it. */
function net(names: string[], grace = 1000, source: Record<string, string> = {}) {
  const clock = new ManualClock();
  const self = new Map<string, SelfReport>(names.map((n) => [n, report()]));
  const cut = new Set<string>();
  const sent: (Datagram & { from: string })[] = [];
  const nodes = new Map(names.map((n) => {
    const liveness = new Liveness(clock, { intervalMs: 100, multiplier: 3, graceMs: grace }, () => undefined);
    liveness.setPeers(names.filter((m) => m !== n));
    const peers = (): PeerEntry[] => names.flatMap((m) => {
      const status = liveness.status(m);
      return status ? [{ id: nodeId(m), status, accused: false, candidate: status === 'live' }] : [];
    });
    const ex = new HeartbeatExchange({ node: n, key: KEY, clock, liveness, self: () => ({ ...(self.get(n) as SelfReport), peers: peers() }), boot: names.indexOf(n) + 1, probeMs: 500 });
    // Every node has an address; only watched peers get heartbeats.
    ex.setAddresses([...names, 'unwatched'].map((m) => ({ node: m, address: `addr-${m}` })));
    return [n, { liveness, ex }];
  }));
  const deliver = (from: string, out: Datagram[]): void => {
    for (const d of out) {
      sent.push({ ...d, from });
      if (!cut.has(`${from}>${d.node}`)) nodes.get(d.node)?.ex.receive(d.bytes, source[from] ?? `addr-${from}`);
    }
  };
  const run = (ms: number): void => {
    for (let t = 0; t < ms; t += 100) {
      for (const [n, x] of nodes) deliver(n, x.ex.tick());
      clock.advance(100);
    }
  };
  return { clock, self, cut, sent, nodes, deliver, run };
}

const node = <T>(m: Map<string, T>, n: string): T => {
  const v = m.get(n);
  if (!v) throw new Error(`no ${n}`);
  return v;
};

describe('heartbeat exchange', () => {
  test('every interval a beat to each peer; the state rides along until the peer holds its version, then beats are 31 bytes', () => {
    const w = net(['a', 'b', 'c']);
    w.run(1000);
    const a = node(w.nodes, 'a');
    expect(a.liveness.view()).toEqual(['b', 'c']);
    expect(node(w.nodes, 'b').liveness.peer('a')?.state?.peers.map((p) => [p.id, p.status])).toEqual([[nodeId('b'), 'live'], [nodeId('c'), 'live']]);
    expect(w.sent.filter((d) => d.node === 'unwatched')).toEqual([]);
    const fromA = w.sent.filter((d) => d.from === 'a');
    expect(fromA).toHaveLength(20);
    expect(fromA.slice(-6).map((d) => d.bytes.length)).toEqual([31, 31, 31, 31, 31, 31]);
  });

  test('a changed state goes out at once, to every peer, and only when it changed', () => {
    const w = net(['a', 'b']);
    w.run(500);
    const a = node(w.nodes, 'a');
    expect(a.ex.changed()).toEqual([]);
    w.self.set('a', report({ holding: true }));
    const out = a.ex.changed();
    expect(out.map((d) => d.node)).toEqual(['b']);
    w.deliver('a', out);
    expect(node(w.nodes, 'b').liveness.status('a')).toBe('holding');
  });

  test('a lost state is sent again once the peer acknowledges an older version', () => {
    const w = net(['a', 'b']);
    w.run(500);
    const a = node(w.nodes, 'a');
    w.self.set('a', report({ apiOk: false }));
    a.ex.changed(); // lost
    w.run(300);
    expect(node(w.nodes, 'b').liveness.peer('a')?.state?.apiOk).toBe(false);
  });

  test('after 255 changes the version wraps, but never to the one a peer still holds', () => {
    const w = net(['a', 'b']);
    w.run(300);
    const a = node(w.nodes, 'a');
    const b = node(w.nodes, 'b');
    const held = b.liveness.peer('a')?.stateVersion;
    w.cut.add('a>b');
    // 254 changes b misses, then the 255th: without the skip, that one would get b's version back.
    for (let i = 0; i < 254; i++) {
      w.self.set('a', report({ apiOk: i % 2 === 1 }));
      a.ex.changed();
    }
    w.self.set('a', report({ holding: true }));
    a.ex.changed();
    w.cut.clear();
    w.run(300);
    expect(b.liveness.peer('a')?.stateVersion).not.toBe(held);
    expect(b.liveness.peer('a')?.state?.holding).toBe(true);
  });

  test('a peer not heard for the grace gets only a probe now and then; probes prove nothing, but bring beats back', () => {
    const w = net(['a', 'b'], 1000);
    w.cut.add('b>a');
    w.run(3000);
    const a = node(w.nodes, 'a');
    const b = node(w.nodes, 'b');
    expect(a.liveness.isUp('b')).toBe(false);
    // After the grace a sends b a probe every 500 ms instead of 10 beats a second; b does not take probes for a sign of life.
    const before = w.sent.length;
    w.run(1000);
    const lastSecond = w.sent.slice(before).filter((d) => d.from === 'a');
    expect(lastSecond).toHaveLength(2);
    for (const d of lastSecond) {
      const h = decodeHeartbeat(d.bytes, { key: KEY, idOf: () => nodeId('a') });
      expect(h.ok && h.value.probe).toBe(true);
    }
    expect(b.liveness.isUp('a')).toBe(false);
    w.cut.clear();
    w.run(1000);
    expect(a.liveness.isUp('b')).toBe(true);
    expect(b.liveness.isUp('a')).toBe(true);
  });

  test('heartbeats from nodes not watched, and junk, are dropped and counted', () => {
    const w = net(['a', 'b']);
    const other = net(['x', 'b']);
    w.run(200);
    const b = node(w.nodes, 'b');
    const [first] = node(other.nodes, 'x').ex.tick();
    const [second] = node(other.nodes, 'x').ex.tick();
    if (!first || !second) throw new Error('x sent nothing');
    // x's state names it: authenticated, but not a peer; its beats from an unknown address name nobody.
    b.ex.receive(first.bytes, 'addr-x');
    b.ex.receive(Buffer.from(encodeHeartbeat({ id: nodeId('x'), boot: 1, seq: 9, stateVersion: 1, ack: 0, probe: false }, { key: KEY })), 'addr-y');
    b.ex.receive(Buffer.from('not a heartbeat'), 'addr-a');
    expect(Object.fromEntries(b.ex.errors)).toEqual({ unknownSender: 1, badMagic: 1 });
    expect(b.liveness.isUp('x')).toBe(false);
  });

  test('a node that sends from another address than the one known for it is known by the name in its state', () => {
    const w = net(['a', 'b'], 1000, { a: 'addr-a-second-interface' });
    w.run(1000);
    const b = node(w.nodes, 'b');
    expect(b.liveness.isUp('a')).toBe(true);
    expect(Object.fromEntries(b.ex.errors)).toEqual({});
  });

  test('a sender whose event loop ran late says a longer interval in a new state, and its peers wait that long for it', () => {
    const w = net(['a', 'b']);
    w.run(1000);
    const a = node(w.nodes, 'a');
    const b = node(w.nodes, 'b');
    expect(b.liveness.peer('a')?.state?.intervalMs).toBe(100);
    // a ran 400 ms late: it asks for 300 ms (× 3), and sends that at once.
    a.liveness.ranLate(400);
    w.deliver('a', a.ex.changed());
    expect(b.liveness.peer('a')?.state?.intervalMs).toBe(300);
    // Silent for 800 ms: the usual 300 ms would have taken it for dead.
    w.clock.advance(800);
    expect(b.liveness.isUp('a')).toBe(true);
    w.clock.advance(100);
    expect(b.liveness.isUp('a')).toBe(false);
  });
});
