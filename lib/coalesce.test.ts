import { ManualClock } from './clock.js';
import { Coalescer } from './coalesce.js';

const settle = () => new Promise((r) => setImmediate(r));

describe('Coalescer', () => {
  test('many triggers, one run after minMs', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const c = new Coalescer(() => void runs++, 20, 5, clock);
    for (let i = 0; i < 100; i++) c.trigger();
    clock.advance(19);
    expect(runs).toBe(0);
    clock.advance(1);
    await settle();
    expect(runs).toBe(1);
  });

  test('a run that took long makes the next wait factor times as long; a trigger during a run runs once more after it', async () => {
    const clock = new ManualClock();
    const at: number[] = [];
    let finish = (): void => undefined;
    const c = new Coalescer(() => {
      at.push(clock.now());
      return new Promise<void>((r) => (finish = r));
    }, 20, 5, clock);
    c.trigger();
    clock.advance(20);
    expect(at).toEqual([20]);
    c.trigger();
    c.trigger();
    clock.advance(30);
    finish();
    await settle();
    // took 30 ms: the next one waits 150 ms
    expect(c.delayMs).toBe(150);
    clock.advance(149);
    expect(at).toEqual([20]);
    clock.advance(1);
    expect(at).toEqual([20, 200]);
  });

  test('stop cancels what waits and ignores later triggers', async () => {
    const clock = new ManualClock();
    let runs = 0;
    const c = new Coalescer(() => void runs++, 10, 1, clock);
    c.trigger();
    c.stop();
    c.trigger();
    clock.advance(100);
    await settle();
    expect(runs).toBe(0);
  });
});
