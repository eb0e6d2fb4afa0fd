// SPDX-License-Identifier: Apache-2.0
/**
 * Our own check of the Deckhouse module conventions that apply to the files we have
 * (the rules dmt enforces: module definition, .helmignore, conversions, CRDs and their
 * doc-ru twins, no Cyrillic outside the Russian files, defaults and examples that validate).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileCrd, compileValuesSchema, crdSchema, formatFieldError, loadConfigValuesSchema, loadConversions, loadCrdFiles, loadValuesSchema, repoRoot, unsupportedRules, type SchemaNode } from '../../lib/schemas/index.js';
import { readYaml } from '../../lib/schemas/load.js';
import { isObject } from '../../lib/schemas/schema.js';

const root = repoRoot();
const read = (f: string) => readFileSync(join(root, f), 'utf8');
const moduleYaml = readYaml(join(root, 'module.yaml')) as Record<string, unknown>;
const moduleName = 'metallb';

/** Paths (`properties.spec.properties.x`) of every node that has a description. */
function descriptionPaths(node: SchemaNode | undefined, at = ''): string[] {
  if (!node) return [];
  const out = node.description !== undefined ? [at || '<root>'] : [];
  const join2 = (k: string) => (at ? `${at}.${k}` : k);
  for (const [k, sub] of Object.entries(node.properties ?? {})) out.push(...descriptionPaths(sub, join2(`properties.${k}`)));
  if (node.items) out.push(...descriptionPaths(node.items, join2('items')));
  if (typeof node.additionalProperties === 'object') out.push(...descriptionPaths(node.additionalProperties, join2('additionalProperties')));
  return out;
}

/** Every schema node with its path, following properties, items and additionalProperties. */
function nodes(node: SchemaNode, at = ''): [string, SchemaNode][] {
  const out: [string, SchemaNode][] = [[at || '<root>', node]];
  for (const [k, sub] of Object.entries(node.properties ?? {})) out.push(...nodes(sub, at ? `${at}.${k}` : k));
  if (node.items) out.push(...nodes(node.items, `${at}[]`));
  if (typeof node.additionalProperties === 'object') out.push(...nodes(node.additionalProperties, `${at}.*`));
  return out;
}

describe('module definition', () => {
  test.each(['module.yaml', 'Chart.yaml', '.helmignore', 'openapi/config-values.yaml', 'openapi/doc-ru-config-values.yaml', 'openapi/values.yaml', 'templates', 'crds'])('%s exists', (f) => {
    expect(existsSync(join(root, f))).toBe(true);
  });

  (existsSync(join(root, 'docs/README.md')) ? test : test.skip)('docs/README.md exists with its Russian twin (skipped until the docs are written)', () => {
    expect(existsSync(join(root, 'docs/README_RU.md')) || existsSync(join(root, 'docs/README.ru.md'))).toBe(true);
  });

  test('module.yaml: name, namespace, stage, descriptions, weight, requirements', () => {
    expect(moduleYaml.name).toBe(moduleName);
    expect(String(moduleYaml.name)).toMatch(/^[a-z0-9]([-a-z0-9]{0,62}[a-z0-9])?$/);
    expect(moduleYaml.namespace).toBe(`d8-${moduleName}`);
    expect(['Experimental', 'Preview', 'General Availability', 'Deprecated']).toContain(moduleYaml.stage);
    expect(moduleYaml.weight).toBe(380);
    expect(moduleYaml.subsystems).toEqual(['networking']);
    const d = moduleYaml.descriptions as Record<string, unknown>;
    expect(typeof d.en).toBe('string');
    expect(typeof d.ru).toBe('string');
    expect(moduleYaml.description).toBeUndefined();
    // A module with a stage needs Deckhouse >= 1.68.
    const req = String((moduleYaml.requirements as Record<string, unknown>).deckhouse);
    const [, major, minor] = /(\d+)\.(\d+)/.exec(req) ?? [];
    expect(Number(major) * 1000 + Number(minor)).toBeGreaterThanOrEqual(1068);
  });

  test('Chart.yaml names the same module', () => {
    expect((readYaml(join(root, 'Chart.yaml')) as Record<string, unknown>).name).toBe(moduleName);
  });

  test('.helmignore keeps the chart and drops the sources', () => {
    const lines = read('.helmignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).not.toMatch(/\s/);
      expect(l).not.toBe('*');
      expect(l.replace(/\/$/, '')).not.toMatch(/^(templates|Chart\.yaml)$/);
    }
    // crds/ is Deckhouse's to install (doc-ru twins are no objects Helm could create).
    for (const must of ['node_modules/', 'dist/', '*.ts', 'crds/']) expect(lines).toContain(must);
  });
});

