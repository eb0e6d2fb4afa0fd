// SPDX-License-Identifier: Apache-2.0
/**
 * OCI image archives from a staged root filesystem: one reproducible layer (GNU tar: sorted, fixed time,
 * owner root), assembled with umoci, archived as an oci-archive that skopeo reads.
 */
import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Every timestamp in the images: the epoch, so a rebuild without changes gives the same digests. */
export const EPOCH = '1970-01-01T00:00:00Z';

export interface ImageConfig {
  entrypoint?: readonly string[];
  user?: string;
  env?: readonly string[];
  workingDir?: string;
  labels?: Readonly<Record<string, string>>;
}

const run = (cmd: string, args: readonly string[], cwd?: string): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });

export function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

/** A reproducible tar of a directory's contents (the arguments reproducible-builds.org gives for GNU tar). */
export function reproducibleTar(dir: string, out: string): void {
  const entries = fs.readdirSync(dir).sort();
  run('tar', [
    '--sort=name', '--mtime=@0', '--owner=0', '--group=0', '--numeric-owner', '--format=pax',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime', '--mode=go-w,a+rX',
    '-cf', out, '-C', dir, '--', ...entries,
  ]);
}

/** Builds a one-layer OCI image in `layout` (tag `tag`) from `layerTar`; returns the manifest digest. */
export function buildImage(layerTar: string, layout: string, tag: string, config: ImageConfig, createdBy: string): string {
  fs.rmSync(layout, { recursive: true, force: true });
  const image = `${layout}:${tag}`;
  run('umoci', ['init', '--layout', layout]);
  run('umoci', ['new', '--image', image]);
  run('umoci', ['raw', 'add-layer', '--image', image, '--history.created', EPOCH, '--history.created_by', createdBy, layerTar]);
  const args = ['config', '--image', image, '--no-history', '--created', EPOCH, '--os', 'linux', '--architecture', 'amd64'];
  for (const e of config.entrypoint ?? []) args.push('--config.entrypoint', e);
  if (config.user) args.push('--config.user', config.user);
  for (const e of config.env ?? []) args.push('--config.env', e);
  if (config.workingDir) args.push('--config.workingdir', config.workingDir);
  for (const [k, v] of Object.entries(config.labels ?? {})) args.push('--config.label', `${k}=${v}`);
  run('umoci', args);
  run('umoci', ['gc', '--layout', layout]);
  return layoutDigest(layout);
}

/** The manifest digest of the only image in an OCI layout. */
export function layoutDigest(layout: string): string {
  const index = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  if (index.manifests.length !== 1 || !index.manifests[0]) throw new Error(`${layout}: expected one image, found ${index.manifests.length}`);
  return index.manifests[0].digest;
}

/** Archives an OCI layout as an oci-archive (a reproducible tar of the layout). */
export function archiveLayout(layout: string, archive: string): void {
  fs.mkdirSync(path.dirname(archive), { recursive: true });
  const tmp = `${archive}.tmp`;
  reproducibleTar(layout, tmp);
  fs.renameSync(tmp, archive);
}

/** The manifest digest of an image as skopeo reports it (`oci-archive:<file>`, `docker://<ref>`, ...). */
export function skopeoDigest(ref: string, extra: readonly string[] = []): string {
  return (JSON.parse(run('skopeo', ['inspect', ...extra, ref])) as { Digest: string }).Digest;
}
