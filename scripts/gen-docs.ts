// SPDX-License-Identifier: Apache-2.0
/**
 * Generates docs/CONFIGURATION(.md|_RU.md) from openapi/ and docs/CR(.md|_RU.md) from crds/.
 * `node dist/scripts/gen-docs.js` writes them; the docs test checks they are up to date.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { repoRoot } from '../lib/schemas/load.js';

type Schema = {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  additionalProperties?: Schema | boolean;
  'x-examples'?: unknown[];
  'x-doc-examples'?: unknown[];
  'x-doc-deprecated'?: boolean;
};
type Lang = 'en' | 'ru';

const root = repoRoot(__dirname);
const read = (p: string): unknown => yaml.load(fs.readFileSync(path.join(root, p), 'utf8'));

const WORDS: Record<Lang, Record<string, string>> = {
  en: { type: 'Type', required: 'required', default: 'Default', values: 'Allowed values', pattern: 'Pattern', range: 'Range', deprecated: 'Deprecated', example: 'Example', of: 'of', minItems: 'At least', items: 'items', scope: 'Scope', short: 'Short names', version: 'Version' },
  ru: { type: 'Тип', required: 'обязательный', default: 'По умолчанию', values: 'Допустимые значения', pattern: 'Шаблон', range: 'Диапазон', deprecated: 'Устаревший параметр', example: 'Пример', of: 'из', minItems: 'Не менее', items: 'элементов', scope: 'Область', short: 'Короткие имена', version: 'Версия' },
};

function typeOf(s: Schema, w: Record<string, string>): string {
  if (s.type === 'array' && s.items) return `array ${w.of} ${typeOf(s.items, w)}`;
  if (s.type === 'object' && s.additionalProperties && typeof s.additionalProperties === 'object') return `map ${w.of} ${typeOf(s.additionalProperties, w)}`;
  return s.type ?? 'object';
}

function inline(v: unknown): string {
  return '`' + JSON.stringify(v) + '`';
}

/** One markdown section per property, depth first, with the translated description where there is one. */
function properties(s: Schema, ru: Schema | undefined, lang: Lang, prefix: string, required: string[], out: string[]): void {
  for (const [name, p] of Object.entries(s.properties ?? {})) {
    const pRu = ru?.properties?.[name];
    const w = WORDS[lang];
    const key = prefix ? `${prefix}.${name}` : name;
    out.push(`### ${key}`, '');
    const facts = [`${w.type}: ${typeOf(p, w)}${required.includes(name) ? `, ${w.required}` : ''}`];
    if (p.default !== undefined) facts.push(`${w.default}: ${inline(p.default)}`);
    if (p.enum) facts.push(`${w.values}: ${p.enum.map(inline).join(', ')}`);
    if (p.pattern) facts.push(`${w.pattern}: \`${p.pattern}\``);
    if (p.minimum !== undefined || p.maximum !== undefined) facts.push(`${w.range}: ${p.minimum ?? '…'}..${p.maximum ?? '…'}`);
    if (p.minItems !== undefined) facts.push(`${w.minItems} ${p.minItems} ${w.items}`);
    if (p['x-doc-deprecated']) facts.push(`**${w.deprecated}**`);
    out.push(...facts.map((f) => `- ${f}`), '');
    const desc = (lang === 'ru' ? pRu?.description : undefined) ?? p.description;
    if (desc) out.push(desc.trim(), '');
    const ex = p['x-doc-examples'] ?? p['x-examples'];
    if (ex?.length) out.push(`${w.example}:`, '', '```yaml', yaml.dump(ex[0]).trim(), '```', '');
    const child = p.type === 'array' ? p.items : p;
    const childRu = p.type === 'array' ? pRu?.items : pRu;
    if (child?.properties) properties(child, childRu, lang, p.type === 'array' ? `${key}[]` : key, child.required ?? [], out);
  }
}

