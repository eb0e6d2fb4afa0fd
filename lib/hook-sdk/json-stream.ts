// SPDX-License-Identifier: Apache-2.0
/** JSON streams: the hook output files may hold several JSON values one after another. */

/** Splits a stream of concatenated JSON values (whitespace-separated or not). */
export function parseJsonStream(text: string): unknown[] {
  const out: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i] as string)) i++;
    if (i >= n) break;
    const start = i;
    const first = text[i];
    if (first === '{' || first === '[') {
      let depth = 0;
      let inStr = false;
      for (; i < n; i++) {
        const c = text[i];
        if (inStr) {
          if (c === '\\') i++;
          else if (c === '"') inStr = false;
        } else if (c === '"') inStr = true;
        else if (c === '{' || c === '[') depth++;
        else if (c === '}' || c === ']') {
          depth--;
          if (depth === 0) {
            i++;
            break;
          }
        }
      }
      if (depth !== 0) throw new Error(`unterminated JSON value at offset ${start}`);
    } else {
      while (i < n && !/\s/.test(text[i] as string)) i++;
    }
    out.push(JSON.parse(text.slice(start, i)));
  }
  return out;
}
