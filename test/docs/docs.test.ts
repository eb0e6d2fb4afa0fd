import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { generatedDocs } from '../../scripts/gen-docs.js';
import { compileCrd, compileValuesSchema, type CompiledCrd, formatFieldError, loadConfigValuesSchema, loadCrdFiles } from '../../lib/schemas/index.js';
import { validateBuiltins } from '../helpers/k8s-models.js';
import type { Manifest } from '../helpers/helm.js';

const root = path.resolve(__dirname, '../..');
const docsDir = path.join(root, 'docs');
const read = (f: string) => fs.readFileSync(path.join(docsDir, f), 'utf8');

/** The fenced blocks of one language in a markdown file. */
function blocks(markdown: string, lang: string): string[] {
  const re = new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g');
  return [...markdown.matchAll(re)].map((m) => m[1]!);
}

const crds = new Map<string, CompiledCrd>(loadCrdFiles().map((f) => compileCrd(f.crd)).map((c) => [`${c.group}/${c.kind}`, c]));
const settings = compileValuesSchema(loadConfigValuesSchema());

/** Errors of example objects: built-ins against their Kubernetes schema, custom resources against our CRDs. */
function problemsOf(docs: Manifest[]): string[] {
  const builtins = docs.filter((d) => d.kind !== 'ModuleConfig' && !crds.has(groupOf(d) + '/' + d.kind));
  return [...docs.filter((d) => !builtins.includes(d)).flatMap((d) => customProblems(d).map((p) => `${d.kind}/${d.metadata.name}: ${p}`)), ...validateBuiltins(builtins)];
}

const groupOf = (d: Manifest) => (d.apiVersion.includes('/') ? d.apiVersion.split('/')[0]! : '');

function customProblems(doc: Manifest): string[] {
  const [group, version] = doc.apiVersion.includes('/') ? doc.apiVersion.split('/') as [string, string] : ['', doc.apiVersion];
  if (doc.kind === 'ModuleConfig') {
    const r = settings((doc as unknown as { spec: { settings: unknown } }).spec.settings);
    return r.errors.map(formatFieldError);
  }
  const crd = crds.get(`${group}/${doc.kind}`);
  if (crd) {
    const check = crd.versions[version];
    if (!check) return [`${doc.kind}: version ${version} is not served`];
    return check(doc).errors.map(formatFieldError);
  }
  return [`no schema for ${doc.apiVersion} ${doc.kind}`];
}

describe('docs', () => {
  test('every page has its Russian twin and front matter; English pages have no Cyrillic', () => {
    const pages = fs.readdirSync(docsDir).filter((f) => f.endsWith('.md') && !f.endsWith('_RU.md'));
    expect(pages.sort()).toEqual(['CONFIGURATION.md', 'CR.md', 'EXAMPLES.md', 'FAQ.md', 'README.md']);
    for (const p of pages) {
      const ru = p.replace('.md', '_RU.md');
      expect(fs.existsSync(path.join(docsDir, ru))).toBe(true);
      for (const f of [p, ru]) expect(read(f)).toMatch(/^---\ntitle: "[^"]+"\ndescription: "[^"]+"\n---\n/);
      expect(read(p)).not.toMatch(/[\u0400-\u04FF]/);
      expect(read(ru)).toMatch(/[\u0400-\u04FF]/);
    }
  });

  test.each(Object.keys(generatedDocs))('%s is up to date with the schemas', (file) => {
    expect(fs.readFileSync(path.join(root, file), 'utf8')).toBe(generatedDocs[file]!());
  });

  describe.each(['EXAMPLES.md', 'EXAMPLES_RU.md'])('%s', (page) => {
    const docs = blocks(read(page), 'yaml').flatMap((b) => yaml.loadAll(b) as Manifest[]);

    test('has the promised examples', () => {
      const kinds = docs.map((d) => d.kind);
      for (const k of ['ModuleConfig', 'MetalLoadBalancerClass', 'Service', 'MetalLoadBalancerPool', 'MetalLoadBalancerBGPPeer', 'MetalLoadBalancerConfiguration', 'Secret', 'IPAddressPool', 'L2Advertisement', 'BGPPeer', 'BGPAdvertisement']) expect(kinds).toContain(k);
      expect(docs.length).toBeGreaterThanOrEqual(19);
    });

    test('every YAML example is valid', () => {
      expect(problemsOf(docs)).toEqual([]);
    });
  });

  test('the Russian examples are the same objects as the English ones', () => {
    expect(blocks(read('EXAMPLES_RU.md'), 'yaml')).toEqual(blocks(read('EXAMPLES.md'), 'yaml'));
    expect(blocks(read('FAQ_RU.md'), 'text')).toEqual(blocks(read('FAQ.md'), 'text'));
    expect(blocks(read('FAQ_RU.md'), 'yaml')).toEqual(blocks(read('FAQ.md'), 'yaml'));
  });

  test('every YAML example of the FAQ is valid', () => {
    const docs = blocks(read('FAQ.md'), 'yaml').flatMap((b) => yaml.loadAll(b) as Manifest[]);
    expect(docs.map((d) => d.kind)).toContain('ClusterRoleBinding');
    expect(problemsOf(docs)).toEqual([]);
  });

  test('the validation catches a broken example', () => {
    const bad = { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', metadata: { name: 'x' }, spec: { type: 'L2' } } as Manifest;
    expect(problemsOf([bad])).toEqual(['MetalLoadBalancerClass/x: spec.addressPool: Required value']);
    const badSvc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 'eighty' }] } } as unknown as Manifest;
    expect(problemsOf([badSvc])).toEqual([expect.stringContaining('Service/x: ')]);
  });
});
