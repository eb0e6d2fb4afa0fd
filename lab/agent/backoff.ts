// SPDX-License-Identifier: Apache-2.0
/** The kubelet's container restart back-off: immediate first restart, then doubling up to a cap; reset after a long clean run. Pure. */

export interface BackoffPolicy {
  /** Delay after the second crash in a row; doubles each time. */
  readonly baseMs: number;
  readonly maxMs: number;
  /** A run this long resets the back-off. */
  readonly resetAfterMs: number;
}

/** The kubelet's own figures (10 s doubling to 5 min, reset after 10 min). */
export const KUBELET_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/** The lab's figures: same shape, shorter, so faults heal within a demo. */
export const LAB_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 8_000, resetAfterMs: 30_000 };

/** The restart state of one container. */
export interface RestartState {
  readonly restarts: number;
  /** Crashes in a row without a reset. */
  readonly streak: number;
}

export const FRESH: RestartState = { restarts: 0, streak: 0 };

/** After an exit that ran `ranMs`: the next state and how long to wait before starting again. */
export function nextRestart(p: BackoffPolicy, s: RestartState, ranMs: number): { state: RestartState; delayMs: number } {
  const streak = ranMs >= p.resetAfterMs ? 0 : s.streak;
  const delayMs = streak === 0 ? 0 : Math.min(p.maxMs, p.baseMs * 2 ** (streak - 1));
  return { state: { restarts: s.restarts + 1, streak: streak + 1 }, delayMs };
}
