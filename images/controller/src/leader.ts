// SPDX-License-Identifier: Apache-2.0
/**
 * Leader election on a coordination.k8s.io Lease, the way client-go does it: a lease is expired when its
 * record has not changed for leaseDuration by *our* clock, and the leader stops acting when it has not
 * renewed for renewDeadline, which is shorter, so two replicas never act at once.
 */
import type { Clock, Timer } from '../../../lib/clock.js';

/** The fields of a Lease the election reads and writes. */
export interface LeaseRecord {
  holder: string;
  durationSeconds: number;
  /** Wall-clock ms of the holder's last renewal (informational; expiry uses the local clock). */
  renewTime: number;
  acquireTime: number;
  transitions: number;
  /** Opaque; replace() fails with a conflict when it is stale. */
  resourceVersion?: string | undefined;
}

/** Where the Lease lives; the Kubernetes one is in k8s.ts. */
export interface LeaseStore {
  get(): Promise<LeaseRecord | undefined>;
  /** Rejects when someone else created it first. */
  create(r: LeaseRecord): Promise<LeaseRecord>;
  /** Rejects on a stale resourceVersion. */
  replace(r: LeaseRecord): Promise<LeaseRecord>;
}

export interface ElectionTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** Kubernetes' defaults: 15 s / 10 s / 2 s. */
export const DEFAULT_TIMING: ElectionTiming = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/** What to do after reading the lease. Pure. */
export function decide(r: LeaseRecord | undefined, me: string, observedAt: number, now: number, leaseDurationMs: number): 'create' | 'renew' | 'acquire' | 'wait' {
  if (!r) return 'create';
  if (r.holder === me) return 'renew';
  if (r.holder === '' || now - observedAt >= leaseDurationMs) return 'acquire';
  return 'wait';
}

export interface ElectorEvents {
  started(): void;
  stopped(): void;
  error?(e: Error): void;
}

export class LeaderElector {
  #observed: LeaseRecord | undefined;
  #observedAt = 0;
  #renewedAt = Number.NEGATIVE_INFINITY;
  #leading = false;
  #timer: Timer | undefined;
  #stopped = false;
  /** When the last attempt (successful or not) ended, by the monotonic clock. */
  #tickedAt: number | undefined;

  constructor(
    private readonly store: LeaseStore,
    private readonly me: string,
    private readonly clock: Clock,
    private readonly timing: ElectionTiming,
    private readonly events: ElectorEvents,
    private readonly wallClock: () => number = Date.now,
  ) {}

  /** True while this replica may act: it holds the lease and renewed it within renewDeadline. */
  isLeader(): boolean {
    return this.#leading && this.clock.now() - this.#renewedAt < this.timing.renewDeadlineMs;
  }

  start(): void {
    this.#stopped = false;
    this.#tickedAt = this.clock.now();
    void this.#tick();
  }

  /** How long the campaign loop has not completed an attempt (0 when not campaigning): a hung API call shows here. */
  stalledMs(): number {
    return this.#stopped || this.#tickedAt === undefined ? 0 : Math.max(0, this.clock.now() - this.#tickedAt - this.timing.retryPeriodMs);
  }

  /** Stops campaigning; a leader hands the lease back so the other replica takes over at once. */
  async stop(release = true): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    const wasLeading = this.#leading;
    this.#setLeading(false);
    if (release && wasLeading && this.#observed?.holder === this.me) {
      try {
        await this.store.replace({ ...this.#observed, holder: '', durationSeconds: 1, renewTime: this.wallClock() });
      } catch {
        // Someone else has it already, or the API is gone: either way it expires on its own.
      }
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#tryOnce();
    } catch (e) {
      this.events.error?.(e as Error);
    }
    this.#tickedAt = this.clock.now();
    if (this.#leading && !this.isLeader()) this.#setLeading(false);
    if (!this.#stopped) this.#timer = this.clock.setTimeout(() => void this.#tick(), this.timing.retryPeriodMs);
  }

  async #tryOnce(): Promise<void> {
    const r = await this.store.get();
    const now = this.clock.now();
    if (!sameRecord(r, this.#observed)) {
      this.#observed = r;
      this.#observedAt = now;
    }
    const wall = this.wallClock();
    const durationSeconds = Math.ceil(this.timing.leaseDurationMs / 1000);
    switch (decide(r, this.me, this.#observedAt, now, this.timing.leaseDurationMs)) {
      case 'wait':
        if (this.#leading) this.#setLeading(false);
        return;
      case 'create':
        this.#won(await this.store.create({ holder: this.me, durationSeconds, renewTime: wall, acquireTime: wall, transitions: 0 }), now);
        return;
      case 'renew':
        if (!r) return;
        this.#won(await this.store.replace({ ...r, durationSeconds, renewTime: wall }), now);
        return;
      case 'acquire':
        if (!r) return;
        this.#won(await this.store.replace({ ...r, holder: this.me, durationSeconds, renewTime: wall, acquireTime: wall, transitions: r.transitions + 1 }), now);
        return;
    }
  }

  #won(r: LeaseRecord, at: number): void {
    if (this.#stopped) return;
    this.#observed = r;
    this.#observedAt = at;
    this.#renewedAt = at;
    this.#setLeading(true);
  }

  #setLeading(v: boolean): void {
    if (v === this.#leading) return;
    this.#leading = v;
    if (v) this.events.started();
    else this.events.stopped();
  }
}

function sameRecord(a: LeaseRecord | undefined, b: LeaseRecord | undefined): boolean {
  if (!a || !b) return a === b;
  return a.holder === b.holder && a.renewTime === b.renewTime && a.resourceVersion === b.resourceVersion && a.transitions === b.transitions;
}