describe('openapi', () => {
  const settings = loadConfigValuesSchema(root);
  const values = loadValuesSchema(root);

  test('conversions are v2..vN, named after their version, with en and ru descriptions; x-config-version is N', () => {
    const files = readdirSync(join(root, 'openapi/conversions')).filter((f) => f.endsWith('.yaml')).sort();
    const list = loadConversions(root);
    expect(files).toEqual(list.map((c) => `v${c.version}.yaml`));
    list.forEach((c, i) => {
      expect(c.version).toBe(i + 2);
      expect(c.description.en.length).toBeGreaterThan(0);
      expect(c.description.ru.length).toBeGreaterThan(0);
    });
    expect(settings['x-config-version']).toBe(list.at(-1)?.version ?? 1);
  });

  test('values.yaml extends config-values.yaml and declares internal', () => {
    expect((readYaml(join(root, 'openapi/values.yaml')) as Record<string, unknown>)['x-extend']).toEqual({ schema: 'config-values.yaml' });
    expect(values.properties?.internal?.type).toBe('object');
    expect(values.properties?.nodeSelector).toEqual(settings.properties?.nodeSelector);
  });

  test('x-required-for-helm names declared internal values', () => {
    const internal = values.properties?.internal;
    const required = (internal?.['x-required-for-helm'] as string[] | undefined) ?? [];
    for (const name of required) expect(Object.keys(internal?.properties ?? {})).toContain(name);
  });

  test('doc-ru-config-values.yaml has a Russian description for exactly the described settings', () => {
    const ru = readYaml(join(root, 'openapi/doc-ru-config-values.yaml')) as SchemaNode;
    expect(descriptionPaths(ru).sort()).toEqual(descriptionPaths(settings).sort());
  });

  test('the x-examples of both schemas validate', () => {
    const check = { settings: compileValuesSchema(settings, { prefix: ['settings'] }), values: compileValuesSchema(values, { prefix: [moduleName] }) };
    for (const kind of ['settings', 'values'] as const) {
      const examples = (kind === 'settings' ? settings : values)['x-examples'];
      expect(Array.isArray(examples) && examples.length > 0).toBe(true);
      for (const ex of examples as unknown[]) expect(check[kind](ex).errors.map(formatFieldError)).toEqual([]);
    }
  });

  test('defaults alone give valid settings and values, and every default fits its own schema', () => {
    expect(compileValuesSchema(settings)({}).valid).toBe(true);
    expect(compileValuesSchema(values)({}).valid).toBe(true);
    for (const [at, node] of [...nodes(settings), ...nodes(values)]) {
      if (node.default === undefined) continue;
      expect([at, compileValuesSchema(node)(node.default).errors.map(formatFieldError)]).toEqual([at, []]);
    }
  });

  test('every .Values.metallb path the templates read is declared', () => {
    const declared = (path: string[]) => {
      let node: SchemaNode | undefined = values;
      for (const k of path) node = node?.properties?.[k] ?? (typeof node?.additionalProperties === 'object' ? node.additionalProperties : undefined);
      return node !== undefined;
    };
    const tracked = execFileSync('git', ['ls-files', 'templates'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    const missing: string[] = [];
    for (const f of tracked) {
      for (const m of read(f).matchAll(/\.Values\.metallb((?:\.[A-Za-z0-9_]+)+)/g)) {
        const path = (m[1] ?? '').split('.').slice(1);
        if (!declared(path)) missing.push(`${f}: .Values.metallb.${path.join('.')}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

describe('CRDs', () => {
  const files = loadCrdFiles(root);
  const topLevel = readdirSync(join(root, 'crds')).filter((f) => f.endsWith('.yaml') && !f.startsWith('doc-'));

  test('the public, internal and native CRDs are all there', () => {
    const kinds = files.map(({ crd }) => (crd.spec as { names: { kind: string } }).names.kind).sort();
    expect(kinds).toEqual(['BFDProfile', 'BGPAdvertisement', 'BGPPeer', 'Community', 'IPAddressPool', 'L2Advertisement', 'MetalLoadBalancerBGPPeer', 'MetalLoadBalancerClass', 'MetalLoadBalancerConfiguration', 'MetalLoadBalancerPool', 'SDNInternalL2LBService', 'ServiceL2Status']);
  });

  test.each(files.map((f) => [f.file, f.crd] as const))('%s: v1, named plural.group, labelled, structural, one storage version', (_file, crd) => {
    expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
    const spec = crd.spec as { group: string; names: { plural: string }; versions: { name: string; storage: boolean; additionalPrinterColumns?: { jsonPath: string }[] }[] };
    const meta = crd.metadata as { name: string; labels?: Record<string, string> };
    expect(meta.name).toBe(`${spec.names.plural}.${spec.group}`);
    expect(meta.labels?.module).toBe(moduleName);
    expect(meta.labels?.heritage).toBe('deckhouse');
    expect(() => compileCrd(crd)).not.toThrow();
    expect(spec.versions.filter((v) => v.storage)).toHaveLength(1);
    for (const v of spec.versions) for (const c of v.additionalPrinterColumns ?? []) expect(c.jsonPath).toMatch(/^\./);
    if (meta.name.endsWith('deckhouse.io')) expect(JSON.stringify(crd)).not.toMatch(/"deprecated"/);
  });

  test.each(topLevel)('crds/%s has a doc-ru twin describing exactly the same fields', (f) => {
    const twin = join(root, 'crds', `doc-ru-${f}`);
    expect(existsSync(twin)).toBe(true);
    const crd = readYaml(join(root, 'crds', f)) as Record<string, unknown>;
    const ru = readYaml(twin) as { spec: { versions: { name: string; schema: { openAPIV3Schema: SchemaNode } }[] } };
    for (const v of (crd.spec as { versions: { name: string }[] }).versions) {
      const ruVersion = ru.spec.versions.find((x) => x.name === v.name);
      expect(ruVersion).toBeDefined();
      expect(descriptionPaths(ruVersion?.schema.openAPIV3Schema).sort()).toEqual(descriptionPaths(crdSchema(crd, v.name)).sort());
    }
  });

  test('every x-kubernetes-validations rule is one the validators evaluate', () => {
    const skipped = files.flatMap(({ file, crd }) => (crd.spec as { versions: { name: string }[] }).versions.flatMap((v) => unsupportedRules(crdSchema(crd, v.name)).map((r) => `${file} ${v.name} ${r}`)));
    expect(skipped).toEqual([]);
  });

  test('public CRD enums are CamelCase (Kubernetes\' own empty value aside)', () => {
    for (const f of topLevel) {
      const crd = readYaml(join(root, 'crds', f)) as Record<string, unknown>;
      for (const [at, node] of nodes(crdSchema(crd))) {
        for (const v of node.enum ?? []) expect(`${f} ${at}: ${String(v)}`).toMatch(/: ([A-Z0-9][A-Za-z0-9]*)?$/);
      }
    }
  });

  test('defaults and x-doc-examples fit their fields', () => {
    for (const { file, crd } of files) {
      for (const v of (crd.spec as { versions: { name: string }[] }).versions) {
        for (const [at, node] of nodes(crdSchema(crd, v.name))) {
          const samples = [...(node.default !== undefined ? [node.default] : []), ...((node['x-doc-examples'] as unknown[] | undefined) ?? [])];
          for (const s of samples) expect([file, at, compileValuesSchema(node)(s).errors.map(formatFieldError)]).toEqual([file, at, []]);
        }
      }
    }
  });
});

describe('the lab ModuleConfig CRD', () => {
  const crd = readYaml(join(root, 'lab/crds/moduleconfigs.yaml')) as Record<string, unknown>;
  const check = compileCrd(crd);

  test('is the cluster-scoped deckhouse.io/v1alpha1 ModuleConfig', () => {
    expect(check).toMatchObject({ name: 'moduleconfigs.deckhouse.io', group: 'deckhouse.io', kind: 'ModuleConfig', plural: 'moduleconfigs', namespaced: false });
  });

  test('keeps any settings and rejects a bad version', () => {
    const validate = check.versions.v1alpha1!;
    const mc = { apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: moduleName }, spec: { enabled: true, version: 3, settings: { nodeSelector: { a: 'b' }, anything: { deep: [1] } } } };
    const r = validate(mc);
    expect(r.errors).toEqual([]);
    expect(r.object).toEqual(mc);
    expect(validate({ ...mc, spec: { version: 'three' } }).errors.map(formatFieldError)).toEqual(['spec.version: Invalid value: "string": spec.version in body must be of type integer: "string"']);
  });
});

describe('no Cyrillic outside the Russian files', () => {
  const cyrillic = /[\u0400-\u04FF]/;
  const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  // dmt's scope: YAML, JSON and Go files (no-cyrillic) and the English docs (cyrillic-in-english).
  const checked = tracked.filter((f) => /\.(ya?ml|json|go)$/.test(f) || /^docs\/.*\.md$/.test(f));
  const russian = (f: string) => /(^|\/)doc-ru-[^/]*\.ya?ml$/.test(f) || /_RU\.md$|\.ru\.md$|_ru\.html$/.test(f);

  test('tracked YAML, JSON, Go and English docs outside doc-ru-*, *_RU.md and *.ru.md have none', () => {
    const bad = checked.filter((f) => !russian(f) && f !== 'module.yaml' && !f.startsWith('openapi/conversions/') && existsSync(join(root, f)) && cyrillic.test(read(f)));
    expect(bad).toEqual([]);
  });

  test('module.yaml has it only in descriptions.ru, conversions only in description.ru', () => {
    const strip = (doc: unknown, drop: (d: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
      drop(copy);
      return JSON.stringify(copy);
    };
    expect(strip(moduleYaml, (d) => delete (d.descriptions as Record<string, unknown>).ru)).not.toMatch(cyrillic);
    for (const f of readdirSync(join(root, 'openapi/conversions')).filter((x) => x.endsWith('.yaml'))) {
      const doc = readYaml(join(root, 'openapi/conversions', f));
      expect(strip(doc, (d) => isObject(d.description) && delete d.description.ru)).not.toMatch(cyrillic);
    }
  });
});
