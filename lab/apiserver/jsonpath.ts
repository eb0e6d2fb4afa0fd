// SPDX-License-Identifier: Apache-2.0
/** The JSONPath subset printer columns use: `.a.b`, `.a[0]`, `.a[*].b`, `.a[?(@.type=="Ready")].status`. Pure. */
import { isRecord } from './types.js';

/** Every value the path reaches, in order. */
export function evalPath(obj: unknown, path: string): unknown[] {
  const tokens = path.replace(/^\{|\}$/g, '').replace(/^\$/, '').match(/\.[^.[\]]+|\[[^\]]*\]/g) ?? [];
  let cur: unknown[] = [obj];
  for (const tok of tokens) {
    const next: unknown[] = [];
    for (const v of cur) {
      if (tok.startsWith('.')) {
        if (isRecord(v) && v[tok.slice(1)] !== undefined) next.push(v[tok.slice(1)]);
        continue;
      }
      if (!Array.isArray(v)) continue;
      const inner = tok.slice(1, -1);
      const filter = inner.match(/^\?\(@\.([\w.]+)\s*==\s*["']?([^"']*)["']?\)$/);
      if (inner === '*') next.push(...v);
      else if (filter) next.push(...v.filter((x) => String(evalPath(x, `.${filter[1] ?? ''}`)[0]) === filter[2]));
      else if (/^-?\d+$/.test(inner)) {
        const i = Number(inner);
        const x = v[i < 0 ? v.length + i : i];
        if (x !== undefined) next.push(x);
      }
    }
    cur = next;
  }
  return cur;
}
