// SPDX-License-Identifier: Apache-2.0
/**
 * Hook figures: one `hook run` (process start to patches written) of the node-run batch executable and of
 * its single-executable build, against a bare `node -e 0` start; and the delay from a Service event to the
 * rendered objects in the API through the module runtime, against one hook run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KubeObject } from '../lib/hook-sdk/index.js';
import { newLogger } from '../lib/log.js';
import { startApiServer } from '../lab/apiserver/index.js';
import { Kube } from '../lab/runtime/kube.js';
import { ModuleRuntime } from '../lab/runtime/runtime.js';
import { buildHooksTree, repoRoot } from '../test/helpers/hooks-tree.js';
import { quantile, result, summarize, type BenchResult } from './result.js';
import { until } from '../test/helpers/until.js';

// Enough runs that a p95 is not just the worst one.
const RUNS = 40;
const SERVICE_EVENTS = 20;

function timed(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Runs `bin hook run <index>` with a beforeHelm context and fresh protocol files; returns ms. */
function hookRun(bin: string, index: number, bindings: string[], env: NodeJS.ProcessEnv): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-hook-'));
  try {
    const files: Record<string, string> = {};
    const put = (k: string, body: string) => {
      files[k] = path.join(dir, k);
      fs.writeFileSync(files[k] as string, body);
    };
    put('BINDING_CONTEXT_PATH', JSON.stringify([{ binding: 'beforeHelm', snapshots: Object.fromEntries(bindings.map((b) => [b, []])) }]));
    put('VALUES_PATH', JSON.stringify({ global: {}, metallb: { internal: {} } }));
    put('CONFIG_VALUES_PATH', JSON.stringify({ global: {}, metallb: {} }));
    for (const k of ['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH']) put(k, '');
    let status: number | null = null;
    const ms = timed(() => {
      status = spawnSync(bin, ['hook', 'run', String(index)], { env: { ...env, ...files } }).status;
    });
    if (status !== 0) throw new Error(`${bin} hook run ${index} exited ${status}`);
    return ms;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function samples(n: number, fn: () => number): number[] {
  fn(); // warm the page cache
  return Array.from({ length: n }, fn).sort((a, b) => a - b);
}

function figures(name: string, s: number[], ref: number, refName: string): BenchResult[] {
  return [
    result(`${name} p50`, quantile(s, 0.5), 'ms', ref, { referenceName: refName, samples: summarize(s) }),
    result(`${name} p95`, quantile(s, 0.95), 'ms', ref, { referenceName: refName, samples: summarize(s) }),
  ];
}

/** Service created → its rendered object in the API, through informer, hook process, helm and apply. */
async function serviceToObjects(n: number): Promise<number[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rt-'));
  const tree = buildHooksTree('bench-hooks', ['lib/hook-sdk', 'test/fixtures/hooks/src'], 'test/fixtures/hooks/src/index');
  const server = await startApiServer({ port: 0, kubeconfigPath: path.join(dir, 'kubeconfig') });
  const rt = new ModuleRuntime({
    kubeconfig: path.join(dir, 'kubeconfig'),
    moduleDir: path.join(repoRoot, 'test/fixtures/hooks/module'),
    hooks: tree.batch,
    helm: path.join(repoRoot, '.cache/helm/helm'),
    backoff: { baseMs: 100, maxMs: 400 },
    crdRoots: [repoRoot],
    log: newLogger('bench', 'silent'),
  });
  try {
    const kube = new Kube(path.join(dir, 'kubeconfig'));
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }).catch(() => undefined);
    await rt.start();
    await kube.create({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', metadata: { name: 'a' }, spec: { addressPool: ['192.0.2.200-192.0.2.250'] } });
    await until('the class ConfigMap', () => kube.get('v1', 'ConfigMap', 'd8-metallb', 'class-a'), 60000, 10);
    await rt.idle();
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'default' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'a', ports: [{ port: 80, protocol: 'TCP' }] } };
      const t0 = performance.now();
      await kube.create(svc);
      await until(`the ConfigMap of s${i}`, () => kube.get('v1', 'ConfigMap', 'd8-metallb', `svc-default-s${i}`), 60000, 10);
      out.push(performance.now() - t0);
      await rt.idle();
    }
    return out.sort((a, b) => a - b);
  } finally {
    await rt.stop();
    await server.close();
    tree.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const batch = path.join(repoRoot, 'hooks/batch');
  // `hook config` prints the bare array of hook configurations.
  const hooks = JSON.parse(execFileSync(batch, ['hook', 'config'], { encoding: 'utf8' })) as { kubernetes?: { name: string }[] }[];
  const index = Math.max(0, hooks.findIndex((h) => (h.kubernetes ?? []).length > 0));
  const bindings = (hooks[index]?.kubernetes ?? []).map((k) => k.name);

  const nodeStart = samples(RUNS, () => timed(() => spawnSync('node', ['-e', '0'])));
  const ref = quantile(nodeStart, 0.5);
  const out: BenchResult[] = [result('node -e 0 start p50 (reference)', ref, 'ms', ref, { referenceName: 'node -e 0', samples: summarize(nodeStart) })];

  const runs = samples(RUNS, () => hookRun(batch, index, bindings, process.env));
  out.push(...figures('hook run, batch on node', runs, ref, 'node -e 0 p50'));

  const seaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-sea-'));
  try {
    const sea = path.join(seaDir, 'batch-sea');
    execFileSync('bash', [path.join(repoRoot, 'scripts/build-hooks-sea.sh'), sea], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
    const seaRuns = samples(RUNS, () => hookRun(sea, index, bindings, { PATH: '/nonexistent' }));
    out.push(...figures('hook run, single executable', seaRuns, ref, 'node -e 0 p50'));
  } finally {
    fs.rmSync(seaDir, { recursive: true, force: true });
  }

  const delays = await serviceToObjects(SERVICE_EVENTS);
  out.push(...figures('Service event to rendered objects in the API', delays, quantile(runs, 0.5), 'one hook run p50'));
  return out;
}
