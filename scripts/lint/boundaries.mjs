// SPDX-License-Identifier: Apache-2.0
/**
 * ESLint rule: what each shipped part may import. An image (images/<name>/) imports only itself and lib/;
 * the hooks only themselves and lib/; lib/ only itself. Tests may also use the test and lab helpers, never
 * another image's source. Shared code belongs in lib/.
 */
import * as path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** The part a repository path belongs to: `image:<name>`, `hooks`, `lib`, or undefined for tools (lab, test, bench, scripts). */
export function partOf(rel) {
  const [top, name] = rel.split(path.sep);
  if (top === 'images' && name && !name.includes('.')) return `image:${name}`;
  if (top === 'hooks' || top === 'lib') return top;
  return undefined;
}

/** Why `from` may not import `to`, or undefined when it may. */
export function refusal(from, to, isTest) {
  if (from === undefined || to === from || to === 'lib') return undefined;
  if (to === undefined) return isTest ? undefined : 'tools (lab, test, bench, scripts) are not shipped with it';
  if (to.startsWith('image:')) return `it is another image's source (${to.slice(6)})`;
  return `${to}/ is not shipped with it`;
}

export const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'An image, the hooks and lib/ import only themselves and lib/' },
    schema: [],
    messages: { refused: '{{from}} may not import "{{spec}}": {{why}}; move what both need to lib/.' },
  },
  create(context) {
    const file = path.resolve(context.filename);
    const from = partOf(path.relative(ROOT, file));
    if (from === undefined) return {};
    const isTest = /\.test\.ts$/.test(file);
    const check = (node, spec) => {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.relative(ROOT, path.resolve(path.dirname(file), spec));
      const why = refusal(from, target.startsWith('..') ? undefined : partOf(target), isTest);
      if (why) context.report({ node, messageId: 'refused', data: { from: from.replace('image:', 'images/'), spec, why } });
    };
    const source = (node) => node.source && check(node, node.source.value);
    return {
      ImportDeclaration: source,
      ExportNamedDeclaration: source,
      ExportAllDeclaration: source,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportType: (node) => check(node, node.argument?.literal?.value ?? node.argument?.value),
      CallExpression: (node) => {
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && node.arguments[0]?.type === 'Literal') check(node, node.arguments[0].value);
      },
    };
  },
};
