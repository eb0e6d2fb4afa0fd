// SPDX-License-Identifier: Apache-2.0
/**
 * End to end: the embedded API server, the module runtime, the fixture hooks through a real batch
 * executable, and the fixture chart through the real helm. Objects appear, follow changes, get pruned,
 * and a restarted runtime converges without writing.
 */
import * as path from 'node:path';
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import { newLogger } from '../../lib/log.js';
import { Kube } from '../../lab/runtime/kube.js';
import { ModuleRuntime } from '../../lab/runtime/runtime.js';
import { useApiServer } from '../helpers/apiserver.js';
import { buildHooksTree, repoRoot } from '../helpers/hooks-tree.js';
import { until as waitUntil } from '../helpers/until.js';

jest.setTimeout(240000);
let rt: ModuleRuntime | undefined;
// Stop the runtime before the API server goes (this hook is registered first, so it runs first).
afterAll(async () => {
  await rt?.stop();
  rt = undefined;
});
const api = useApiServer();
const tree = buildHooksTree('runtime-e2e', ['lib/hook-sdk', 'test/fixtures/hooks/src'], 'test/fixtures/hooks/src/index');
const helm = path.join(repoRoot, '.cache/helm/helm');
const moduleDir = path.join(repoRoot, 'test/fixtures/hooks/module');
const log = newLogger('runtime-e2e', process.env.E2E_LOG ?? 'silent');

let kube: Kube;

function runtime(): ModuleRuntime {
  return new ModuleRuntime({ kubeconfig: api.kubeconfigPath, moduleDir, hooks: tree.batch, helm, backoff: { baseMs: 100, maxMs: 400 }, metricsPort: 0, crdRoots: [repoRoot], log });
}

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 120000): Promise<T> => waitUntil(what, fn, ms, 100);

const cm = (name: string) => kube.get('v1', 'ConfigMap', 'd8-metallb', name);
const mlbc = (name: string, pool: string[]): KubeObject => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', metadata: { name }, spec: { addressPool: pool } });
const svc = (name: string, cls: string, annotations: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'default', annotations },
  spec: { type: 'LoadBalancer', loadBalancerClass: cls, ports: [{ port: 80, protocol: 'TCP' }] },
});

beforeAll(async () => {
  kube = new Kube(api.kubeconfigPath);
  await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }).catch(() => undefined);
});

afterAll(() => tree.remove());

