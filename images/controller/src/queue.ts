// SPDX-License-Identifier: Apache-2.0
/** The reconciler's work queue. Pure. */

/**
 * Keys in first-come order, each at most once. A Set drained from its front would do the same, but V8
 * skips the deleted slots on every take, which at 30k keys costs more than the rest of the queue.
 */
export class KeyQueue {
  #items: string[] = [];
  #head = 0;
  #keys = new Set<string>();

  get size(): number {
    return this.#keys.size;
  }

  has(key: string): boolean {
    return this.#keys.has(key);
  }

  /** Adds a key at the end, unless it is already waiting. */
  add(key: string): void {
    if (this.#keys.has(key)) return;
    this.#keys.add(key);
    this.#items.push(key);
  }

  /** The oldest waiting key, removed; undefined when none waits. */
  take(): string | undefined {
    while (this.#head < this.#items.length) {
      const key = this.#items[this.#head++];
      if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      if (key !== undefined && this.#keys.delete(key)) return key;
    }
    return undefined;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
    this.#keys.clear();
  }
}
