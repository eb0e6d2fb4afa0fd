// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { applyToWorld, candidates, MAX_SERVICES, pickFault, rng, type ChaosWorld } from './faults.js';
import { InvariantChecker, type ChaosSample } from './invariants.js';

const svc = (key: string, wanted: number, ips: string[]): { key: string; wanted: number; ips: string[] } => ({ key, wanted, ips });
const sample = (at: number, services: ChaosSample['services'], macs: ChaosSample['macs'] = {}): ChaosSample => ({ at, services, macs });

describe('invariant checker', () => {
  test('a clean run: convergence times per fault, no violations', () => {
    const c = new InvariantChecker(1000, 30_000);
    c.add(sample(0, [svc('d/web', 2, ['192.0.2.200', '192.0.2.201'])]));
    c.fault(1000, 'kill-speaker');
    c.add(sample(1500, [svc('d/web', 2, ['192.0.2.200'])]));
    c.add(sample(2300, [svc('d/web', 2, ['192.0.2.200', '192.0.2.201'])]));
    const s = c.finish(sample(3000, [svc('d/web', 2, ['192.0.2.200', '192.0.2.201'])]), []);
    expect(s).toEqual({ faults: { 'kill-speaker': 1 }, convergence: [1300], violations: [], samples: 3 });
  });

  test('two MACs for longer than the failover time is one violation per episode', () => {
    const c = new InvariantChecker(1000, 30_000);
    const two = { '192.0.2.200': ['02:00:00:00:02:01', '02:00:00:00:02:02'] };
    c.add(sample(0, [], two));
    c.add(sample(800, [], two));
    c.add(sample(1600, [], two));
    c.add(sample(2400, [], two));
    c.add(sample(3000, [], { '192.0.2.200': ['02:00:00:00:02:02'] }));
    c.add(sample(3500, [], two));
    const v = c.finish(sample(4000, []), []).violations;
    expect(v).toEqual([{ at: 1600, invariant: 'dual-announce', detail: '192.0.2.200 answered by 02:00:00:00:02:01 and 02:00:00:00:02:02 for over 1000 ms' }]);
  });

  test('a short overlap during a takeover is fine', () => {
    const c = new InvariantChecker(1000, 30_000);
    c.add(sample(0, [], { ip: ['a', 'b'] }));
    c.add(sample(900, [], { ip: ['b'] }));
    expect(c.finish(sample(1000, []), []).violations).toEqual([]);
  });

  test('an IP moving to another Service while the first exists is a violation; after deletion it is reuse', () => {
    const c = new InvariantChecker(1000, 30_000);
    c.add(sample(0, [svc('d/a', 1, ['192.0.2.200']), svc('d/b', 1, [])]));
    c.add(sample(1, [svc('d/a', 1, []), svc('d/b', 1, ['192.0.2.200'])]));
    c.add(sample(2, [svc('d/c', 1, ['192.0.2.200'])]));
    const v = c.finish(sample(3, []), []).violations;
    expect(v).toEqual([{ at: 1, invariant: 'owner-change', detail: '192.0.2.200 moved from d/a to d/b' }]);
  });

  test('not converging in time, and at the end, and leaks are violations', () => {
    const c = new InvariantChecker(1000, 5000);
    c.add(sample(0, [svc('d/a', 3, ['x'])]));
    c.add(sample(6000, [svc('d/a', 3, ['x'])]));
    const s = c.finish(sample(7000, [svc('d/a', 3, ['x', 'y'])]), ['namespace mlab-x left']);
    expect(s.violations.map((v) => v.invariant)).toEqual(['converge', 'converge', 'leak']);
    expect(s.violations[0]?.detail).toBe('not converged for 6000 ms: d/a 1/3');
  });
});

describe('fault picker', () => {
  const world: ChaosWorld = { nodes: ['node-1', 'node-2', 'node-3', 'node-4'], linksDown: [], services: [], chaosClass: false, serial: 0 };

  test('the same seed gives the same faults', () => {
    const run = (seed: number): string[] => {
      const r = rng(seed);
      let w = world;
      const out: string[] = [];
      for (let i = 0; i < 20; i++) {
        const f = pickFault(w, r);
        out.push(f.kind);
        w = applyToWorld(w, f);
      }
      return out;
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  test('property: at most one link down, bounded Services, no class delete while in use, link-up only for a down link', () => {
    fc.assert(fc.property(fc.integer(), fc.integer({ min: 1, max: 200 }), (seed, steps) => {
      const r = rng(seed);
      let w = world;
      for (let i = 0; i < steps; i++) {
        const f = pickFault(w, r);
        if (f.kind === 'link-up') expect(w.linksDown).toContain(f.node);
        if (f.kind === 'class-delete') expect(w.services.some((s) => s.cls === 'chaos')).toBe(false);
        if (f.kind === 'service-create' && f.cls === 'chaos') expect(w.chaosClass).toBe(true);
        w = applyToWorld(w, f);
        expect(w.linksDown.length).toBeLessThanOrEqual(1);
        expect(w.services.length).toBeLessThanOrEqual(MAX_SERVICES);
      }
    }));
  });

  test('every fault kind is reachable', () => {
    const kinds = new Set<string>();
    const r = rng(1);
    let w = world;
    for (let i = 0; i < 2000; i++) {
      for (const [f] of candidates(w, r)) kinds.add(f.kind);
      w = applyToWorld(w, pickFault(w, r));
    }
    expect([...kinds].sort()).toEqual(['class-create', 'class-delete', 'class-edit', 'kill-controller', 'kill-module', 'kill-speaker', 'link-down', 'link-up', 'restart-apiserver', 'service-create', 'service-delete', 'service-edit']);
  });
});
