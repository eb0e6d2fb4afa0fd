// SPDX-License-Identifier: Apache-2.0
/**
 * The module's side of a burst, at 1k and 10k single-IP Services (SCALE_SIZES overrides): the L2 discovery hook
 * through the batch executable, as the runtime runs it, and `helm template` of the chart with the instances it
 * placed. The cost above an empty run is compared with ten times the cost at a tenth of the Services, in the same
 * run: a ratio near 1 is linear growth, near 10 would be quadratic.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { apiVersionOf, METAL_LOAD_BALANCER_CLASS } from '../lib/api/index.js';
import type { KubeObject } from '../lib/hook-sdk/index.js';
import { parseJsonStream } from '../lib/hook-sdk/json-stream.js';
import * as discoveryL2 from '../hooks/src/discovery-l2-load-balancers.js';
import { repoRoot } from '../test/helpers/hooks-tree.js';
import { snapshotOf } from '../test/hooks/harness.js';
import { result, summarize, type BenchResult } from './result.js';

const BATCH = path.join(repoRoot, 'hooks/batch');
const HELM = path.join(repoRoot, '.cache/helm/helm');
const HOOK = 'discovery-l2-load-balancers';
const RUNS = 3;

/** A class on three nodes and `n` single-IP IPv6 Services of it. */
export function clusterOf(n: number): Record<string, KubeObject[]> {
  const nodes = [1, 2, 3].map((i) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${i}`, labels: { 'node-role.kubernetes.io/frontend': '' } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }));
  const cls = { apiVersion: apiVersionOf(METAL_LOAD_BALANCER_CLASS), kind: METAL_LOAD_BALANCER_CLASS.kind, metadata: { name: 'burst' }, spec: { type: 'L2', addressPool: ['2001:db8:0:1::/108'], nodeSelector: { 'node-role.kubernetes.io/frontend': '' } } };
  const services = Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: `svc-${String(i).padStart(5, '0')}`, namespace: `ns-${i % 20}`, uid: `uid-${i}` },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'burst', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv6'], selector: { app: `a${i}` }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
  }));
  return { mlbc: [cls], nodes, services, l2lbservices: [] };
}

function median(xs: number[]): number {
  return summarize(xs).median;
}

function tempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-scale-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** One `hook run` of the discovery hook with a Group context of these snapshots; ms and the instances it placed. */
function hookRun(index: number, snapshots: Record<string, KubeObject[]>): { ms: number; instances: unknown[] } {
  return tempDir((dir) => {
    const files: Record<string, string> = {};
    const put = (k: string, body: string) => fs.writeFileSync((files[k] = path.join(dir, k)), body);
    // the items as the runtime keeps them (jqFilter results where a binding has one)
    const items = (name: string, objs: KubeObject[]) => {
      const b = discoveryL2.config.kubernetes?.find((k) => k.name === name);
      if (!b) throw new Error(`${HOOK} has no binding ${name}`);
      return snapshotOf(b, objs);
    };
    put('BINDING_CONTEXT_PATH', JSON.stringify([{ binding: 'mlbc', type: 'Group', groupName: 'main', snapshots: Object.fromEntries(Object.entries(snapshots).map(([k, v]) => [k, items(k, v)])) }]));
    put('VALUES_PATH', JSON.stringify({ global: {}, metallb: { internal: {} } }));
    put('CONFIG_VALUES_PATH', JSON.stringify({ global: {}, metallb: {} }));
    for (const k of ['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH']) put(k, '');
    const t0 = performance.now();
    const r = spawnSync(BATCH, ['hook', 'run', String(index)], { env: { ...process.env, ...files }, maxBuffer: 256 << 20 });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${HOOK} exited ${r.status}: ${r.stderr.toString().slice(0, 500)}`);
    const ops = parseJsonStream(fs.readFileSync(files.VALUES_JSON_PATCH_PATH as string, 'utf8')).flat() as { path: string; value?: unknown }[];
    const instances = ops.find((o) => o.path === '/metallb/internal/l2lbservices')?.value;
    return { ms, instances: Array.isArray(instances) ? instances : [] };
  });
}

/** `helm template` of the chart with the base values and these instances; ms. */
function render(instances: unknown[]): number {
  const base = yaml.load(fs.readFileSync(path.join(repoRoot, 'test/render/scenarios/base.yaml'), 'utf8')) as { metallb: { internal: Record<string, unknown> } };
  base.metallb.internal.l2lbservices = instances;
  return tempDir((dir) => {
    const file = path.join(dir, 'values.json');
    fs.writeFileSync(file, JSON.stringify(base));
    const t0 = performance.now();
    execFileSync(HELM, ['template', 'metallb', repoRoot, '--namespace', 'd8-metallb', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 256 << 20 });
    return performance.now() - t0;
  });
}

export interface ScalePoint {
  n: number;
  hookMs: number;
  renderMs: number;
}

/** Hook and render time at each size (and at 0, the fixed cost), medians of RUNS. */
export function measureScale(sizes: readonly number[]): ScalePoint[] {
  const cfg = JSON.parse(execFileSync(BATCH, ['hook', 'config'], { encoding: 'utf8' })) as { hooks: { metadata?: { name?: string } }[] } | { metadata?: { name?: string } }[];
  const hooks = Array.isArray(cfg) ? cfg : cfg.hooks;
  const index = hooks.findIndex((h) => h.metadata?.name === HOOK);
  if (index < 0) throw new Error(`hook config lists no ${HOOK}`);
  return [0, ...sizes].map((n) => {
    const cluster = clusterOf(n);
    const runs = Array.from({ length: RUNS }, () => hookRun(index, cluster));
    const instances = runs[0]?.instances ?? [];
    if (instances.length !== n) throw new Error(`${HOOK} placed ${instances.length} instances for ${n} Services`);
    return { n, hookMs: median(runs.map((r) => r.ms)), renderMs: median(Array.from({ length: RUNS }, () => render(instances))) };
  });
}

export async function run(): Promise<BenchResult[]> {
  const sizes = (process.env.SCALE_SIZES ?? '1000,10000').split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
  const points = measureScale(sizes);
  const zero = points[0] as ScalePoint;
  const out: BenchResult[] = [];
  for (const p of points.slice(1)) console.log(`  ${p.n} Services: hook ${p.hookMs.toFixed(0)} ms, helm template ${p.renderMs.toFixed(0)} ms (empty: ${zero.hookMs.toFixed(0)} / ${zero.renderMs.toFixed(0)} ms)`);
  for (let i = 2; i < points.length; i++) {
    const [small, big] = [points[i - 1] as ScalePoint, points[i] as ScalePoint];
    const k = big.n / small.n;
    const ref = `${k} x the cost at ${small.n} Services, same run (above an empty run)`;
    out.push(result(`L2 discovery hook run (batch executable) at ${big.n} Services, above an empty run`, big.hookMs - zero.hookMs, 'ms', k * (small.hookMs - zero.hookMs), { referenceName: ref }));
    out.push(result(`helm template of the chart with ${big.n} L2 instances, above an empty chart`, big.renderMs - zero.renderMs, 'ms', k * (small.renderMs - zero.renderMs), { referenceName: ref }));
  }
  return out;
}
