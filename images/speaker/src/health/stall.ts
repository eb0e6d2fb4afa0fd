// SPDX-License-Identifier: Apache-2.0
/**
 * Notices our own event loop stalling: a tick per interval that fires late by `thresholdMs` or more
 * means we sent no heartbeats for that long. Pure: the clock is injected.
 */
import type { Clock, Timer } from '../../../../lib/clock.js';

export class StallWatch {
  #timer: Timer | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly everyMs: number,
    private readonly thresholdMs: number,
    private readonly onStall: (lateMs: number) => void,
  ) {}

  start(): void {
    this.#tick(this.clock.now() + this.everyMs);
  }

  #tick(due: number): void {
    this.#timer = this.clock.setTimeout(() => {
      const now = this.clock.now();
      this.#tick(now + this.everyMs);
      if (now - due >= this.thresholdMs) this.onStall(now - due);
    }, Math.max(0, due - this.clock.now()));
  }

  stop(): void {
    this.#timer?.cancel();
  }
}
