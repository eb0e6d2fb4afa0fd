// SPDX-License-Identifier: Apache-2.0
/**
 * The static L2 speaker of the previous release, for tests of a rollout with two builds in one segment:
 * the sources of the commit before restart notices came in (found in git history), bundled with
 * esbuild beside dist/, so it loads this tree's native addons.
 */
import { buildSync } from 'esbuild';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from './lab.js';

/** The bundle, and the commit it was built from; or why it cannot be built here. */
export function previousSpeaker(): { main: string; commit: string } | { unavailable: string } {
  const git = (...args: string[]): string => execFileSync('git', ['-C', REPO, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  let commit: string;
  try {
    const added = git('log', '--reverse', '--format=%H', '-S', 'restartHoldMs', '--', 'images/speaker/src/health/liveness.ts').split('\n')[0];
    if (!added) return { unavailable: 'git history does not reach the release before restart notices (a shallow clone?)' };
    commit = git('rev-parse', `${added}^`);
  } catch {
    return { unavailable: 'no git history here' };
  }
  const out = path.join(REPO, 'dist/test/previous-speaker', commit.slice(0, 12), 'static-main.js');
  if (fs.existsSync(out)) return { main: out, commit };
  const src = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-prev-'));
  try {
    execFileSync('sh', ['-c', `git -C "$1" archive "$2" images/speaker/src lib | tar -x -C "$3"`, 'sh', REPO, commit, src]);
    buildSync({
      entryPoints: [path.join(src, 'images/speaker/src/l2/static-main.ts')],
      outfile: out,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      external: ['*.node'],
      nodePaths: [path.join(REPO, 'node_modules')],
      logLevel: 'error',
    });
  } finally {
    fs.rmSync(src, { recursive: true, force: true });
  }
  return { main: out, commit };
}
