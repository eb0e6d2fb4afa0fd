// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { newStats, outagesBetween, record, refresh } from './stats.js';

describe('traffic stats', () => {
  test('an outage runs from the last answer to the next one, naming both nodes', () => {
    const s = newStats('192.0.2.201');
    for (let t = 0; t <= 100; t += 10) record(s, { t, ok: true, node: 'node-1' }, 60_000);
    for (let t = 110; t <= 400; t += 10) record(s, { t, ok: false }, 60_000);
    record(s, { t: 410, ok: true, node: 'node-2' }, 60_000);
    expect(s.outages).toEqual([{ start: 100, end: 410, ms: 310, from: 'node-1', to: 'node-2' }]);
    expect(s.downSince).toBeUndefined();
    expect(outagesBetween(s, 50, 150)).toHaveLength(1);
    expect(outagesBetween(s, 200, 300)).toHaveLength(0);
  });

  test('probes that time out after later ones were answered still count as the gap the client saw', () => {
    const s = newStats('192.0.2.204');
    for (let t = 0; t <= 100; t += 50) record(s, { t, ok: true, node: 'node-2' }, 60_000);
    record(s, { t: 200, ok: true, node: 'node-1' }, 60_000);
    record(s, { t: 150, ok: false }, 60_000);
    expect(s.outages).toEqual([{ start: 100, end: 200, ms: 100, from: 'node-2', to: 'node-1' }]);
    record(s, { t: 120, ok: false }, 60_000);
    expect(s.outages).toHaveLength(1);
  });

  test('failures before the first answer are not an outage', () => {
    const s = newStats('x');
    record(s, { t: 0, ok: false }, 1000);
    record(s, { t: 10, ok: true, node: 'a' }, 1000);
    expect(s.outages).toEqual([]);
  });

  test('rate and nodes over the last second', () => {
    const s = newStats('x');
    for (let t = 0; t < 2000; t += 100) record(s, { t, ok: true, node: t % 200 ? 'b' : 'a' }, 60_000);
    refresh(s, 2000);
    expect(s.rps).toBe(9);
    expect(s.nodes).toEqual(['a', 'b']);
  });

  test('property: outages never overlap, are positive, and sum to at most the span', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 200 }), (oks) => {
      const s = newStats('x');
      oks.forEach((ok, i) => record(s, { t: i * 10, ok, node: 'n' }, 1e9));
      let prevEnd = -Infinity;
      let sum = 0;
      for (const o of s.outages) {
        expect(o.ms).toBeGreaterThan(0);
        expect(o.start).toBeGreaterThanOrEqual(prevEnd);
        prevEnd = o.end;
        sum += o.ms;
      }
      expect(sum).toBeLessThanOrEqual(oks.length * 10);
      expect(s.answered).toBe(oks.filter(Boolean).length);
    }));
  });

  test('property: completion order does not change the outages of probes that each finish within one interval', () => {
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 100 }), (oks) => {
      const inOrder = newStats('x');
      const late = newStats('x');
      const samples = oks.map((ok, i) => ({ t: i * 10, ok, node: 'n' }));
      for (const x of samples) record(inOrder, x, 1e9);
      // A failure completes after the next probe was sent and answered.
      const order = samples.map((x) => ({ x, done: x.ok ? x.t : x.t + 15 })).sort((a, b) => a.done - b.done || a.x.t - b.x.t);
      for (const { x } of order) record(late, x, 1e9);
      const trailing = (s: typeof inOrder) => s.outages.map((o) => [o.start, o.end]);
      expect(trailing(late)).toEqual(trailing(inOrder));
    }));
  });

  test('recent keeps only the window', () => {
    const s = newStats('x');
    for (let t = 0; t <= 5000; t += 100) record(s, { t, ok: true }, 1000);
    expect(s.recent[0]?.t).toBe(4000);
  });
});
