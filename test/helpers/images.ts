// SPDX-License-Identifier: Apache-2.0
/** The image archives of `make images` for tests: built once (under a lock, reused when unchanged), unpacked, rendered. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { helmBinary } from './helm.js';

export const repoRoot = path.resolve(__dirname, '../..');
export const outDir = path.join(repoRoot, 'out/images');

const has = (tool: string): boolean => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Why image tests cannot run here (a missing tool, scripts/setup.sh installs it), or undefined. */
export function missingTools(...extra: string[]): string | undefined {
  const missing = ['umoci', 'skopeo', 'tar', 'ldd', 'flock', ...extra].filter((t) => !has(t));
  if (!fs.existsSync(path.join(repoRoot, 'dist/scripts/images/build.js'))) missing.push('dist/ (make build)');
  return missing.length ? `missing ${missing.join(', ')}` : undefined;
}

export interface Built {
  digests: Record<string, string>;
  version: string;
}

let built: Built | undefined;

/** Runs `make images`' builder (fast when nothing changed) and returns the digests and version. */
export function ensureImages(env: NodeJS.ProcessEnv = {}): Built {
  if (built && Object.keys(env).length === 0) return built;
  fs.mkdirSync(path.join(repoRoot, '.cache'), { recursive: true });
  execFileSync('flock', [path.join(repoRoot, '.cache/images.lock'), 'node', path.join(repoRoot, 'dist/scripts/images/build.js')], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  const out = env.IMAGES_OUT ? path.resolve(repoRoot, env.IMAGES_OUT) : outDir;
  const result = {
    digests: JSON.parse(fs.readFileSync(path.join(out, 'images_digests.json'), 'utf8')) as Record<string, string>,
    version: (JSON.parse(fs.readFileSync(path.join(out, 'version.json'), 'utf8')) as { version: string }).version,
  };
  if (Object.keys(env).length === 0) built = result;
  return result;
}

interface Manifest {
  config: { digest: string };
  layers: { digest: string; size: number }[];
}

export interface ImageConfig {
  config: { Entrypoint?: string[]; Cmd?: string[]; User?: string; Env?: string[]; WorkingDir?: string };
}

/** The OCI layout inside an archive, extracted into `dir`. */
export function extractLayout(archive: string, dir: string): { manifest: Manifest; config: ImageConfig; blob(digest: string): string } {
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('tar', ['xf', archive, '-C', dir]);
  const blob = (digest: string): string => path.join(dir, 'blobs', ...digest.split(':'));
  const index = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0]?.digest ?? ''), 'utf8')) as Manifest;
  const config = JSON.parse(fs.readFileSync(blob(manifest.config.digest), 'utf8')) as ImageConfig;
  return { manifest, config, blob };
}

/** Paths in an image archive's layers (no leading ./, directories with a trailing slash). */
export function imageFiles(archive: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-image-'));
  try {
    const l = extractLayout(archive, dir);
    return l.manifest.layers.flatMap((layer) =>
      execFileSync('tar', ['tzf', l.blob(layer.digest)], { encoding: 'utf8', maxBuffer: 256 << 20 })
        .split('\n')
        .filter(Boolean)
        .map((p) => p.replace(/^\.\//, '')),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Unpacks an image archive into a runtime bundle (rootfs/ and an OCI runtime config.json) with umoci. */
export function unpackBundle(archive: string, dir: string): string {
  const layout = path.join(dir, 'layout');
  extractLayout(archive, layout);
  const tag = (JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as { manifests: { annotations?: Record<string, string> }[] }).manifests[0]?.annotations?.['org.opencontainers.image.ref.name'] ?? 'latest';
  const bundle = path.join(dir, 'bundle');
  execFileSync('umoci', ['unpack', '--image', `${layout}:${tag}`, bundle], { stdio: ['ignore', 'pipe', 'pipe'] });
  return bundle;
}

/**
 * Renders a werf file with Go templates as werf does (the real helm binary's engine, with sprig): `.ImageName`,
 * `.ModuleName`, `.Images` and `.Files` (the repository's images/contents.yaml). Returns the YAML documents.
 */
export function renderWerf(file: string, imageName: string, images: Record<string, string>): Record<string, unknown>[] {
  const chart = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-werf-'));
  try {
    fs.writeFileSync(path.join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: werf-render\nversion: 0.0.0\n');
    fs.mkdirSync(path.join(chart, 'templates'));
    fs.mkdirSync(path.join(chart, 'images'));
    fs.copyFileSync(path.join(repoRoot, 'images/contents.yaml'), path.join(chart, 'images/contents.yaml'));
    fs.copyFileSync(path.join(repoRoot, file), path.join(chart, 'werf-file.yaml'));
    fs.writeFileSync(
      path.join(chart, 'templates/render.yaml'),
      '{{ tpl (.Files.Get "werf-file.yaml") (dict "ImageName" .Values.imageName "ModuleName" "metallb" "Images" .Values.images "Files" .Files "Template" .Template) }}\n',
    );
    const values = path.join(chart, 'values.yaml');
    fs.writeFileSync(values, yaml.dump({ imageName, images }));
    const out = execFileSync(helmBinary, ['template', 'w', chart, '-f', values], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return yaml.loadAll(out).filter((d): d is Record<string, unknown> => d !== null && typeof d === 'object');
  } finally {
    fs.rmSync(chart, { recursive: true, force: true });
  }
}
