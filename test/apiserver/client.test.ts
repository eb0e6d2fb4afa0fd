// SPDX-License-Identifier: Apache-2.0
/** @kubernetes/client-node against the embedded API server: CRUD, status, conflicts, 401. */
import { CoreV1Api, CustomObjectsApi, ApiextensionsV1Api, type V1Service } from '@kubernetes/client-node';
import { useApiServer } from '../helpers/apiserver.js';

const api = useApiServer({ bookmarkMs: 100 });

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
    versions: [{
      name: 'v1', served: true, storage: true, subresources: { status: {} },
      schema: { openAPIV3Schema: { type: 'object', properties: {
        spec: { type: 'object', required: ['size'], properties: { size: { type: 'integer', minimum: 1 }, color: { type: 'string', default: 'blue' } } },
        status: { type: 'object', properties: { ready: { type: 'boolean' } } },
      } } },
    }],
  },
};

function status(e: unknown): number | undefined {
  return (e as { code?: number }).code;
}

describe('client-node', () => {
  test('rejects a request without the token with 401', async () => {
    const https = await import('node:https');
    const code = await new Promise<number>((resolve, reject) => {
      https.get(`${api.server.url}/api/v1/namespaces`, { ca: api.server.ca }, (r) => { r.resume(); resolve(r.statusCode ?? 0); }).on('error', reject);
    });
    expect(code).toBe(401);
  });

  test('a watch that allows bookmarks gets BOOKMARK events with the current resourceVersion', async () => {
    const https = await import('node:https');
    const lines = await new Promise<string[]>((resolve, reject) => {
      const got: string[] = [];
      const req = https.get(`${api.server.url}/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=true&resourceVersion=0`, { ca: api.server.ca, headers: { Authorization: `Bearer ${api.server.token}` } }, (r) => {
        r.on('data', (d: Buffer) => {
          got.push(...d.toString().split('\n').filter(Boolean));
          if (got.some((l) => l.includes('"BOOKMARK"'))) {
            req.destroy();
            resolve(got);
          }
        });
      });
      req.on('error', (e) => (got.some((l) => l.includes('"BOOKMARK"')) ? undefined : reject(e)));
    });
    const all = lines.map((l) => JSON.parse(l) as { type: string; object: { kind: string; metadata: { name?: string; resourceVersion: string } } });
    // The namespace's kube-root-ca.crt ConfigMap comes first, then the bookmark.
    expect(all.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name)).toEqual(['kube-root-ca.crt']);
    const events = all.filter((e) => e.type === 'BOOKMARK');
    expect(events[0]?.type).toBe('BOOKMARK');
    expect(events[0]?.object.kind).toBe('ConfigMap');
    expect(Number(events[0]?.object.metadata.resourceVersion)).toBe(api.server.api.store.resourceVersion);
  });

  test('a watch that ends at its timeoutSeconds while its client is slow to read gets no events after its end (they crashed the server)', async () => {
    const https = await import('node:https');
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const ns = 'slow-watch';
    await core.createNamespace({ body: { metadata: { name: ns } } });
    let received = 0;
    const req = https.get(`${api.server.url}/api/v1/namespaces/${ns}/configmaps?watch=true&timeoutSeconds=1`, { ca: api.server.ca, headers: { Authorization: `Bearer ${api.server.token}` } }, (r) => {
      // Not read: what the server writes stays in its buffers, so the ended response does not close.
      r.pause();
      r.on('data', (d: Buffer) => (received += d.length));
    });
    req.on('error', () => undefined);
    const big = 'x'.repeat(900_000);
    for (let i = 0; i < 12; i++) await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: `big-${i}` }, data: { big } } });
    await new Promise((r) => setTimeout(r, 1300));
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'after-the-end' }, data: { big } } });
    req.destroy();
    expect(received).toBeLessThan(12 * 900_000);
    await core.deleteNamespace({ name: ns });
  });

  test('creates, reads, lists and updates a Service; a stale update gets 409', async () => {
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const svc: V1Service = { metadata: { name: 'web', labels: { app: 'web' } }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } };
    const created = await core.createNamespacedService({ namespace: 'default', body: svc });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.spec?.ports?.[0]).toMatchObject({ port: 80, protocol: 'TCP', targetPort: 80 });
    const list = await core.listNamespacedService({ namespace: 'default', labelSelector: 'app=web' });
    expect(list.items.map((s) => s.metadata?.name)).toEqual(['web']);
    expect((await core.listNamespacedService({ namespace: 'default', labelSelector: 'app=other' })).items).toHaveLength(0);
    const updated = await core.replaceNamespacedService({ name: 'web', namespace: 'default', body: { ...created, metadata: { ...created.metadata, labels: { app: 'web', tier: 'x' } } } });
    expect(Number(updated.metadata?.resourceVersion)).toBeGreaterThan(Number(created.metadata?.resourceVersion));
    const stale = await core.replaceNamespacedService({ name: 'web', namespace: 'default', body: created }).catch((e: unknown) => e);
    expect(status(stale)).toBe(409);
    // Status goes only through /status.
    const st = await core.replaceNamespacedServiceStatus({ name: 'web', namespace: 'default', body: { ...updated, status: { loadBalancer: { ingress: [{ ip: '192.0.2.200' }] } } } });
    expect(st.status?.loadBalancer?.ingress?.[0]?.ip).toBe('192.0.2.200');
    const again = await core.replaceNamespacedService({ name: 'web', namespace: 'default', body: { ...st, status: {} } });
    expect(again.status?.loadBalancer?.ingress?.[0]?.ip).toBe('192.0.2.200');
  });

  test('a CRD serves its kind with defaults, validation and a status subresource', async () => {
    const kc = api.kubeConfig();
    const co = kc.makeApiClient(CustomObjectsApi);
    // Raw, because the typed CRD client drops `default` (it expects `_default`).
    await co.createClusterCustomObject({ group: 'apiextensions.k8s.io', version: 'v1', plural: 'customresourcedefinitions', body: CRD });
    const crd = await kc.makeApiClient(ApiextensionsV1Api).readCustomResourceDefinition({ name: 'widgets.example.com' });
    expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
    const base = { group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets' };
    const w = (await co.createNamespacedCustomObject({ ...base, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'a' }, spec: { size: 2, junk: 1 }, status: { ready: true } } })) as { metadata: { generation: number }; spec: Record<string, unknown>; status?: unknown };
    expect(w.spec).toEqual({ size: 2, color: 'blue' });
    expect(w.status).toBeUndefined();
    expect(w.metadata.generation).toBe(1);
    const bad = await co.createNamespacedCustomObject({ ...base, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'b' }, spec: {} } }).catch((e: unknown) => e);
    expect(status(bad)).toBe(422);
    expect(String((bad as { body?: string }).body)).toContain('Widget.example.com \\"b\\" is invalid: spec.size: Required value');
    const s = (await co.replaceNamespacedCustomObjectStatus({ ...base, name: 'a', body: { ...w, status: { ready: true } } })) as { metadata: { generation: number }; status: unknown };
    expect(s.status).toEqual({ ready: true });
    expect(s.metadata.generation).toBe(1);
  });
});
