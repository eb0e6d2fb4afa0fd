// SPDX-License-Identifier: Apache-2.0
/**
 * Work that recomputes everything from the current state, run once for any number of triggers. It waits
 * `minMs` after a trigger, or `factor` times as long as its last run took when that is longer, so a stream of
 * triggers (a burst of watch events) spends at most 1/(factor + 1) of the time in it, however much state there is.
 * A trigger during a run makes one more run after it. Pure: the clock is injected.
 */
import { systemClock, type Clock, type Timer } from './clock.js';

export class Coalescer {
  #timer: Timer | undefined;
  #running = false;
  #again = false;
  #stopped = false;
  #lastMs = 0;

  constructor(
    private readonly work: () => void | Promise<void>,
    private readonly minMs: number,
    private readonly factor: number,
    private readonly clock: Clock = systemClock,
  ) {}

  /** How long the next run waits after a trigger. */
  get delayMs(): number {
    return Math.max(this.minMs, this.factor * this.#lastMs);
  }

  trigger(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#timer ??= this.clock.setTimeout(() => void this.#run(), this.delayMs);
  }

  async #run(): Promise<void> {
    this.#timer = undefined;
    this.#running = true;
    const t0 = this.clock.now();
    try {
      await this.work();
    } finally {
      this.#lastMs = this.clock.now() - t0;
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.trigger();
      }
    }
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
