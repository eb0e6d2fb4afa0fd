// SPDX-License-Identifier: Apache-2.0
/**
 * Notices our own event loop stalling: a tick per interval that fires late by `thresholdMs` or more
 * means we sent no heartbeats for that long. `onTick` hears how late every tick was (0: on time).
 * Pure: the clock is injected.
 */
import type { Clock, Timer } from '../../../../lib/clock.js';

export class StallWatch {
  #timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly thresholdMs: number,
    private readonly onStall: (lateMs: number) => void,
    private readonly onTick: (lateMs: number) => void = () => undefined,
  ) {}

  start(): void {
    this.#tick(this.clock.now() + this.everyMs);
  }

  #tick(due: number): void {
    this.#timer = this.clock.setTimeout(() => {
      const now = this.clock.now();
      const late = Math.max(0, now - due);
      this.#tick(now + this.everyMs);
      this.onTick(late);
      if (late >= this.thresholdMs) this.onStall(late);
    }, Math.max(0, due - this.clock.now()));
  }

  stop(): void {
    this.#timer?.cancel();
  }
}
