// SPDX-License-Identifier: Apache-2.0
import { waitFor } from '../../lab/sys.js';

/** The lab's waitFor for tests: polls until `fn` returns a truthy value (false means "not yet"), 20 s by default. */
export function until<T>(what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  return waitFor<T>(what, async () => ((await fn()) || undefined) as T | undefined, timeoutMs, everyMs);
}
