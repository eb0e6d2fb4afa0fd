// SPDX-License-Identifier: Apache-2.0
/** images/contents.yaml: what each final image holds, shared by the werf files and the offline build. Pure. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';

export interface ImageSpec {
  readonly entrypoint: readonly string[];
  readonly user: string;
  readonly binaries: readonly string[];
  readonly app: readonly string[];
}

export interface Contents {
  readonly node: string;
  readonly base: readonly string[];
  readonly images: Readonly<Record<string, ImageSpec>>;
  /** Repository paths of the module bundle and of the release image. */
  readonly bundle: readonly string[];
  readonly bundleExclude: readonly string[];
  readonly release: readonly string[];
}

/** Where a final image keeps the repository's files. */
export const APP_DIR = '/app';
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const strings = (v: unknown, what: string): string[] => {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) throw new Error(`images/contents.yaml: ${what} must be a list of non-empty strings`);
  return v as string[];
};

/** Parses and checks images/contents.yaml. */
export function parseContents(text: string): Contents {
  const doc = yaml.load(text) as Record<string, unknown> | null;
  if (!doc || typeof doc !== 'object') throw new Error('images/contents.yaml: not a mapping');
  if (typeof doc.node !== 'string' || !/^\d+\.\d+\.\d+$/.test(doc.node)) throw new Error('images/contents.yaml: node must be a version like 20.20.2');
  const images: Record<string, ImageSpec> = {};
  for (const [name, raw] of Object.entries((doc.images ?? {}) as Record<string, Record<string, unknown>>)) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`images/contents.yaml: image name "${name}" must be lower-case letters, digits and dashes`);
    if (typeof raw.user !== 'string' || !/^\d+:\d+$/.test(raw.user)) throw new Error(`images/contents.yaml: ${name}.user must be uid:gid`);
    const app = strings(raw.app, `${name}.app`);
    const bad = app.find((p) => p.startsWith('/') || p.split('/').includes('..'));
    if (bad) throw new Error(`images/contents.yaml: ${name}.app entry "${bad}" must be a path inside the repository`);
    images[name] = { entrypoint: strings(raw.entrypoint, `${name}.entrypoint`), user: raw.user, binaries: strings(raw.binaries, `${name}.binaries`), app };
  }
  if (Object.keys(images).length === 0) throw new Error('images/contents.yaml: no images');
  return {
    node: doc.node,
    base: strings(doc.base, 'base'),
    images,
    bundle: strings(doc.bundle, 'bundle'),
    bundleExclude: strings(doc.bundleExclude ?? [], 'bundleExclude'),
    release: strings(doc.release, 'release'),
  };
}

export function loadContents(root: string): Contents {
  return parseContents(fs.readFileSync(path.join(root, 'images/contents.yaml'), 'utf8'));
}

/** camelCase of an image name, the key Deckhouse uses in images_digests.json and global.modulesImages.digests. */
export function camelName(name: string): string {
  return name.replace(/[-_]+([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** Files of an installed npm package that a running program never reads: types, maps, sources, docs, tests, build leftovers. */
export function prunable(rel: string): boolean {
  const parts = rel.split('/');
  const base = parts[parts.length - 1] ?? '';
  if (/\.(d\.ts|d\.mts|d\.cts|map|ts|mts|cts|md|markdown|gyp|gypi|c|cc|cpp|h|hpp|o|a|mk|tsbuildinfo)$/i.test(base) && !/\.node$/.test(base)) return true;
  if (/^(\.npmignore|\.travis\.yml|appveyor\.yml|\.eslintrc.*|\.prettierrc.*|\.editorconfig|.*Makefile|tsconfig.*\.json|CHANGELOG.*|HISTORY.*)$/i.test(base)) return true;
  if (parts.some((p) => /^(test|tests|__tests__|docs?|example|examples|benchmark|benchmarks|\.github|deps|obj\.target|\.deps)$/i.test(p))) return true;
  // @types packages hold declarations only.
  if (parts.includes('@types')) return true;
  return false;
}
