// SPDX-License-Identifier: Apache-2.0
/** Every name in lib/api is declared there once, and no other source file declares a constant of its own for it. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as api from './index.js';

const ROOT = path.resolve(__dirname, '..', '..');
const API_DIR = path.join(ROOT, 'lib', 'api');
const SCANNED = ['lib', 'hooks/src', 'images', 'lab', 'bench', 'scripts', 'test'];
const SKIPPED = new Set(['node_modules', 'dist', 'build', 'out', 'fixtures']);
/** Tests spell wire names out on purpose: they check the constants, not use them. */
const isSource = (file: string): boolean => file.endsWith('.ts') && !/\.(test|generated|d)\.ts$/.test(file);

/** The names lib/api declares: strings, lists of strings and resources' groups, kinds and plurals (bare versions are too common to count). */
function declaredNames(): Set<string> {
  const out = new Set<string>();
  const add = (v: unknown): void => {
    if (typeof v === 'string' && !/^v\d/.test(v)) out.add(v);
    else if (Array.isArray(v)) v.forEach(add);
    else if (v && typeof v === 'object') for (const k of ['group', 'kind', 'plural'] as const) add((v as Record<string, unknown>)[k]);
  };
  Object.values(api).forEach(add);
  return out;
}

const STR = String.raw`'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|\`[^\`$\\]*\``;
const KEY = String.raw`[\w$]+|${STR}`;
const LIST = String.raw`\[\s*(?:(?:${STR})\s*,\s*)*(?:(?:${STR})\s*,?\s*)?\]`;
const RECORD = String.raw`\{\s*(?:(?:${KEY})\s*:\s*(?:${STR})\s*,\s*)*(?:(?:${KEY})\s*:\s*(?:${STR})\s*,?\s*)?\}`;
/** `const NAME[: type] = <literal, list of literals or record of literals> [as const];` */
const DECLARATION = new RegExp(String.raw`\b(?:const|let|var)\s+([\w$]+)\s*(?::[^=;\n]+)?=\s*(${STR}|${LIST}|${RECORD})(?:\s+as\s+const)?\s*[;\n]`, 'g');
const LITERAL = new RegExp(STR, 'g');

const unquote = (s: string): string => s.slice(1, -1).replace(/\\(.)/g, '$1');

/** Constants in `source` whose value is made only of literals and holds one of `names`. */
export function secondDeclarations(source: string, names: ReadonlySet<string>): { line: number; constant: string; name: string }[] {
  const out: { line: number; constant: string; name: string }[] = [];
  for (const m of source.matchAll(DECLARATION)) {
    for (const lit of (m[2] ?? '').match(LITERAL) ?? []) {
      const name = unquote(lit);
      if (names.has(name)) out.push({ line: source.slice(0, m.index).split('\n').length, constant: m[1] ?? '', name });
    }
  }
  return out;
}

function sources(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return SKIPPED.has(e.name) || p === API_DIR ? [] : sources(p);
    return isSource(e.name) ? [p] : [];
  });
}

describe('shared API names', () => {
  const names = declaredNames();

  test('the detector finds constants that repeat a name, and only those', () => {
    const text = [
      "export const EXCLUDE = 'node.kubernetes.io/exclude-from-external-load-balancers';",
      "const R = { group: 'internal.network.deckhouse.io', version: 'v1alpha1', plural: 'x' } as const;",
      "const L: readonly string[] = ['a', 'metallb.io/address-pool'];",
      "const used = labels['node.kubernetes.io/exclude-from-external-load-balancers'];",
      "const other = 'something-else';",
    ].join('\n');
    expect(secondDeclarations(text, names).map((d) => [d.line, d.constant])).toEqual([[1, 'EXCLUDE'], [2, 'R'], [3, 'L']]);
  });

  test('lib/api spells each name once', () => {
    const seen = new Map<string, string[]>();
    for (const f of fs.readdirSync(API_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      for (const lit of fs.readFileSync(path.join(API_DIR, f), 'utf8').match(LITERAL) ?? []) {
        const v = unquote(lit);
        if (names.has(v)) seen.set(v, [...(seen.get(v) ?? []), f]);
      }
    }
    expect([...seen].filter(([, files]) => files.length > 1)).toEqual([]);
  });

  test('no other file declares a constant of its own for a name lib/api declares', () => {
    const found: string[] = [];
    for (const f of SCANNED.flatMap((d) => sources(path.join(ROOT, d)))) {
      for (const d of secondDeclarations(fs.readFileSync(f, 'utf8'), names)) found.push(`${path.relative(ROOT, f)}:${d.line} ${d.constant} = '${d.name}'`);
    }
    expect(found).toEqual([]);
  });
});
