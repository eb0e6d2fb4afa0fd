// SPDX-License-Identifier: Apache-2.0
/**
 * `make publish` against Debian's docker-registry on 127.0.0.1: the ModuleSource layout (component images by
 * digest under <source>/metallb, the bundle as <source>/metallb:<version>, the release as
 * <source>/metallb/release:<version> and :<channel>), pulled back with skopeo and checked against
 * images_digests.json.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../lab/cli/up.js';
import { publishPlan } from '../../scripts/images/publish.js';
import { skopeoDigest } from '../../scripts/images/oci.js';
import { ensureImages, extractLayout, missingTools, outDir, repoRoot, type Built } from '../helpers/images.js';
import { until } from '../helpers/until.js';

const why = missingTools('docker-registry');

test('the publish plan refuses a malformed registry or an unknown channel before pushing anything', () => {
  expect(() => publishPlan(outDir, 'https://registry.example.test', 'alpha')).toThrow(/REGISTRY "https:\/\/registry.example.test" is not host\[:port\]\/path/);
  expect(() => publishPlan(outDir, 'registry.example.test/modules', 'nightly')).toThrow(/CHANNEL "nightly" is not one of alpha, beta, early-access, stable, rock-solid/);
});

(why ? describe.skip : describe)(`make publish to a registry${why ? ` (skipped: ${why}; scripts/setup.sh installs docker-registry)` : ''}`, () => {
  jest.setTimeout(600_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-registry-'));
  let registry: ChildProcess | undefined;
  let source = '';
  let built: Built;
  const noTls = ['--tls-verify=false'];

  beforeAll(async () => {
    built = ensureImages();
    const port = await freePort();
    fs.writeFileSync(path.join(tmp, 'config.yml'), [
      'version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${path.join(tmp, 'data')}`,
      'http:', `  addr: 127.0.0.1:${port}`, '',
    ].join('\n'));
    registry = spawn('docker-registry', ['serve', path.join(tmp, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    await until('the registry to answer', () => spawnSync('skopeo', ['list-tags', ...noTls, `docker://127.0.0.1:${port}/probe`], { encoding: 'utf8' }).stderr.includes('404') || undefined, 20_000, 200);
    source = `127.0.0.1:${port}/modules`;
  });

  afterAll(async () => {
    if (registry && registry.exitCode === null) {
      registry.kill('SIGTERM');
      await new Promise((r) => registry?.once('exit', r));
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('publishes, and every image pulls back by its reference with the digest make images recorded', () => {
    const r = spawnSync('node', [path.join(repoRoot, 'dist/scripts/images/publish.js')], { env: { ...process.env, REGISTRY: source, REGISTRY_TLS_VERIFY: 'false', CHANNEL: 'beta' }, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const repo = `${source}/metallb`;
    // Component images by digest, pulled into fresh archives.
    for (const [name, digest] of Object.entries(built.digests)) {
      const pulled = path.join(tmp, `${name}.tar`);
      execFileSync('skopeo', ['copy', '--quiet', ...noTls.map((t) => t.replace('--', '--src-')), `docker://${repo}@${digest}`, `oci-archive:${pulled}`]);
      expect(skopeoDigest(`oci-archive:${pulled}`)).toBe(digest);
      expect(extractLayout(pulled, path.join(tmp, `layout-${name}`)).config.config.Entrypoint?.[0]).toBe('node');
    }
    // The bundle under the version tag, with the same images_digests.json inside.
    expect(skopeoDigest(`docker://${repo}:${built.version}`, ['--no-tags', ...noTls])).toBe(skopeoDigest(`oci-archive:${path.join(outDir, 'bundle.tar')}`));
    const bundle = path.join(tmp, 'bundle.tar');
    execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${repo}:${built.version}`, `oci-archive:${bundle}`]);
    const l = extractLayout(bundle, path.join(tmp, 'layout-bundle'));
    expect(JSON.parse(execFileSync('tar', ['xzOf', l.blob(l.manifest.layers[0]!.digest), 'images_digests.json'], { encoding: 'utf8' }))).toEqual(built.digests);
    // The release under its version and the channel.
    const tags = JSON.parse(execFileSync('skopeo', ['list-tags', ...noTls, `docker://${repo}/release`], { encoding: 'utf8' })) as { Tags: string[] };
    expect(tags.Tags.sort()).toEqual(['beta', built.version].sort());
    const release = skopeoDigest(`oci-archive:${path.join(outDir, 'release.tar')}`);
    expect(skopeoDigest(`docker://${repo}/release:beta`, ['--no-tags', ...noTls])).toBe(release);
    expect(skopeoDigest(`docker://${repo}/release:${built.version}`, ['--no-tags', ...noTls])).toBe(release);
  });
});
