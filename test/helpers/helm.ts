// SPDX-License-Identifier: Apache-2.0
/** Renders the module's chart with the real helm binary (set up by scripts/setup.sh). */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

export const repoRoot = path.resolve(__dirname, '../..');
export const helmBinary = path.join(repoRoot, '.cache/helm/helm');

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

/** `helm template` of the chart with the given values (and extra APIs the cluster serves); returns the parsed manifests. */
export function renderChart(values: unknown, apiVersions: readonly string[] = []): Manifest[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'metallb-render-'));
  try {
    const file = path.join(dir, 'values.yaml');
    fs.writeFileSync(file, yaml.dump(values));
    const out = execFileSync(helmBinary, ['template', 'metallb', repoRoot, '--namespace', 'd8-metallb', '-f', file, ...apiVersions.flatMap((a) => ['--api-versions', a])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return yaml.loadAll(out).filter((d): d is Manifest => d !== null && typeof d === 'object');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export function findManifest(manifests: Manifest[], kind: string, name: string, namespace?: string): Manifest | undefined {
  return manifests.find((m) => m.kind === kind && m.metadata.name === name && (namespace === undefined || m.metadata.namespace === namespace));
}
