// SPDX-License-Identifier: Apache-2.0
/**
 * Module values as addon-operator keeps them: config values (settings with defaults), then the
 * openapi defaults of values.yaml, then the hooks' in-memory JSON patches; validated after each change. Pure.
 */
import { applyOperation } from 'fast-json-patch';
import type { JsonPatchOp } from '../../lib/hook-sdk/index.js';
import { formatFieldError, type SchemaValidator } from '../../lib/schemas/index.js';

/** Whether `path` is `p` or below it. */
function under(path: string, p: string): boolean {
  return path === p || path.startsWith(p + '/');
}

/** Appends ops, dropping earlier ones a later add/replace/remove of the same or a parent path overrides. */
export function compactPatches(prev: readonly JsonPatchOp[], next: readonly JsonPatchOp[]): JsonPatchOp[] {
  let out = [...prev];
  for (const op of next) {
    if (op.op === 'add' || op.op === 'replace' || op.op === 'remove') out = out.filter((o) => !under(o.path, op.path));
    if (op.op !== 'test') out.push(op);
  }
  return out;
}

/** Applies ops one by one; an op that no longer applies (its parent gone after a settings change) is skipped. */
export function applyPatches(doc: unknown, ops: readonly JsonPatchOp[]): { doc: unknown; skipped: JsonPatchOp[] } {
  let cur = structuredClone(doc);
  const skipped: JsonPatchOp[] = [];
  for (const op of ops) {
    try {
      cur = applyOperation(cur, structuredClone(op) as never, true, true, false).newDocument;
    } catch {
      skipped.push(op);
    }
  }
  return { doc: cur, skipped };
}

export interface ValuesCheck {
  ok: boolean;
  /** The full values document (`global` + module key). Shared: never change it. */
  values: Record<string, unknown>;
  errors: string[];
}

/** The layered values of one module. */
export class ModuleValues {
  #module: string;
  #global: Record<string, unknown>;
  #validate: SchemaValidator;
  #config: Record<string, unknown> = {};
  #patches: JsonPatchOp[] = [];
  #configPatches: JsonPatchOp[] = [];
  // the committed values, checked, until they change (a hook run reads them twice, and most runs change nothing)
  #current: ValuesCheck | undefined;
  #currentConfig: Record<string, unknown> | undefined;

  /** `validate` checks the module part (values.yaml with x-extend resolved) and applies its defaults. */
  constructor(module: string, global: Record<string, unknown>, validate: SchemaValidator) {
    this.#module = module;
    this.#global = structuredClone(global);
    this.#validate = validate;
  }

  /** Sets the config values (converted settings, defaults applied). */
  setConfig(config: Record<string, unknown>): void {
    this.#config = structuredClone(config);
    this.#current = this.#currentConfig = undefined;
  }

  /** What the hooks' CONFIG_VALUES_PATH gets: settings plus config-values patches. Shared: never change it. */
  configValues(): Record<string, unknown> {
    const base = { global: this.#global, [this.#module]: this.#config };
    this.#currentConfig ??= applyPatches(base, this.#configPatches).doc as Record<string, unknown>;
    return this.#currentConfig;
  }

  /** The values with the given extra patches (not committed), validated; without extras, the committed values as last checked. */
  check(extra: readonly JsonPatchOp[] = [], extraConfig: readonly JsonPatchOp[] = []): ValuesCheck {
    if (extra.length === 0 && extraConfig.length === 0) return (this.#current ??= this.#check([], []));
    return this.#check(extra, extraConfig);
  }

  #check(extra: readonly JsonPatchOp[], extraConfig: readonly JsonPatchOp[]): ValuesCheck {
    const cfg = applyPatches({ global: this.#global, [this.#module]: this.#config }, compactPatches(this.#configPatches, extraConfig)).doc as Record<string, unknown>;
    const pre = this.#validate(cfg[this.#module] ?? {});
    const base = { global: this.#global, [this.#module]: pre.object };
    const { doc } = applyPatches(base, compactPatches(this.#patches, extra));
    const values = doc as Record<string, unknown>;
    const r = this.#validate(values[this.#module]);
    return { ok: r.valid, values: { ...values, [this.#module]: r.object }, errors: r.errors.map(formatFieldError) };
  }

  /** Keeps the patches of a successful run. */
  commit(ops: readonly JsonPatchOp[], configOps: readonly JsonPatchOp[] = []): void {
    if (ops.length === 0 && configOps.length === 0) return;
    this.#patches = compactPatches(this.#patches, ops);
    this.#configPatches = compactPatches(this.#configPatches, configOps);
    this.#current = this.#currentConfig = undefined;
  }

  /** The in-memory patches (for tests and debugging). */
  patches(): JsonPatchOp[] {
    return structuredClone(this.#patches);
  }
}