const FRONT: Record<string, Record<Lang, [string, string]>> = {
  CONFIGURATION: { en: ['The metallb module: configuration', 'Settings of the metallb module (ModuleConfig metallb).'], ru: ['Модуль metallb: настройки', 'Настройки модуля metallb (ModuleConfig metallb).'] },
  CR: { en: ['The metallb module: custom resources', 'Custom resources of the metallb module.'], ru: ['Модуль metallb: кастомные ресурсы', 'Кастомные ресурсы модуля metallb.'] },
};
const NOTE: Record<Lang, string> = {
  en: 'This page is generated from the module schemas (`node dist/scripts/gen-docs.js`); do not edit it by hand.',
  ru: 'Страница создаётся из схем модуля (`node dist/scripts/gen-docs.js`); не редактируйте её вручную.',
};

function header(doc: string, lang: Lang): string[] {
  const [title, description] = FRONT[doc]![lang];
  return ['---', `title: "${title}"`, `description: "${description}"`, '---', '', `<!-- ${NOTE[lang]} -->`, ''];
}

export function configurationDoc(lang: Lang): string {
  const schema = read('openapi/config-values.yaml') as Schema & { 'x-config-version'?: number };
  const ru = read('openapi/doc-ru-config-values.yaml') as Schema;
  const out = header('CONFIGURATION', lang);
  out.push(lang === 'en' ? `The module is configured by the ModuleConfig \`metallb\` (settings version ${schema['x-config-version']}).` : `Модуль настраивается ресурсом ModuleConfig \`metallb\` (версия настроек ${schema['x-config-version']}).`, '');
  const ex = schema['x-examples']?.[0];
  if (ex) out.push('```yaml', yaml.dump({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: 'metallb' }, spec: { enabled: true, version: schema['x-config-version'], settings: ex } }).trim(), '```', '');
  properties(schema, ru, lang, '', schema.required ?? [], out);
  return out.join('\n').trimEnd() + '\n';
}

type Crd = { spec: { group: string; scope: string; names: { kind: string; plural: string; shortNames?: string[] }; versions: Array<{ name: string; schema: { openAPIV3Schema: Schema } }> } };
type CrdRu = { spec?: { versions?: Array<{ name: string; schema?: { openAPIV3Schema?: Schema } }> } };

export function crDoc(lang: Lang): string {
  const out = header('CR', lang);
  const w = WORDS[lang];
  const files = fs.readdirSync(path.join(root, 'crds')).filter((f) => f.endsWith('.yaml') && !f.startsWith('doc-ru-')).sort();
  for (const f of files) {
    const crd = read(`crds/${f}`) as Crd;
    const ruPath = path.join(root, 'crds', `doc-ru-${f}`);
    const ru = fs.existsSync(ruPath) ? (yaml.load(fs.readFileSync(ruPath, 'utf8')) as CrdRu) : undefined;
    for (const v of crd.spec.versions) {
      const schema = v.schema.openAPIV3Schema;
      const schemaRu = ru?.spec?.versions?.find((x) => x.name === v.name)?.schema?.openAPIV3Schema;
      out.push(`## ${crd.spec.names.kind}`, '');
      out.push(`- ${w.version}: \`${crd.spec.group}/${v.name}\``, `- ${w.scope}: ${crd.spec.scope}`);
      if (crd.spec.names.shortNames?.length) out.push(`- ${w.short}: ${crd.spec.names.shortNames.map((s) => `\`${s}\``).join(', ')}`);
      out.push('');
      const desc = (lang === 'ru' ? schemaRu?.description : undefined) ?? schema.description;
      if (desc) out.push(desc.trim(), '');
      const spec = schema.properties?.spec;
      if (spec) properties({ properties: { spec } }, schemaRu ? { properties: { spec: schemaRu.properties?.spec ?? {} } } : undefined, lang, '', schema.required ?? [], out);
    }
  }
  return out.join('\n').trimEnd() + '\n';
}

export const generatedDocs: Record<string, () => string> = {
  'docs/CONFIGURATION.md': () => configurationDoc('en'),
  'docs/CONFIGURATION_RU.md': () => configurationDoc('ru'),
  'docs/CR.md': () => crDoc('en'),
  'docs/CR_RU.md': () => crDoc('ru'),
};

if (require.main === module) {
  for (const [file, gen] of Object.entries(generatedDocs)) fs.writeFileSync(path.join(root, file), gen());
}
