// SPDX-License-Identifier: Apache-2.0
/** Values as a hook sees them: reads over a JSON document, writes recorded as RFC 6902 operations. */

export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** A path: dotted (`metallb.internal.pools`) or a list of keys (for keys holding dots). */
export type ValuesPath = string | readonly string[];

function keys(p: ValuesPath): string[] {
  const k = typeof p === 'string' ? p.split('.') : [...p];
  if (k.length === 0 || k.some((s) => s === '')) throw new Error(`bad values path ${JSON.stringify(p)}`);
  return k;
}

/** JSON Pointer (RFC 6901) of a list of keys. */
export function pointer(k: readonly string[]): string {
  return k.map((s) => '/' + s.replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Values with recorded writes. `root` limits writes to one top-level key (the module's), as addon-operator does.
 * Writes apply to the local copy too, so later reads see them.
 */
export class PatchableValues {
  #doc: Record<string, unknown>;
  #ops: JsonPatchOp[] = [];
  #root: string | undefined;

  constructor(doc: unknown, root?: string) {
    this.#doc = isObject(doc) ? structuredClone(doc) : {};
    this.#root = root;
  }

  /** The value at `path`, or undefined. */
  get<T = unknown>(path: ValuesPath): T | undefined {
    let cur: unknown = this.#doc;
    for (const k of keys(path)) {
      if (Array.isArray(cur) && /^\d+$/.test(k)) cur = cur[Number(k)];
      else if (isObject(cur)) cur = cur[k];
      else return undefined;
    }
    return cur as T | undefined;
  }

  has(path: ValuesPath): boolean {
    return this.get(path) !== undefined;
  }

  /** Sets `path` to `value` (creating missing parent objects). Emits `add` operations. */
  set(path: ValuesPath, value: unknown): void {
    const k = this.#checked(path);
    if (value === undefined) throw new Error(`values path ${pointer(k)}: undefined is not a value (use remove)`);
    let cur: Record<string, unknown> = this.#doc;
    for (let i = 0; i < k.length - 1; i++) {
      const key = k[i] as string;
      const next = cur[key];
      if (!isObject(next)) {
        if (next !== undefined) throw new Error(`values path ${pointer(k.slice(0, i + 1))} is not an object`);
        cur[key] = {};
        this.#ops.push({ op: 'add', path: pointer(k.slice(0, i + 1)), value: {} });
      }
      cur = cur[key] as Record<string, unknown>;
    }
    const v = structuredClone(value);
    cur[k[k.length - 1] as string] = v;
    this.#ops.push({ op: 'add', path: pointer(k), value: structuredClone(v) });
  }

  /** Removes `path` if present (a no-op otherwise, so the patch never fails). */
  remove(path: ValuesPath): void {
    const k = this.#checked(path);
    const parent = this.get(k.slice(0, -1));
    const last = k[k.length - 1] as string;
    if (!isObject(parent) || !(last in parent)) return;
    delete parent[last];
    this.#ops.push({ op: 'remove', path: pointer(k) });
  }

  /** The recorded RFC 6902 operations, in order. */
  patches(): JsonPatchOp[] {
    return this.#ops.map((o) => structuredClone(o));
  }

  /** A copy of the current document. */
  toJSON(): Record<string, unknown> {
    return structuredClone(this.#doc);
  }

  #checked(path: ValuesPath): string[] {
    const k = keys(path);
    if (this.#root !== undefined && k[0] !== this.#root) throw new Error(`values path ${pointer(k)} is outside "${this.#root}"`);
    if (k.length < 2) throw new Error(`values path ${pointer(k)} would replace a whole top-level key`);
    return k;
  }
}