describe('module runtime against the embedded API server', () => {
  test('first start: CRDs ensured, ModuleConfig read, Synchronization, chart applied, afterHelm ran', async () => {
    rt = runtime();
    await rt.start();
    // CRDs exist now; the ModuleConfig arrives after start and reconfigures the module.
    await kube.create({ apiVersion: 'deckhouse.io/v1alpha1', kind: 'ModuleConfig', metadata: { name: 'metallb' }, spec: { version: 1, settings: { logLevel: 'Debug' } } });
    await until('the namespace and the afterHelm object', async () => (await cm('fixture-status')) && (await kube.get('v1', 'Namespace', undefined, 'd8-metallb')));
    const ns = await kube.get('v1', 'Namespace', undefined, 'd8-metallb');
    expect(ns?.metadata?.labels).toMatchObject({ heritage: 'deckhouse', module: 'metallb' });
    expect(ns?.metadata?.annotations?.['meta.helm.sh/release-name']).toBe('metallb');
    expect(rt.hooks.map((h) => h.metadata?.name)).toEqual(['services', 'schedule', 'status']);
  });

  test('a class and a Service render their objects; changes follow; deletes prune', async () => {
    await kube.create(mlbc('a', ['192.0.2.200-192.0.2.210']));
    await kube.create(svc('web', 'a'));
    const c = await until('class-a rendered with the ModuleConfig setting', async () => {
      const o = await cm('class-a');
      return (o?.data as Record<string, string> | undefined)?.logLevel === 'Debug' && o;
    });
    expect(c.data).toEqual({ addresses: '192.0.2.200-192.0.2.210', logLevel: 'Debug' });
    await until('svc-default-web rendered', () => cm('svc-default-web'));

    await kube.patch('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', undefined, 'a', 'merge', { spec: { addressPool: ['192.0.2.220/30'] } });
    await until('class-a follows the change', async () => ((await cm('class-a'))?.data as Record<string, string> | undefined)?.addresses === '192.0.2.220/30');

    await kube.delete('v1', 'Service', 'default', 'web');
    await until('svc-default-web pruned', async () => (await cm('svc-default-web')) === undefined);
    expect(await cm('class-a')).toBeDefined();
  });

  test('pruning never touches a user object in the same namespace', async () => {
    await kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'svc-default-mine', namespace: 'd8-metallb' }, data: { a: 'b' } });
    await kube.create(svc('tmp', 'a'));
    await until('svc-default-tmp rendered', () => cm('svc-default-tmp'));
    await kube.delete('v1', 'Service', 'default', 'tmp');
    await until('svc-default-tmp pruned', async () => (await cm('svc-default-tmp')) === undefined);
    await rt?.idle();
    expect(await cm('svc-default-mine')).toBeDefined();
  });

  test('events queued behind a running hook: each hook runs once for all of them, not once per object', async () => {
    await rt?.idle();
    const before = { ...rt?.stats.runsOf };
    const ran = (hook: string) => (rt?.stats.runsOf[hook] ?? 0) - (before[hook] ?? 0);
    // While the services hook sleeps, Services and ConfigMaps (another hook's binding, the same queue) arrive in turn.
    await kube.create(svc('slow', 'a', { 'fixture/sleep-ms': '3000' }));
    const n = 60;
    for (let i = 0; i < n; i++) {
      await kube.create(svc(`burst-${i}`, 'a'));
      await kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `burst-${i}`, namespace: 'd8-metallb', labels: { fixture: 'yes' } }, data: {} });
    }
    await kube.delete('v1', 'Service', 'default', 'slow');
    await until('every Service of the burst rendered', async () => (await kube.list('v1', 'ConfigMap', 'd8-metallb')).items.filter((o) => o.metadata?.name?.startsWith('svc-default-burst-')).length === n);
    await rt?.idle();
    // One run per object would be n runs of each; what queued during a run merges into one.
    expect(ran('services')).toBeLessThan(n / 6);
    expect(ran('status')).toBeLessThan(n / 6);
    for (let i = 0; i < n; i++) {
      await kube.delete('v1', 'Service', 'default', `burst-${i}`);
      await kube.delete('v1', 'ConfigMap', 'd8-metallb', `burst-${i}`);
    }
    await until('the burst pruned', async () => (await kube.list('v1', 'ConfigMap', 'd8-metallb')).items.every((o) => !o.metadata?.name?.startsWith('svc-default-burst-')));
  });

  test('invalid settings go to the ModuleConfig status and the module keeps its last valid settings', async () => {
    await kube.patch('deckhouse.io/v1alpha1', 'ModuleConfig', undefined, 'metallb', 'merge', { spec: { settings: { logLevel: 'Loud' } } });
    const mc = await until('ModuleConfig status error', async () => {
      const o = await kube.get('deckhouse.io/v1alpha1', 'ModuleConfig', undefined, 'metallb');
      return ((o?.status as { message?: string } | undefined)?.message ?? '').startsWith('Error:') && o;
    });
    expect((mc.status as { message: string }).message).toContain('spec.settings are not valid (version 1)');
    expect((mc.status as { message: string }).message).toContain('settings.logLevel');
    expect(((await cm('class-a'))?.data as Record<string, string>).logLevel).toBe('Debug');
    await kube.patch('deckhouse.io/v1alpha1', 'ModuleConfig', undefined, 'metallb', 'merge', { spec: { settings: { logLevel: 'Info', pools: 'x' } } });
    await until('the module settings check (hook check) in the status', async () => {
      const o = await kube.get('deckhouse.io/v1alpha1', 'ModuleConfig', undefined, 'metallb');
      return (o?.status as { message?: string }).message === 'Error: settings check: pools must be a list';
    });
    expect(((await cm('class-a'))?.data as Record<string, string>).logLevel).toBe('Debug');
    await kube.patch('deckhouse.io/v1alpha1', 'ModuleConfig', undefined, 'metallb', 'merge', { spec: { settings: { logLevel: 'Info', pools: null } } });
    await until('status cleared and the new setting rendered', async () => {
      const o = await kube.get('deckhouse.io/v1alpha1', 'ModuleConfig', undefined, 'metallb');
      return (o?.status as { message?: string }).message === '' && ((await cm('class-a'))?.data as Record<string, string>).logLevel === 'Info';
    });
  });

  test('a failing hook is retried with backoff and nothing of its run is applied until it succeeds', async () => {
    const failuresBefore = rt?.stats.hookFailures ?? 0;
    await kube.create(svc('bad', 'a', { 'fixture/fail': 'true' }));
    await until('a few failed attempts', async () => (rt?.stats.hookFailures ?? 0) >= failuresBefore + 2);
    expect(await cm('svc-default-bad')).toBeUndefined();
    const metrics = await (await fetch(`http://127.0.0.1:${rt?.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/metallb_runtime_hook_runs_total\{hook="services",binding="[^"]+",result="error"\} [1-9]/);
    await kube.patch('v1', 'Service', 'default', 'bad', 'merge', { metadata: { annotations: { 'fixture/fail': 'false' } } });
    await until('svc-default-bad rendered after recovery', () => cm('svc-default-bad'));
  });

  test('values that break values.yaml fail the hook run, and nothing of it is applied', async () => {
    const failuresBefore = rt?.stats.hookFailures ?? 0;
    await kube.create(svc('odd', 'a', { 'fixture/bad-values': 'true' }));
    await until('the run rejected a few times', async () => (rt?.stats.hookFailures ?? 0) >= failuresBefore + 2);
    expect(await cm('svc-default-odd')).toBeUndefined();
    await kube.delete('v1', 'Service', 'default', 'odd');
    await rt?.idle();
    expect(await cm('svc-default-bad')).toBeDefined();
  });

  test('hook metrics are served with hook and module labels', async () => {
    await rt?.idle();
    const text = await (await fetch(`http://127.0.0.1:${rt?.metricsPort}/metrics`)).text();
    expect(text).toContain('d8_metallb_fixture_services{class="a",hook="services",module="metallb"} 1');
    expect(text).toMatch(/metallb_runtime_hook_runs_total\{hook="status",binding="afterHelm",result="ok"\} [1-9]/);
    // The 6-field schedule (every 15 s) runs in its own queue with the nodes snapshot it includes; wait for its first tick.
    const scheduled = /metallb_runtime_hook_runs_total\{hook="schedule",binding="every-15s",result="ok"\} [1-9]/;
    let latest = text;
    for (let end = Date.now() + 40_000; !scheduled.test(latest) && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 500));
      latest = await (await fetch(`http://127.0.0.1:${rt?.metricsPort}/metrics`)).text();
    }
    expect(latest).toMatch(scheduled);
    expect(latest).toMatch(/d8_metallb_fixture_schedule_runs_total\{hook="schedule",module="metallb"\} [1-9]/);
  });

  test('a restarted runtime converges with no writes: resourceVersions unchanged', async () => {
    await rt?.idle();
    await rt?.stop();
    const before = await kube.list('v1', 'ConfigMap', 'd8-metallb');
    const ns = await kube.get('v1', 'Namespace', undefined, 'd8-metallb');
    rt = runtime();
    await rt.start();
    await rt.idle();
    const after = await kube.list('v1', 'ConfigMap', 'd8-metallb');
    const rv = (l: { items: KubeObject[] }) => Object.fromEntries(l.items.map((o) => [o.metadata?.name, o.metadata?.resourceVersion]));
    expect(rv(after)).toEqual(rv(before));
    expect((await kube.get('v1', 'Namespace', undefined, 'd8-metallb'))?.metadata?.resourceVersion).toBe(ns?.metadata?.resourceVersion);
    expect(rt.kube.writes).toBe(0);
    expect(rt.stats.lastApply).toMatchObject({ created: 0, updated: 0, deleted: 0, errors: [] });
    await rt.stop();
    rt = undefined;
  });
});
