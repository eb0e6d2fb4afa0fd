// SPDX-License-Identifier: Apache-2.0
import { ManualClock } from '../../../../lib/clock.js';
import { StallWatch } from './stall.js';

describe('stall watch', () => {
  test('quiet while ticks come on time; reports a tick late by the threshold or more, once per stall', () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    const w = new StallWatch(clock, 100, 200, (late) => seen.push(late));
    w.start();
    clock.advance(1000);
    clock.stall(150);
    expect(seen).toEqual([]);
    // The tick due at 1250 fires at 1600.
    clock.stall(450);
    expect(seen).toEqual([350]);
    clock.advance(1000);
    expect(seen).toEqual([350]);
    w.stop();
    clock.stall(5000);
    expect(seen).toEqual([350]);
  });

  test('every tick is told how late it fired', () => {
    const clock = new ManualClock();
    const ticks: number[] = [];
    const w = new StallWatch(clock, 100, 200, () => undefined, (late) => ticks.push(late));
    w.start();
    clock.advance(300);
    clock.stall(170);
    expect(ticks).toEqual([0, 0, 0, 70]);
    w.stop();
  });
});
