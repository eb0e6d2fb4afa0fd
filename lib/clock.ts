// SPDX-License-Identifier: Apache-2.0
/** Time as the pure cores see it: injected, so tests drive it by hand. */
export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimeout(fn: () => void, ms: number): Timer;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(t) };
  },
};

interface Due {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** A clock that only moves when told to; timers fire in due order (then in the order they were set) during advance(). */
export class ManualClock implements Clock {
  #now = 0;
  #seq = 0;
  // a binary min-heap by (at, seq); cancelled timers stay until they come up
  readonly #heap: Due[] = [];

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): Timer {
    const d: Due = { at: this.#now + Math.max(0, ms), seq: this.#seq++, fn, cancelled: false };
    this.#push(d);
    return { cancel: () => (d.cancelled = true) };
  }

  advance(ms: number): void {
    const end = this.#now + ms;
    for (let d = this.#next(end); d; d = this.#next(end)) {
      this.#now = d.at;
      d.fn();
    }
    this.#now = end;
  }

  /** Time jumps `ms` ahead as over a stalled event loop: then every overdue timer fires, late, in due order. */
  stall(ms: number): void {
    this.#now += ms;
    for (let d = this.#next(this.#now); d; d = this.#next(this.#now)) d.fn();
  }

  /** Takes the earliest live timer due by `end`. */
  #next(end: number): Due | undefined {
    for (;;) {
      const top = this.#heap[0];
      if (!top || top.at > end) return undefined;
      this.#pop();
      if (!top.cancelled) return top;
    }
  }

  #before(a: Due, b: Due): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(d: Due): void {
    const h = this.#heap;
    h.push(d);
    for (let i = h.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (!this.#before(h[i] as Due, h[p] as Due)) break;
      [h[i], h[p]] = [h[p] as Due, h[i] as Due];
      i = p;
    }
  }

  #pop(): void {
    const h = this.#heap;
    const last = h.pop();
    if (!last || h.length === 0) return;
    h[0] = last;
    for (let i = 0; ;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.#before(h[l] as Due, h[m] as Due)) m = l;
      if (r < h.length && this.#before(h[r] as Due, h[m] as Due)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as Due, h[i] as Due];
      i = m;
    }
  }
}
