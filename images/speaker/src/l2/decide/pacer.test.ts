// SPDX-License-Identifier: Apache-2.0
import { ManualClock } from '../../../../../lib/clock.js';
import { Pacer } from './pacer.js';

describe('pacer', () => {
  test('a tenth of a second of frames at once, the rest at the rate, in order', () => {
    const clock = new ManualClock();
    const p = new Pacer(clock, 1000);
    const sent: Array<[number, number]> = [];
    for (let i = 0; i < 300; i++) p.submit(() => (sent.push([clock.now(), i]), 1));
    expect(sent.length).toBe(100);
    clock.advance(100);
    expect(sent.length).toBe(200);
    clock.advance(100);
    expect(sent.map((s) => s[1])).toEqual([...Array(300).keys()]);
    // Never more than the bucket holds plus the rate over any window.
    const last = sent[sent.length - 1]?.[0] ?? 0;
    expect(last).toBeGreaterThanOrEqual(199);
    expect(p.waiting).toBe(0);
  });

  test('a job that sends nothing costs nothing; one that sends several is paid for by the next', () => {
    const clock = new ManualClock();
    const p = new Pacer(clock, 100);
    const log: string[] = [];
    p.submit(() => (log.push(`a@${clock.now()}`), 0));
    p.submit(() => (log.push(`b@${clock.now()}`), 30));
    p.submit(() => (log.push(`c@${clock.now()}`), 1));
    expect(log).toEqual(['a@0', 'b@0']);
    clock.advance(1000);
    // 10 tokens, less 30, is -20: 21 tokens to earn at 100/s.
    expect(log).toEqual(['a@0', 'b@0', 'c@210']);
  });

  test('rate 0 sends at once; stop drops what waits', () => {
    const clock = new ManualClock();
    const now: number[] = [];
    const off = new Pacer(clock, 0);
    for (let i = 0; i < 1000; i++) off.submit(() => (now.push(i), 2));
    expect(now.length).toBe(1000);
    const p = new Pacer(clock, 10);
    let n = 0;
    for (let i = 0; i < 5; i++) p.submit(() => (n++, 1));
    expect(n).toBe(1);
    p.stop();
    clock.advance(10_000);
    expect(n).toBe(1);
    expect(p.waiting).toBe(0);
  });
});
