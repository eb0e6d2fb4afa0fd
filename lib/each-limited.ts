// SPDX-License-Identifier: Apache-2.0
/** Bounded concurrency for I/O over a list. */

/**
 * Calls `fn` on every item, at most `width` calls in flight, starting them in list order. Rejects with the first
 * error once the calls in flight have settled; items not started by then are not started.
 */
export async function eachLimited<T>(items: readonly T[], width: number, fn: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  let failed: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        await fn(items[i] as T, i);
      } catch (e) {
        failed ??= { error: e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(width, items.length)) }, worker));
  if (failed) throw failed.error;
}
