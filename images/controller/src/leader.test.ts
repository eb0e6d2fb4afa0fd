import { ManualClock } from '../../../lib/clock.js';
import { decide, LeaderElector, type LeaseRecord, type LeaseStore } from './leader.js';

const T = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** One Lease in memory with optimistic concurrency, shared by the candidates. */
class MemoryLease {
  record: LeaseRecord | undefined;
  #rv = 0;
  store(broken: () => boolean = () => false): LeaseStore {
    const check = (): void => {
      if (broken()) throw new Error('connection refused');
    };
    return {
      get: async () => (check(), this.record && { ...this.record }),
      create: async (r) => {
        check();
        if (this.record) throw new Error('409 AlreadyExists');
        return (this.record = { ...r, resourceVersion: String(++this.#rv) });
      },
      replace: async (r) => {
        check();
        if (r.resourceVersion !== this.record?.resourceVersion) throw new Error('409 Conflict');
        return (this.record = { ...r, resourceVersion: String(++this.#rv) });
      },
    };
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

function candidate(lease: MemoryLease, clock: ManualClock, name: string, broken?: () => boolean) {
  const log: string[] = [];
  const e = new LeaderElector(lease.store(broken), name, clock, T, { started: () => log.push('started'), stopped: () => log.push('stopped') }, () => clock.now());
  return { e, log };
}

/** Advances in 100 ms steps, checking that the two never lead at once; returns when `until` holds. */
async function run(clock: ManualClock, ms: number, pair: LeaderElector[], until?: () => boolean): Promise<number> {
  const start = clock.now();
  for (let t = 0; t < ms; t += 100) {
    clock.advance(100);
    await flush();
    expect(pair.filter((x) => x.isLeader()).length).toBeLessThanOrEqual(1);
    if (until?.()) return clock.now() - start;
  }
  return clock.now() - start;
}

describe('decide', () => {
  const r = (holder: string): LeaseRecord => ({ holder, durationSeconds: 15, renewTime: 0, acquireTime: 0, transitions: 0 });
  test.each([
    [undefined, 0, 'create'],
    [r('me'), 0, 'renew'],
    [r(''), 0, 'acquire'],
    [r('other'), 14_999, 'wait'],
    [r('other'), 15_000, 'acquire'],
  ] as const)('%j observed %d ms ago: %s', (rec, ago, want) => {
    expect(decide(rec, 'me', 0, ago, 15_000)).toBe(want);
  });
});

describe('LeaderElector', () => {
  test('the first candidate creates the lease and leads; the second waits', async () => {
    const clock = new ManualClock();
    const lease = new MemoryLease();
    const a = candidate(lease, clock, 'a');
    const b = candidate(lease, clock, 'b');
    a.e.start();
    await flush();
    b.e.start();
    await run(clock, 60_000, [a.e, b.e]);
    expect(a.e.isLeader()).toBe(true);
    expect(b.log).toEqual([]);
    expect(lease.record).toMatchObject({ holder: 'a', transitions: 0 });
  });

  test('a killed leader is replaced within one lease duration (plus one retry)', async () => {
    const clock = new ManualClock();
    const lease = new MemoryLease();
    const a = candidate(lease, clock, 'a');
    const b = candidate(lease, clock, 'b');
    a.e.start();
    await flush();
    b.e.start();
    await run(clock, 5_000, [a.e, b.e]);
    await a.e.stop(false);
    const took = await run(clock, 60_000, [a.e, b.e], () => b.e.isLeader());
    expect(took).toBeGreaterThanOrEqual(T.leaseDurationMs - T.retryPeriodMs);
    expect(took).toBeLessThanOrEqual(T.leaseDurationMs + T.retryPeriodMs);
    expect(lease.record).toMatchObject({ holder: 'b', transitions: 1 });
  });

  test('a leader that stops cleanly hands over at the next retry', async () => {
    const clock = new ManualClock();
    const lease = new MemoryLease();
    const a = candidate(lease, clock, 'a');
    const b = candidate(lease, clock, 'b');
    a.e.start();
    await flush();
    b.e.start();
    await run(clock, 5_000, [a.e, b.e]);
    await a.e.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    const took = await run(clock, 60_000, [a.e, b.e], () => b.e.isLeader());
    expect(took).toBeLessThanOrEqual(T.retryPeriodMs);
  });

  test('a leader cut off from the API steps down before anyone else can take over', async () => {
    const clock = new ManualClock();
    const lease = new MemoryLease();
    let cut = false;
    const a = candidate(lease, clock, 'a', () => cut);
    const b = candidate(lease, clock, 'b');
    a.e.start();
    await flush();
    b.e.start();
    await run(clock, 5_000, [a.e, b.e]);
    cut = true;
    const stepDown = await run(clock, 60_000, [a.e, b.e], () => !a.e.isLeader());
    expect(stepDown).toBeLessThanOrEqual(T.renewDeadlineMs);
    await run(clock, 60_000, [a.e, b.e], () => b.e.isLeader());
    expect(b.e.isLeader()).toBe(true);
    cut = false;
    await run(clock, 30_000, [a.e, b.e]);
    expect(a.e.isLeader()).toBe(false);
  });
});

describe('a stuck campaign is visible', () => {
  test('stalledMs stays 0 while attempts end, and grows while one hangs', async () => {
    const clock = new ManualClock();
    const lease = new MemoryLease();
    let hang = false;
    const store = lease.store();
    const hanging: LeaseStore = { ...store, get: () => (hang ? new Promise(() => undefined) : store.get()) };
    const e = new LeaderElector(hanging, 'a', clock, T, { started: () => undefined, stopped: () => undefined }, () => clock.now());
    e.start();
    await run(clock, 10_000, [e]);
    expect(e.isLeader()).toBe(true);
    expect(e.stalledMs()).toBe(0);
    hang = true;
    await run(clock, 30_000, [e]);
    // The last attempt ended at most one retry period after hanging began; it is 30 s late now.
    expect(e.stalledMs()).toBeGreaterThanOrEqual(26_000);
    expect(e.isLeader()).toBe(false);
    await e.stop(false);
    expect(e.stalledMs()).toBe(0);
  });
});
