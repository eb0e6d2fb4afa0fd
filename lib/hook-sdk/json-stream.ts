// SPDX-License-Identifier: Apache-2.0
/** JSON streams: the hook output files may hold several JSON values one after another. */

/** End offset (exclusive) of the string starting at `i` (a quote). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  throw new Error(`unterminated JSON string at offset ${i}`);
}

/** End offset (exclusive) of the value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const first = text[i];
  if (first === '"') return stringEnd(text, i);
  if (first !== '{' && first !== '[') {
    let j = i;
    while (j < text.length && !/[\s{}[\]"]/.test(text[j] as string)) j++;
    return j === i ? i + 1 : j;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"') j = stringEnd(text, j) - 1;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  throw new Error(`unterminated JSON value at offset ${i}`);
}

/** Splits a stream of concatenated JSON values (whitespace-separated or not) and parses each. */
export function parseJsonStream(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  while (i < text.length) {
    if (/\s/.test(text[i] as string)) {
      i++;
      continue;
    }
    const end = valueEnd(text, i);
    out.push(JSON.parse(text.slice(i, end)));
    i = end;
  }
  return out;
}
