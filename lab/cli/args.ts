// SPDX-License-Identifier: Apache-2.0
/** Flag parsing shared by the lab's subcommands: `--name value`, `--name=value`, `--flag`. Pure. */

export interface Parsed {
  readonly flags: Map<string, string>;
  readonly positional: string[];
}

/** Parses args; `booleans` take no value; anything not in `known` is an error naming the usage. */
export function parseArgs(args: readonly string[], known: readonly string[], booleans: readonly string[], usage: string): Parsed {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/.exec(a);
    if (!m) {
      positional.push(a);
      continue;
    }
    const name = m[1] ?? '';
    if (!known.includes(name) && !booleans.includes(name)) throw new Error(`unknown flag --${name}\n${usage}`);
    if (booleans.includes(name)) {
      flags.set(name, m[2] ?? 'true');
      continue;
    }
    const v = m[2] ?? args[++i];
    if (v === undefined) throw new Error(`--${name} needs a value\n${usage}`);
    flags.set(name, v);
  }
  return { flags, positional };
}

/** An integer flag within bounds, or a clear error. */
export function intFlag(p: Parsed, name: string, def: number, min: number, max: number): number {
  const raw = p.flags.get(name);
  if (raw === undefined) return def;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got "${raw}"`);
  return v;
}

/** A number flag (may be fractional) within bounds. */
export function numFlag(p: Parsed, name: string, def: number, min: number, max: number): number {
  const raw = p.flags.get(name);
  if (raw === undefined) return def;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new Error(`--${name} must be a number in ${min}..${max}, got "${raw}"`);
  return v;
}
