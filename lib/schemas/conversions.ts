// SPDX-License-Identifier: Apache-2.0
/** ModuleConfig settings conversions (`openapi/conversions/vN.yaml`): jq programs from version N-1 to N. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readYaml, repoRoot } from './load.js';
import { isObject } from './schema.js';

/** One `vN.yaml`. */
export interface Conversion {
  version: number;
  /** jq expressions, joined with ` | ` when run. */
  conversions: string[];
  description: { en: string; ru: string };
}

/** Why settings could not be converted. */
export class ConversionError extends Error {
  constructor(readonly version: number, message: string) {
    super(`conversion to version ${version} failed: ${message}`);
    this.name = 'ConversionError';
  }
}

/** Runs one jq program on a JSON value. */
export type JqRunner = (program: string, input: unknown) => unknown;

/** Runs the `jq` binary (Deckhouse runs the same programs with gojq). */
export const jqBinary: JqRunner = (program, input) => {
  const out = execFileSync('jq', ['-c', program], { input: JSON.stringify(input), encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  return JSON.parse(out) as unknown;
};

/** Parses one conversion file's content; throws on a malformed file. Pure. */
export function parseConversion(doc: unknown, file: string): Conversion {
  if (!isObject(doc) || typeof doc.version !== 'number') throw new Error(`${file}: version must be a number`);
  const list = doc.conversions;
  if (!Array.isArray(list) || !list.every((c) => typeof c === 'string')) throw new Error(`${file}: conversions must be a list of jq expressions`);
  const d = isObject(doc.description) ? doc.description : {};
  if (typeof d.en !== 'string' || typeof d.ru !== 'string') throw new Error(`${file}: description.en and description.ru are required`);
  return { version: doc.version, conversions: list as string[], description: { en: d.en, ru: d.ru } };
}

/** Every `openapi/conversions/v*.yaml`, sorted by version. */
export function loadConversions(root: string = repoRoot()): Conversion[] {
  const dir = join(root, 'openapi/conversions');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^v\d+\.yaml$/.test(f))
    .map((f) => parseConversion(readYaml(join(dir, f)), `openapi/conversions/${f}`))
    .sort((a, b) => a.version - b.version);
}

/** The latest settings version: the highest conversion, or 1 without conversions. Pure. */
export function latestVersion(conversions: readonly Conversion[]): number {
  return conversions.reduce((max, c) => Math.max(max, c.version), 1);
}

/** Converts settings written for `from` to the latest version, one step at a time. */
export function convertSettings(settings: unknown, from: number, conversions: readonly Conversion[], jq: JqRunner = jqBinary): unknown {
  const latest = latestVersion(conversions);
  if (!Number.isInteger(from) || from < 1 || from > latest) throw new ConversionError(from, `unknown version ${from}, the latest is ${latest}`);
  let cur: unknown = settings ?? {};
  for (const c of conversions) {
    if (c.version <= from) continue;
    try {
      cur = jq(c.conversions.join(' | '), cur);
    } catch (e) {
      const err = e as { stderr?: unknown; message?: string };
      throw new ConversionError(c.version, String(err.stderr || err.message).trim());
    }
  }
  return cur;
}
