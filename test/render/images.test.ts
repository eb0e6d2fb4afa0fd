// SPDX-License-Identifier: Apache-2.0
/**
 * Image references and pull secrets in the rendered chart, the two ways Deckhouse resolves module images
 * (lib-helm's helm_lib_module_image): embedded (<global registry>@<digest>) and from a ModuleSource
 * (<metallb.registry.base>/metallb@<digest>, with the module's own pull Secret). No digest, no render.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { findManifest, helmBinary, renderChart, type Manifest } from '../helpers/helm.js';
import { ensureImages, missingTools, repoRoot } from '../helpers/images.js';

type Values = { global: { modulesImages: { registry: Record<string, string>; digests: { metallb?: Record<string, string> } } }; metallb: Record<string, unknown> & { internal: Record<string, unknown> } };

function values(): Values {
  const v = yaml.load(fs.readFileSync(path.join(__dirname, 'scenarios/base.yaml'), 'utf8')) as Values;
  const l2 = yaml.load(fs.readFileSync(path.join(__dirname, 'scenarios/l2.yaml'), 'utf8')) as { metallb: { internal: Record<string, unknown> } };
  v.metallb.internal = { ...v.metallb.internal, ...l2.metallb.internal };
  return v;
}

type Pod = { imagePullSecrets?: { name: string }[]; containers: { name: string; image: string }[]; initContainers?: { image: string }[] };
const pods = (ms: Manifest[]): Pod[] => ms.filter((m) => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(m.kind)).map((m) => (m.spec as { template: { spec: Pod } }).template.spec);
const images = (ms: Manifest[]): string[] => pods(ms).flatMap((p) => [...p.containers, ...(p.initContainers ?? [])].map((c) => c.image));

function renderError(v: unknown): string {
  try {
    renderChart(v);
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
  return '';
}

const dockercfg = (host: string) => Buffer.from(JSON.stringify({ auths: { [host]: { auth: Buffer.from('user:secret').toString('base64') } } })).toString('base64');

(fs.existsSync(helmBinary) ? describe : describe.skip)('image references', () => {
  test('embedded module: <global.modulesImages.registry.base>@<digest> for every container, Deckhouse pull Secret', () => {
    const v = values();
    v.global.modulesImages.registry.dockercfg = dockercfg('registry.example.test');
    const ms = renderChart(v);
    expect(images(ms).sort()).toEqual([`registry.example.test/deckhouse@${v.global.modulesImages.digests.metallb!.controller}`, `registry.example.test/deckhouse@${v.global.modulesImages.digests.metallb!.speaker}`]);
    const secret = findManifest(ms, 'Secret', 'deckhouse-registry', 'd8-metallb') as Manifest & { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(secret.data['.dockerconfigjson']).toBe(v.global.modulesImages.registry.dockercfg);
    for (const p of pods(ms)) expect(p.imagePullSecrets).toEqual([{ name: 'deckhouse-registry' }]);
  });

  test('module from a ModuleSource: <metallb.registry.base>/metallb@<digest> and its own pull Secret', () => {
    const v = values();
    v.global.modulesImages.registry.dockercfg = dockercfg('registry.example.test');
    v.metallb.registry = { base: 'registry.example.test/modules/', dockercfg: dockercfg('registry.example.test/modules') };
    const ms = renderChart(v);
    expect(images(ms).sort()).toEqual([`registry.example.test/modules/metallb@${v.global.modulesImages.digests.metallb!.controller}`, `registry.example.test/modules/metallb@${v.global.modulesImages.digests.metallb!.speaker}`]);
    const secret = findManifest(ms, 'Secret', 'metallb-module-registry', 'd8-metallb') as Manifest & { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/dockerconfigjson');
    expect(JSON.parse(Buffer.from(secret.data['.dockerconfigjson']!, 'base64').toString())).toEqual({ auths: { 'registry.example.test/modules': { auth: Buffer.from('user:secret').toString('base64') } } });
    expect(findManifest(ms, 'Secret', 'deckhouse-registry')).toBeUndefined();
    for (const p of pods(ms)) expect(p.imagePullSecrets).toEqual([{ name: 'metallb-module-registry' }]);
  });

  test('no registry credentials: no pull Secret and no imagePullSecrets', () => {
    const ms = renderChart(values());
    expect(ms.filter((m) => m.kind === 'Secret' && m.metadata.name.includes('registry'))).toEqual([]);
    for (const p of pods(ms)) expect(p.imagePullSecrets).toBeUndefined();
  });

  test('a missing or malformed digest fails the render with a message naming the value', () => {
    const v = values();
    delete v.global.modulesImages.digests.metallb;
    expect(renderError(v)).toMatch(/image metallb\.(controller|speaker) has no digest: set global\.modulesImages\.digests\.metallb\.(controller|speaker) \(Deckhouse reads it from the module.s images_digests\.json/);
    const w = values();
    w.global.modulesImages.digests.metallb!.speaker = 'dev';
    expect(renderError(w)).toMatch(/image metallb\.speaker: digest "dev" is not sha256:<64 hex digits>/);
  });

  const why = missingTools();
  (why ? test.skip : test)(`digests from make images' images_digests.json give only @sha256 references to the built images${why ? ` (skipped: ${why})` : ''}`, () => {
    const built = ensureImages();
    const v = values();
    v.global.modulesImages.digests.metallb = built.digests;
    const refs = images(renderChart(v));
    expect(refs.length).toBeGreaterThanOrEqual(2);
    for (const r of refs) expect(r).toMatch(/^registry\.example\.test\/deckhouse@sha256:[0-9a-f]{64}$/);
    expect(refs.map((r) => r.split('@')[1]).sort()).toEqual(Object.values(built.digests).sort());
    expect(fs.readFileSync(path.join(repoRoot, 'out/images/images_digests.json'), 'utf8')).toContain(refs[0]!.split('@')[1]);
  });
});
