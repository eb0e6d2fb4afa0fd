// SPDX-License-Identifier: Apache-2.0
/**
 * Image sizes: each image's compressed size (what a node pulls: layers, config and manifest) against its floor,
 * the Node.js binary the image carries, gzipped alone in this run. The budget is 1.5x.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { loadContents } from '../scripts/images/contents.js';
import { result, type BenchResult } from './result.js';

const ROOT = path.resolve(__dirname, '../..');
const MIB = 2 ** 20;

/** Bytes a pull transfers: the manifest, the config and every (compressed) layer. */
function pulledBytes(archive: string): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-bench-image-'));
  try {
    execFileSync('tar', ['xf', archive, '-C', dir]);
    const blob = (d: string) => path.join(dir, 'blobs', ...d.split(':'));
    const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string; size: number }[] };
    const m = index.manifests[0]!;
    const manifest = JSON.parse(fs.readFileSync(blob(m.digest), 'utf8')) as { config: { size: number }; layers: { size: number }[] };
    return m.size + manifest.config.size + manifest.layers.reduce((s, l) => s + l.size, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  execFileSync('flock', [path.join(ROOT, '.cache/images.lock'), 'node', path.join(ROOT, 'dist/scripts/images/build.js')], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const contents = loadContents(ROOT);
  const node = path.join(ROOT, '.cache/node', contents.node, 'package/bin/node');
  const floor = zlib.gzipSync(fs.readFileSync(node)).length / MIB;
  const referenceName = `node ${contents.node} binary gzipped alone (budget 1.5x)`;
  return [...Object.keys(contents.images), 'bundle'].map((name) =>
    result(`image ${name} compressed size`, pulledBytes(path.join(ROOT, 'out/images', `${name}.tar`)) / MIB, 'MiB', floor, { referenceName }),
  );
}
