// SPDX-License-Identifier: Apache-2.0
/**
 * Validates built-in Kubernetes objects against their published schemas (kubernetes-models).
 * The model packages are ESM, so validation runs in a plain node child process.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Manifest } from './helm.js';

const PACKAGES = ['kubernetes-models', '@kubernetes-models/prometheus-operator', '@kubernetes-models/autoscaler'];

/** The model class file for a kind, or undefined when no package knows the kind. */
function modelPath(apiVersion: string, kind: string): string | undefined {
  for (const pkg of PACKAGES) {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`));
    const file = path.join(dir, apiVersion, `${kind}.js`);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

export function hasBuiltinModel(m: Manifest): boolean {
  return modelPath(m.apiVersion, m.kind) !== undefined;
}

const VALIDATOR = `
const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const out = [];
  for (const { file, kind, object } of input) {
    try {
      const mod = await import(file);
      const Model = mod[kind] ?? (mod.default && mod.default[kind]) ?? mod.default;
      new Model(object).validate();
      out.push(null);
    } catch (e) { out.push(String(e && e.message || e)); }
  }
  process.stdout.write(JSON.stringify(out));
})();`;

/** Returns one error message per invalid object ("Kind/name: message"); empty when all are valid. */
export function validateBuiltins(manifests: Manifest[]): string[] {
  const input = manifests.map((m) => {
    const file = modelPath(m.apiVersion, m.kind);
    if (!file) throw new Error(`no schema known for ${m.apiVersion} ${m.kind}`);
    return { file, kind: m.kind, object: m };
  });
  const out = JSON.parse(execFileSync(process.execPath, ['-e', VALIDATOR], { input: JSON.stringify(input), encoding: 'utf8' })) as Array<string | null>;
  return out.flatMap((err, i) => (err === null ? [] : [`${manifests[i]!.kind}/${manifests[i]!.metadata.name}: ${err}`]));
}
