// SPDX-License-Identifier: Apache-2.0
/**
 * The staging steps the werf build runs (.werf/stages/node-build.yaml), the same code `make images` uses:
 *   stage prune <node_modules>                        drop what a running program never reads
 *   stage binaries <image> <dest> [--node <binary>]   copy the image's binaries and their shared libraries
 */
import * as path from 'node:path';
import { loadContents } from './contents.js';
import { pruneNodeModules, stageBinaries } from './rootfs.js';

function main(argv: string[]): void {
  const [cmd, a, b, flag, node] = argv;
  if (cmd === 'prune' && a) return pruneNodeModules(path.resolve(a));
  if (cmd === 'binaries' && a && b) {
    const root = path.resolve(__dirname, '../../..');
    const spec = loadContents(root).images[a];
    if (!spec) throw new Error(`no image ${a} in images/contents.yaml`);
    return stageBinaries(spec, root, path.resolve(b), flag === '--node' && node ? { '/usr/bin/node': node } : {});
  }
  throw new Error('usage: stage prune <node_modules> | stage binaries <image> <dest> [--node <binary>]');
}

try {
  main(process.argv.slice(2));
} catch (e) {
  console.error(`stage: ${(e as Error).message}`);
  process.exit(1);
}
