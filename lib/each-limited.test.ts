import { eachLimited } from './each-limited.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('eachLimited', () => {
  test('every item once, never more than width in flight, started in order', async () => {
    let inFlight = 0;
    let most = 0;
    const started: number[] = [];
    await eachLimited([...Array(20).keys()], 3, async (x) => {
      started.push(x);
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight--;
    });
    expect(started).toEqual([...Array(20).keys()]);
    expect(most).toBe(3);
  });

  test('the first error rejects after the calls in flight settle; nothing new starts after it', async () => {
    const done: number[] = [];
    await expect(eachLimited([0, 1, 2, 3, 4, 5], 2, async (x) => {
      await tick();
      if (x === 1) throw new Error('one');
      done.push(x);
    })).rejects.toThrow('one');
    expect(done).toEqual([0, 2]);
  });

  test('an empty list resolves', async () => {
    await expect(eachLimited([], 4, async () => undefined)).resolves.toBeUndefined();
  });
});
