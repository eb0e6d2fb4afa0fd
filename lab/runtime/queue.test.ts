import { ManualClock } from '../../lib/clock.js';
import { backoffDelay, Queues, type Task } from './queue.js';

const flush = () => new Promise((r) => setImmediate(r));

describe('Queues', () => {
  test('backoff doubles from the base up to the cap', () => {
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay({ baseMs: 5000, maxMs: 30000 }, a))).toEqual([5000, 10000, 20000, 30000, 30000]);
  });

  const task = (ran: string[], key: string, items: string[], onRun?: () => void): Task & { items: string[] } => {
    const t = {
      key,
      items,
      run: async () => {
        ran.push(`${key}:${t.items.join(',')}`);
        onRun?.();
      },
      merge: (l: Task) => (l.key === key && !items.includes('solo') ? (t.items.push(...(l as typeof t).items), true) : false),
    };
    return t;
  };

  test('tasks wait until resume and run one at a time; a task merges into the waiting task of its key wherever it waits', async () => {
    const q = new Queues(new ManualClock(), { baseMs: 10, maxMs: 40 });
    const ran: string[] = [];
    q.push('main', task(ran, 'a', ['1']));
    q.push('main', task(ran, 'a', ['2']));
    q.push('main', task(ran, 'b', ['3']));
    q.push('main', task(ran, 'a', ['4']));
    q.push('other', task(ran, 'a', ['5']));
    expect(q.length).toBe(3);
    await flush();
    expect(ran).toEqual([]);
    q.resume();
    await q.idle();
    expect(ran).toEqual(['a:1,2,4', 'a:5', 'b:3']);
  });

  test('a started task takes nothing more: what arrives meanwhile waits for the next run; a refused merge queues apart', async () => {
    const q = new Queues(new ManualClock(), { baseMs: 10, maxMs: 40 });
    const ran: string[] = [];
    q.resume();
    q.push('main', task(ran, 'a', ['1'], () => {
      if (ran.length === 1) {
        q.push('main', task(ran, 'a', ['2']));
        q.push('main', task(ran, 'a', ['3']));
      }
    }));
    await q.idle();
    expect(ran).toEqual(['a:1', 'a:2,3']);
    q.push('main', task(ran, 'c', ['solo']));
    q.push('main', task(ran, 'c', ['6']));
    await q.idle();
    expect(ran.slice(2)).toEqual(['c:solo', 'c:6']);
  });

  test('a failing task is retried at the head after backoff; the queue behind it waits; allowFailure drops it', async () => {
    const clock = new ManualClock();
    const q = new Queues(clock, { baseMs: 100, maxMs: 400 });
    let fails = 2;
    const ran: string[] = [];
    const errs: number[] = [];
    q.push('main', { key: 'x', run: async () => { ran.push('x'); if (fails-- > 0) throw new Error('boom'); }, failed: (_e, n) => errs.push(n) });
    q.push('main', { key: 'y', run: async () => void ran.push('y') });
    q.push('other', { key: 'z', allowFailure: true, run: async () => { ran.push('z'); throw new Error('ignored'); } });
    q.resume();
    await flush();
    expect(ran).toEqual(['x', 'z']);
    clock.advance(99);
    await flush();
    expect(ran).toEqual(['x', 'z']);
    clock.advance(1);
    await flush();
    clock.advance(200);
    await flush();
    await q.idle();
    expect(ran).toEqual(['x', 'z', 'x', 'x', 'y']);
    expect(errs).toEqual([1, 2]);
  });

  test('stop cancels pending retries', async () => {
    const clock = new ManualClock();
    const q = new Queues(clock, { baseMs: 100, maxMs: 100 });
    let runs = 0;
    q.push('main', { key: 'x', run: async () => { runs++; throw new Error('boom'); } });
    q.resume();
    await flush();
    q.stop();
    clock.advance(1000);
    await flush();
    expect(runs).toBe(1);
  });
});
