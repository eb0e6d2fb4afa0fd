// SPDX-License-Identifier: Apache-2.0
/** Pieces of jqFilter programs that project objects to the fields a hook reads. */

/** Drops the null fields of the object at hand (a picked field the object lacks comes out null). */
export const JQ_COMPACT = 'with_entries(select(.value != null))';

/** Keeps only the listed keys of a (possibly missing) string map. */
export function jqPickKeys(keys: readonly string[]): string {
  return `((. // {}) | with_entries(select(.key | IN(${keys.map((k) => JSON.stringify(k)).join(', ')}))))`;
}
