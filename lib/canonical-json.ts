// SPDX-License-Identifier: Apache-2.0
/** JSON text with object keys sorted, so equal objects give equal text (for hashes and comparisons). Pure. */

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

export function canonicalJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (isPlainObject(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
}
