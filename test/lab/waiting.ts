// SPDX-License-Identifier: Apache-2.0
/**
 * What the lab's converged scenario still waits on, in one place for the end-to-end and chaos tests.
 * While set, the tests that need a converged lab are skipped with this text in their titles.
 */
export const WAITING_ON: string | undefined = undefined;

/** `test`, or `test.skip` with the reason in the title while the lab cannot converge. */
export function whenConverged(title: string, fn: () => unknown, timeout?: number): void {
  if (WAITING_ON) test.skip(`[skipped: waiting for ${WAITING_ON}] ${title}`, () => undefined);
  else test(title, fn as () => Promise<void>, timeout);
}
