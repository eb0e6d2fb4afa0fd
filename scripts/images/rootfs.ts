// SPDX-License-Identifier: Apache-2.0
/**
 * Stages an image's root filesystem from images/contents.yaml: the distroless-like base, the app files under
 * /app (production node_modules, pruned) and the binaries with the shared libraries they load.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { APP_DIR, prunable, type Contents, type ImageSpec } from './contents.js';

/** Shared objects named by `ldd` output (with the dynamic loader), in order. Pure. */
export function parseLdd(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (/not found/.test(line)) throw new Error(`ldd: a library is missing: ${line.trim()}`);
    const m = /=>\s*(\/\S+)\s*\(0x/.exec(line) ?? /^\s*(\/\S+)\s*\(0x/.exec(line);
    if (m?.[1] && !out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** The shared libraries of an executable or shared object (none for a static one). */
export function sharedLibraries(file: string): string[] {
  let text: string;
  try {
    text = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    if (/not a dynamic executable|statically linked/.test(`${err.stdout ?? ''}${err.stderr ?? ''}`)) return [];
    throw new Error(`ldd ${file}: ${err.stderr ?? String(e)}`);
  }
  return parseLdd(text);
}

function copyFile(src: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(fs.realpathSync(src), dest);
  fs.chmodSync(dest, fs.statSync(src).mode & 0o755);
}

/** Copies a tree, following symlinks, skipping what `skip` (given the path relative to `src`) rejects. */
function copyTree(src: string, dest: string, skip: (rel: string) => boolean, rel = ''): void {
  const st = fs.statSync(src);
  if (!st.isDirectory()) {
    if (!skip(rel)) copyFile(src, dest);
    return;
  }
  fs.mkdirSync(dest, { recursive: true });
  for (const name of fs.readdirSync(src).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    if (skip(r)) continue;
    copyTree(path.join(src, name), path.join(dest, name), skip, r);
  }
}

/** Package directories of the production dependencies (npm ls --omit=dev), relative to the repository. */
export function productionPackages(root: string): string[] {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out
    .split('\n')
    .map((l) => path.relative(root, l.trim()))
    .filter((r) => r.startsWith('node_modules/'))
    .sort();
}

/** Copies the production packages into `dest` (a node_modules directory), without what a running program never reads. */
export function stageNodeModules(root: string, dest: string): void {
  for (const pkg of productionPackages(root)) {
    const within = pkg.slice('node_modules/'.length);
    if (prunable(within)) continue;
    // Nested node_modules are packages of their own, listed separately (and only if they are production ones).
    copyTree(path.join(root, pkg), path.join(dest, within), (rel) => rel === 'node_modules' || rel.startsWith('node_modules/') || prunable(`${within}/${rel}`));
  }
}

/** Removes, in place, what a running program never reads from a node_modules directory (the werf build's step). */
export function pruneNodeModules(dir: string, rel = ''): void {
  for (const name of fs.readdirSync(path.join(dir, rel))) {
    const r = rel ? `${rel}/${name}` : name;
    const abs = path.join(dir, r);
    if (prunable(r)) fs.rmSync(abs, { recursive: true, force: true });
    else if (fs.lstatSync(abs).isDirectory()) pruneNodeModules(dir, r);
  }
}

/** Copies the image's app paths from the built repository to <rootfs>/app. */
export function stageApp(root: string, spec: ImageSpec, rootfs: string): void {
  for (const p of spec.app) {
    const src = path.join(root, p);
    if (!fs.existsSync(src)) throw new Error(`${p} is missing: run make build first`);
    const dest = path.join(rootfs, APP_DIR, p);
    if (p === 'node_modules') stageNodeModules(root, dest);
    else copyTree(src, dest, (rel) => /\.(map|d\.ts)$/.test(rel) || /\.test\.js$/.test(rel));
  }
}

/**
 * Copies the binaries and every shared library they load to the same paths under `rootfs`. `sources` maps an
 * image path to the file to copy (the pinned Node.js for /usr/bin/node); for paths under /app (native addons,
 * staged with the app) only their libraries are copied, read from the built repository `root`.
 */
export function stageBinaries(spec: ImageSpec, root: string, rootfs: string, sources: Readonly<Record<string, string>> = {}): void {
  for (const dir of ['bin', 'sbin', 'lib', 'lib64']) {
    fs.mkdirSync(path.join(rootfs, 'usr', dir), { recursive: true });
    if (!fs.existsSync(path.join(rootfs, dir))) fs.symlinkSync(`usr/${dir}`, path.join(rootfs, dir));
  }
  for (const bin of spec.binaries) {
    const inApp = bin.startsWith(`${APP_DIR}/`);
    const src = inApp ? path.join(root, bin.slice(APP_DIR.length + 1)) : (sources[bin] ?? bin);
    if (!fs.existsSync(src)) throw new Error(`binary ${bin}: ${src} is missing`);
    if (!inApp) copyFile(src, path.join(rootfs, bin));
    for (const lib of sharedLibraries(src)) copyFile(lib, path.join(rootfs, lib));
  }
}

export const USERS = [
  { name: 'root', uid: 0, home: '/root' },
  { name: 'deckhouse', uid: 64535, home: '/' },
  { name: 'nobody', uid: 65534, home: '/nonexistent' },
];

/** The files a distroless base provides (contents.base): users, name service, CA certificates, /tmp. */
export function stageBase(contents: Contents, rootfs: string): void {
  const put = (rel: string, body: string | Buffer): void => {
    fs.mkdirSync(path.dirname(path.join(rootfs, rel)), { recursive: true });
    fs.writeFileSync(path.join(rootfs, rel), body, { mode: 0o644 });
  };
  const files: Record<string, () => void> = {
    'etc/passwd': () => put('etc/passwd', USERS.map((u) => `${u.name}:x:${u.uid}:${u.uid}:${u.name}:${u.home}:/sbin/nologin\n`).join('')),
    'etc/group': () => put('etc/group', USERS.map((u) => `${u.name}:x:${u.uid}:\n`).join('')),
    'etc/nsswitch.conf': () => put('etc/nsswitch.conf', 'passwd: files\ngroup: files\nhosts: files dns\n'),
    'etc/ssl/certs/ca-certificates.crt': () => put('etc/ssl/certs/ca-certificates.crt', fs.readFileSync('/etc/ssl/certs/ca-certificates.crt')),
    tmp: () => {
      fs.mkdirSync(path.join(rootfs, 'tmp'), { recursive: true });
      fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
    },
  };
  for (const entry of contents.base) {
    const make = files[entry];
    if (!make) throw new Error(`images/contents.yaml: base entry ${entry} is not one the offline build knows how to make`);
    make();
  }
}

/** Every path in a staged tree, relative, sorted (directories with a trailing slash). */
export function listTree(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
    const r = rel ? `${rel}/${name}` : name;
    const st = fs.lstatSync(path.join(dir, r));
    if (st.isDirectory()) out.push(`${r}/`, ...listTree(dir, r));
    else out.push(r);
  }
  return out;
}
