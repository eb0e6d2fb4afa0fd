// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { FRESH, KUBELET_BACKOFF, nextRestart, type RestartState } from './backoff.js';

describe('restart back-off', () => {
  test('the kubelet sequence: 0, 10 s, 20 s, 40 s ... capped at 5 min', () => {
    let s: RestartState = FRESH;
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = nextRestart(KUBELET_BACKOFF, s, 1000);
      delays.push(r.delayMs);
      s = r.state;
    }
    expect(delays).toEqual([0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
    expect(s.restarts).toBe(8);
  });

  test('a long clean run resets the streak', () => {
    const s = { restarts: 5, streak: 5 };
    expect(nextRestart(KUBELET_BACKOFF, s, 600_000)).toEqual({ state: { restarts: 6, streak: 1 }, delayMs: 0 });
  });

  test('property: the delay never exceeds the cap and never decreases within a streak', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 599_999 }), { maxLength: 30 }), (runs) => {
      let s: RestartState = FRESH;
      let last = 0;
      for (const ran of runs) {
        const r = nextRestart(KUBELET_BACKOFF, s, ran);
        expect(r.delayMs).toBeLessThanOrEqual(KUBELET_BACKOFF.maxMs);
        expect(r.delayMs).toBeGreaterThanOrEqual(last);
        last = r.delayMs;
        s = r.state;
      }
    }));
  });
});
