// SPDX-License-Identifier: Apache-2.0
/**
 * The node's image store: the OCI archives `make images` writes (<dir>/<name>.tar and images_digests.json), in
 * one or more directories (releases), looked up by digest (`...@sha256:...`, in any of them) or by component
 * name (`.../metallb/<name>:tag`, in the first), each unpacked once with umoci into a root filesystem shared
 * read-only by the containers that run it.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { ImageConfig } from './oci-spec.js';

const run = promisify(execFile);

export interface UnpackedImage {
  readonly name: string;
  readonly rootfs: string;
  readonly config: ImageConfig;
}

/** The component an image reference names, from the archives' digests, or undefined. Pure. */
export function componentOf(ref: string, digests: Readonly<Record<string, string>>): string | undefined {
  const at = ref.indexOf('@');
  if (at >= 0) {
    const digest = ref.slice(at + 1);
    return Object.entries(digests).find(([, d]) => d === digest)?.[0];
  }
  const last = ref.split('/').pop() ?? '';
  const name = last.split(':')[0] ?? '';
  return name in digests ? name : undefined;
}

export class ImageStore {
  readonly #unpacked = new Map<string, Promise<UnpackedImage>>();

  /** `archives`: the directories of archives, the current release first (a path, or a function read at each lookup). */
  constructor(readonly archives: string | (() => readonly string[]), readonly cache: string) {}

  #digests(dir: string): Record<string, string> {
    const f = path.join(dir, 'images_digests.json');
    if (!fs.existsSync(f)) return {};
    const all = JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, string>;
    return Object.fromEntries(Object.entries(all).filter(([n]) => fs.existsSync(path.join(dir, `${n}.tar`))));
  }

  /** The unpacked image of `ref`; rejects with ErrImagePull's reason when the store does not have it. */
  unpack(ref: string): Promise<UnpackedImage> {
    const dirs = typeof this.archives === 'string' ? [this.archives] : this.archives();
    // By digest any release has it; by name the current one.
    const found = dirs.map((dir) => ({ dir, digests: this.#digests(dir) })).find((d, i) => (ref.includes('@') || i === 0) && componentOf(ref, d.digests));
    const name = found && componentOf(ref, found.digests);
    if (!found || !name) return Promise.reject(new Error(`image "${ref}" is not in the lab's image store (${dirs.map((d) => `${d}: ${Object.keys(this.#digests(d)).join(', ') || 'empty'}`).join('; ') || 'no archives; run make images'})`));
    const digest = found.digests[name] ?? '';
    const key = `${name}@${digest}`;
    let p = this.#unpacked.get(key);
    if (!p) {
      p = this.#unpackArchive(found.dir, name, digest);
      this.#unpacked.set(key, p);
      p.catch(() => this.#unpacked.delete(key));
    }
    return p;
  }

  async #unpackArchive(archives: string, name: string, digest: string): Promise<UnpackedImage> {
    const dir = path.join(this.cache, `${name}-${digest.replace(/^sha256:/, '').slice(0, 16)}`);
    const bundle = path.join(dir, 'bundle');
    const layout = path.join(dir, 'layout');
    if (!fs.existsSync(dir)) {
      // Every node's agent shares the cache: unpack aside, then rename into place (the first one wins).
      const tmp = `${dir}.${process.pid}.tmp`;
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.mkdirSync(path.join(tmp, 'layout'), { recursive: true });
      await run('tar', ['xf', path.join(archives, `${name}.tar`), '-C', path.join(tmp, 'layout')]);
      const tag = indexOf(path.join(tmp, 'layout')).manifests[0]?.annotations?.['org.opencontainers.image.ref.name'] ?? 'latest';
      await run('umoci', ['unpack', '--image', `${path.join(tmp, 'layout')}:${tag}`, path.join(tmp, 'bundle')]);
      try {
        fs.renameSync(tmp, dir);
      } catch {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
    }
    const idx = indexOf(layout);
    const blob = (d: string): string => path.join(layout, 'blobs', ...d.split(':'));
    const manifest = JSON.parse(fs.readFileSync(blob(idx.manifests[0]?.digest ?? ''), 'utf8')) as { config: { digest: string } };
    const config = (JSON.parse(fs.readFileSync(blob(manifest.config.digest), 'utf8')) as { config?: ImageConfig }).config ?? {};
    return { name, rootfs: path.join(bundle, 'rootfs'), config };
  }
}

function indexOf(layout: string): { manifests: Array<{ digest: string; annotations?: Record<string, string> }> } {
  return JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
}
