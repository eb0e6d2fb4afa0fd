// SPDX-License-Identifier: Apache-2.0
/** Renders the module chart with the real `helm template`, values passed as a file. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import yaml from 'js-yaml';
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import { SCRATCH } from './hook-exec.js';

export interface RenderOptions {
  helm: string;
  chartDir: string;
  release: string;
  namespace: string;
}

/** `helm template`; rejects with helm's own error text (e.g. a template's `fail` message). */
export function renderChart(o: RenderOptions, values: unknown): Promise<KubeObject[]> {
  const dir = fs.mkdtempSync(path.join(SCRATCH, 'metallb-render-'));
  const file = path.join(dir, 'values.json');
  fs.writeFileSync(file, JSON.stringify(values));
  return new Promise<KubeObject[]>((resolve, reject) => {
    execFile(o.helm, ['template', o.release, o.chartDir, '--namespace', o.namespace, '-f', file], { encoding: 'utf8', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      fs.rmSync(dir, { recursive: true, force: true });
      if (err) return reject(new Error(`helm template failed: ${(stderr || err.message).trim()}`));
      try {
        resolve(yaml.loadAll(stdout).filter((d): d is KubeObject => typeof d === 'object' && d !== null && typeof (d as KubeObject).kind === 'string'));
      } catch (e) {
        reject(new Error(`helm output is not YAML: ${(e as Error).message}`));
      }
    });
  });
}
