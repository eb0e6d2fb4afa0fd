// SPDX-License-Identifier: Apache-2.0
/**
 * Paces unsolicited frames (probes, gratuitous ARP, unsolicited NA): a token bucket of `perSecond` frames with a
 * tenth of a second's worth at once, so taking over a thousand addresses spreads its announcements over a few
 * hundred milliseconds instead of one burst of thousands of broadcasts. Jobs run in the order they came and build
 * their frames when they run, so a job for an address released meanwhile sends nothing. Pure: the clock is injected.
 */
import type { Clock, Timer } from '../../../../../lib/clock.js';

/** Sends the frames of one job, now; returns how many it sent. */
export type PacedJob = () => number;

export class Pacer {
  readonly #jobs: PacedJob[] = [];
  #head = 0;
  readonly #burst: number;
  #tokens: number;
  #at: number;
  #timer: Timer | undefined;

  /** `perSecond` 0: no pacing, every job runs at once. */
  constructor(private readonly clock: Clock, private readonly perSecond: number) {
    this.#burst = Math.max(1, Math.ceil(perSecond / 10));
    this.#tokens = this.#burst;
    this.#at = clock.now();
  }

  /** Jobs waiting for their turn. */
  get waiting(): number {
    return this.#jobs.length - this.#head;
  }

  submit(job: PacedJob): void {
    if (this.perSecond <= 0) {
      job();
      return;
    }
    this.#jobs.push(job);
    if (!this.#timer) this.#drain();
  }

  #drain(): void {
    this.#timer = undefined;
    const now = this.clock.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) * this.perSecond) / 1000);
    this.#at = now;
    // A job may take the bucket below zero (all frames of one address go together); the next waits until it refills.
    while (this.#head < this.#jobs.length && this.#tokens >= 1) this.#tokens -= (this.#jobs[this.#head++] as PacedJob)();
    if (this.#head === this.#jobs.length) {
      this.#jobs.length = 0;
      this.#head = 0;
      return;
    }
    this.#timer = this.clock.setTimeout(() => this.#drain(), Math.max(1, Math.ceil(((1 - this.#tokens) * 1000) / this.perSecond)));
  }

  /** Drops every waiting job. */
  stop(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#jobs.length = 0;
    this.#head = 0;
  }
}
