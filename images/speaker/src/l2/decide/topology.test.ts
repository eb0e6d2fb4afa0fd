// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { MAX_PEERS } from '../../health/heartbeat.js';
import type { L2Instance } from './speaker.js';
import { DEFAULT_BACKUPS, buildTopology, ringKey } from './topology.js';

const nodes = (n: number): string[] => Array.from({ length: n }, (_, i) => `node-${i + 1}`);
const inst = (ip: string, eligible: readonly string[], preferred?: string): L2Instance => ({ key: `default/web-${ip}`, service: { namespace: 'default', name: 'web' }, ip, preferred, eligible, interfaces: [] });
const ring = (ns: readonly string[]): string[] => [...ns].sort((a, b) => (ringKey(a) < ringKey(b) ? -1 : 1));

describe('L2 topology', () => {
  test('a small group (up to 2 × backups + 1 nodes) watches itself whole, as every speaker did before', () => {
    const ns = nodes(7);
    const plan = buildTopology([], [ns]);
    for (const n of ns) expect(plan.peersOf(n)).toEqual(ns.filter((m) => m !== n).sort());
  });

  test('a large group: each node watches its backups ring neighbours on each side, whatever the size', () => {
    for (const size of [8, 100, 1000]) {
      const ns = nodes(size);
      const plan = buildTopology([], [ns]);
      const r = ring(ns);
      for (const [i, n] of r.entries()) {
        const want = [];
        for (let d = 1; d <= DEFAULT_BACKUPS; d++) want.push(r[(i + d) % size], r[(i - d + size) % size]);
        expect(plan.peersOf(n)).toEqual([...new Set(want)].sort());
      }
    }
  });

  test('a chain is the preferred node and the next eligible nodes on the ring, all watching each other; with every node eligible, within the ring neighbours', () => {
    const ns = nodes(1000);
    const instances = ns.slice(0, 500).map((p, i) => inst(`10.0.${Math.floor(i / 250)}.${i % 250}`, ns, p));
    const plan = buildTopology(instances, [ns]);
    const r = ring(ns);
    for (const i of instances) {
      const c = plan.chains.get(i.ip) ?? [];
      expect(c[0]).toBe(i.preferred);
      const at = r.indexOf(i.preferred ?? '');
      expect(new Set(c)).toEqual(new Set([0, 1, 2, 3].map((d) => r[(at + d) % r.length])));
      for (const a of c) for (const b of c) if (a !== b) expect(plan.peersOf(a)).toContain(b);
    }
    expect(Math.max(...ns.map((n) => plan.peersOf(n).length))).toBe(2 * DEFAULT_BACKUPS);
  });

  test('sparse eligible nodes (externalTrafficPolicy Local): the chain skips the others, and its members watch each other wherever they are', () => {
    const ns = nodes(200);
    const eligible = ['node-7', 'node-150', 'node-42'];
    const plan = buildTopology([inst('192.0.2.200', eligible, 'node-3')], [ns]);
    const c = plan.chains.get('192.0.2.200') ?? [];
    expect(new Set(c)).toEqual(new Set(eligible));
    for (const a of c) for (const b of c) if (a !== b) expect(plan.peersOf(a)).toContain(b);
    // node-3 is not eligible: the chain starts at the next eligible node after it on the ring.
    const r = ring(eligible);
    expect(c[0]).toBe(r.find((n) => ringKey(n) >= ringKey('node-3')) ?? r[0]);
  });

  test('any instances: peers are symmetric and bounded, chains are eligible, start at an eligible preferred node, and do not depend on input order', () => {
    const ns = nodes(30);
    const arb = fc.array(fc.record({ e: fc.subarray(ns, { minLength: 1 }), p: fc.option(fc.constantFrom(...ns), { nil: undefined }) }), { maxLength: 20 });
    fc.assert(fc.property(arb, (specs) => {
      const instances = specs.map((s, i) => inst(`192.0.2.${i}`, s.e, s.p));
      const plan = buildTopology(instances, [ns]);
      const again = buildTopology([...instances].reverse().map((i) => ({ ...i, eligible: [...i.eligible].reverse() })), [[...ns].reverse()]);
      for (const n of ns) {
        expect(again.peersOf(n)).toEqual(plan.peersOf(n));
        expect(plan.peersOf(n).length).toBeLessThanOrEqual(MAX_PEERS);
        for (const m of plan.peersOf(n)) expect(plan.peersOf(m)).toContain(n);
      }
      for (const i of instances) {
        const c = plan.chains.get(i.ip) ?? [];
        expect(again.chains.get(i.ip)).toEqual(c);
        expect(c.length).toBe(Math.min(DEFAULT_BACKUPS + 1, new Set(i.eligible).size));
        for (const m of c) expect(i.eligible).toContain(m);
        if (i.preferred && i.eligible.includes(i.preferred)) expect(c[0]).toBe(i.preferred);
      }
    }));
  });

  test('a node in more chains than heartbeats can carry: chains stop where a member could not watch the others, never beyond the bound', () => {
    const ns = nodes(1000);
    // node-1 has an endpoint of 400 Services whose other endpoints are scattered.
    const instances = Array.from({ length: 400 }, (_, i) => inst(`10.1.${Math.floor(i / 250)}.${i % 250}`, ['node-1', `node-${2 + i}`, `node-${500 + i}`], 'node-1'));
    const plan = buildTopology(instances, [ns]);
    expect(plan.peersOf('node-1').length).toBe(MAX_PEERS);
    for (const i of instances) {
      const c = plan.chains.get(i.ip) ?? [];
      expect(c[0]).toBe('node-1');
      for (const a of c) for (const b of c) if (a !== b) expect(plan.peersOf(a)).toContain(b);
    }
    expect(instances.filter((i) => (plan.chains.get(i.ip) ?? []).length === 1).length).toBeGreaterThan(0);
  });
});
