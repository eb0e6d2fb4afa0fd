// SPDX-License-Identifier: Apache-2.0
/**
 * End to end with the module's own parts: hooks/batch (dist/), the real chart, the real helm, the embedded
 * API server. A MetalLoadBalancerClass and a Service become an SDNInternalL2LBService, an IPAddressPool and an
 * L2Advertisement; changes follow, deletes prune, and a restart writes nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import { newLogger } from '../../lib/log.js';
import { Kube } from '../../lab/runtime/kube.js';
import { ModuleRuntime } from '../../lab/runtime/runtime.js';
import { useApiServer } from '../helpers/apiserver.js';
import { until } from '../helpers/until.js';
import { repoRoot } from '../helpers/hooks-tree.js';

const built = fs.existsSync(path.join(repoRoot, 'dist/hooks/src/index.js')) && fs.existsSync(path.join(repoRoot, 'dist/lib/hook-sdk/batch.js'));
const log = newLogger('module-e2e', process.env.E2E_LOG ?? 'silent');

(built ? describe : describe.skip)(built ? 'the metallb module through the runtime' : 'the metallb module through the runtime (skipped: dist/ not built, run make build)', () => {
  jest.setTimeout(400000);
  let kube: Kube;
  let rt: ModuleRuntime | undefined;
  // Stop the runtime before the API server goes (this hook is registered first, so it runs first).
  afterAll(async () => {
    await rt?.stop();
    rt = undefined;
  });
  const api = useApiServer();

  const runtime = () =>
    new ModuleRuntime({ kubeconfig: api.kubeconfigPath, moduleDir: repoRoot, hooks: path.join(repoRoot, 'hooks/batch'), helm: path.join(repoRoot, '.cache/helm/helm'), backoff: { baseMs: 1000, maxMs: 5000 }, crdRoots: [repoRoot], log });

  const get = (apiVersion: string, kind: string, ns: string | undefined, name: string) => kube.get(apiVersion, kind, ns, name);
  const pool = () => get('metallb.io/v1beta1', 'IPAddressPool', 'd8-metallb', 'l2');

  beforeAll(async () => {
    kube = new Kube(api.kubeconfigPath);
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } }).catch(() => undefined);
    await kube.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/worker': '' } } });
  });

  test('a class and a Service render the instance, the pool and the advertisement', async () => {
    rt = runtime();
    await rt.start();
    await kube.create({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', metadata: { name: 'l2' }, spec: { isDefault: true, addressPool: ['192.0.2.200-192.0.2.250'], nodeSelector: { 'node-role.kubernetes.io/worker': '' } } });
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'l2', ports: [{ port: 80, protocol: 'TCP' }] } };
    await kube.create(svc);
    const inst = await until('the instance web-l2-0', () => get('internal.network.deckhouse.io/v1alpha1', 'SDNInternalL2LBService', 'default', 'web-l2-0'), 300_000, 200);
    expect(inst.metadata?.labels).toMatchObject({ heritage: 'deckhouse', module: 'metallb' });
    expect((inst.spec as { serviceRef?: unknown }).serviceRef).toEqual({ namespace: 'default', name: 'web' });
    expect(((await until('the pool', pool, 300_000, 200)).spec as { addresses: string[] }).addresses).toEqual(['192.0.2.200-192.0.2.250']);
    expect(await get('metallb.io/v1beta1', 'L2Advertisement', 'd8-metallb', 'l2')).toBeDefined();
  });

  test('a changed class pool follows; a deleted Service prunes its instance', async () => {
    await kube.patch('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', undefined, 'l2', 'merge', { spec: { addressPool: ['192.0.2.220-192.0.2.230'] } });
    await until('the pool follows', async () => JSON.stringify(((await pool())?.spec as { addresses?: string[] } | undefined)?.addresses) === '["192.0.2.220-192.0.2.230"]', 300_000, 200);
    await kube.delete('v1', 'Service', 'default', 'web');
    await until('the instance pruned', async () => (await get('internal.network.deckhouse.io/v1alpha1', 'SDNInternalL2LBService', 'default', 'web-l2-0')) === undefined, 300_000, 200);
    expect(await pool()).toBeDefined();
  });

  test('a restarted runtime converges without changing any rendered object', async () => {
    await rt?.idle();
    await rt?.stop();
    const snapshot = async () => {
      const out: Record<string, string | undefined> = {};
      for (const [v, k] of [['metallb.io/v1beta1', 'IPAddressPool'], ['metallb.io/v1beta1', 'L2Advertisement'], ['v1', 'ConfigMap'], ['apps/v1', 'DaemonSet'], ['apps/v1', 'Deployment']] as const) {
        for (const o of (await kube.list(v, k, 'd8-metallb')).items) out[`${k}/${o.metadata?.name}`] = o.metadata?.resourceVersion;
      }
      return out;
    };
    const before = await snapshot();
    expect(Object.keys(before).length).toBeGreaterThan(2);
    rt = runtime();
    await rt.start();
    await rt.idle();
    expect(await snapshot()).toEqual(before);
    expect(rt.stats.lastApply).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    await rt.stop();
    rt = undefined;
  });
});
