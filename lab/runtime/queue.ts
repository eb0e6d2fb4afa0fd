// SPDX-License-Identifier: Apache-2.0
/**
 * Named task queues as addon-operator runs them: one task at a time per queue, a task merged into the waiting
 * task of the same key wherever it waits (shell-operator's queue compaction), a failing task retried at the head
 * with exponential backoff (the queue waits).
 */
import type { Clock, Timer } from '../../lib/clock.js';

export interface Task {
  /** A task is merged into the waiting (not started) task of the same key in its queue, through `merge`. */
  key: string;
  run(): Promise<void>;
  /** Merges a later task of the same key into this one; false when they must stay apart. */
  merge?(later: Task): boolean;
  /** Dropped after a failure instead of retried (allowFailure). */
  allowFailure?: boolean;
  /** Called on each failure (for logs and metrics). */
  failed?(err: Error, attempt: number): void;
}

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

/** Delay before retry number `attempt` (1-based): base·2^(attempt-1), capped. Pure. */
export function backoffDelay(b: Backoff, attempt: number): number {
  return Math.min(b.maxMs, b.baseMs * 2 ** Math.max(0, attempt - 1));
}

class Queue {
  tasks: Task[] = [];
  busy = false;
  /** key -> the task of that key that has not started yet (the merge target). */
  waiting = new Map<string, Task>();
}

export class Queues {
  #queues = new Map<string, Queue>();
  #clock: Clock;
  #backoff: Backoff;
  #idle: (() => void)[] = [];
  #stopped = false;
  #paused = true;
  #timers = new Set<Timer>();

  constructor(clock: Clock, backoff: Backoff) {
    this.#clock = clock;
    this.#backoff = backoff;
  }

  /** Merges the task into the waiting task of its key in the queue, or appends it. */
  push(queue: string, t: Task): void {
    let q = this.#queues.get(queue);
    if (!q) this.#queues.set(queue, (q = new Queue()));
    const target = q.waiting.get(t.key);
    if (!target?.merge?.(t)) {
      q.tasks.push(t);
      if (t.merge) q.waiting.set(t.key, t);
    }
    this.#kick(q);
  }

  /** Whether a task with this key waits (not yet started) in the queue. */
  has(queue: string, key: string): boolean {
    const q = this.#queues.get(queue);
    return !!q && q.tasks.some((t, i) => t.key === key && !(i === 0 && q.busy));
  }

  /** Tasks in every queue, started or not. */
  get length(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.tasks.length;
    return n;
  }

  /** Starts processing (tasks pushed before wait until then). */
  resume(): void {
    this.#paused = false;
    for (const q of this.#queues.values()) this.#kick(q);
  }

  /** Stops taking tasks; pending retries are cancelled. */
  stop(): void {
    this.#stopped = true;
    for (const t of this.#timers) t.cancel();
    this.#timers.clear();
  }

  /** Resolves when no queue has work. */
  idle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  #isIdle(): boolean {
    return [...this.#queues.values()].every((q) => !q.busy && q.tasks.length === 0);
  }

  #kick(q: Queue): void {
    if (q.busy || this.#paused || this.#stopped) return;
    const t = q.tasks[0];
    if (!t) {
      if (this.#isIdle()) for (const r of this.#idle.splice(0)) r();
      return;
    }
    q.busy = true;
    // Started: what comes now waits for the next run.
    if (q.waiting.get(t.key) === t) q.waiting.delete(t.key);
    void this.#attempt(q, t, 1);
  }

  async #attempt(q: Queue, t: Task, attempt: number): Promise<void> {
    if (this.#stopped) return;
    try {
      await t.run();
    } catch (e) {
      t.failed?.(e as Error, attempt);
      if (!t.allowFailure && !this.#stopped) {
        const timer = this.#clock.setTimeout(() => {
          this.#timers.delete(timer);
          void this.#attempt(q, t, attempt + 1);
        }, backoffDelay(this.#backoff, attempt));
        this.#timers.add(timer);
        return;
      }
    }
    q.tasks.shift();
    q.busy = false;
    this.#kick(q);
    if (this.#isIdle()) for (const r of this.#idle.splice(0)) r();
  }
}
