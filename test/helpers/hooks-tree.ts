// SPDX-License-Identifier: Apache-2.0
/**
 * Compiles TS sources (with swc, no type check) into a scratch tree inside the repo, so tests can run
 * a batch executable over fixture hooks without a full build. Node resolves node_modules from the repo.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { transformFileSync } from '@swc/core';

/** The repository: the nearest directory above this file holding module.yaml (also when run from dist/). */
export const repoRoot = ((): string => {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'module.yaml')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();

function compileDir(src: string, out: string): void {
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    if (e.isDirectory()) compileDir(s, path.join(out, e.name));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts')) {
      const { code } = transformFileSync(s, { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' }, sourceMaps: false });
      fs.mkdirSync(out, { recursive: true });
      fs.writeFileSync(path.join(out, e.name.replace(/\.ts$/, '.js')), code);
    }
  }
}

/**
 * Compiles `dirs` (repo-relative) into `<repo>/test/out/<name>` and writes `<tree>/batch`, an executable
 * serving the `app` exported by `<tree>/<registry>.js`. Returns the tree's root.
 */
export function buildHooksTree(name: string, dirs: string[], registry: string): { root: string; batch: string; remove(): void } {
  const root = path.join(repoRoot, 'test', 'out', name);
  fs.rmSync(root, { recursive: true, force: true });
  for (const d of dirs) compileDir(path.join(repoRoot, d), path.join(root, d));
  const batch = path.join(root, 'batch');
  fs.writeFileSync(
    batch,
    `#!/usr/bin/env node\n'use strict';\nconst path = require('node:path');\nrequire(path.join(__dirname, 'lib/hook-sdk/batch.js')).main(require(path.join(__dirname, ${JSON.stringify(registry + '.js')})).app);\n`,
    { mode: 0o755 },
  );
  return { root, batch, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}
