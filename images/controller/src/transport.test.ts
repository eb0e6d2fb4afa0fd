import * as k8s from '@kubernetes/client-node';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as zlib from 'node:zlib';
import { statusCode } from './k8s.js';
import { apiClient, cachedAuth, jsonGetter } from './transport.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A tiny HTTP server answering with `reply` and remembering what it was sent. */
async function server(reply: (req: Seen, res: http.ServerResponse) => void): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const s = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(r);
      reply(r, res);
    });
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((r) => {
      s.closeAllConnections();
      s.close(() => r());
    }),
  };
}

function kubeConfig(url: string, token: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    // client-node speaks plain HTTP only with skipTLSVerify.
    clusters: [{ name: 'c', server: url, skipTLSVerify: true }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

function json(res: http.ServerResponse, code: number, body: unknown, gzip = false): void {
  const text = Buffer.from(JSON.stringify(body));
  const data = gzip ? zlib.gzipSync(text) : text;
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': String(data.length), ...(gzip ? { 'Content-Encoding': 'gzip' } : {}) });
  res.end(data);
}

describe('transport', () => {
  test('sends the generated request with the credentials, one keep-alive connection, and parses the answer', async () => {
    const s = await server((r, res) => json(res, 200, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c', namespace: 'ns' }, data: { a: r.body.length > 0 ? 'put' : 'get' } }));
    try {
      const api = apiClient(kubeConfig(s.url, 'secret-token'), k8s.CoreV1Api);
      expect((await api.readNamespacedConfigMap({ name: 'c', namespace: 'ns' })).data).toEqual({ a: 'get' });
      const put = await api.replaceNamespacedConfigMap({ name: 'c', namespace: 'ns', body: { metadata: { name: 'c' }, data: { x: 'é' } } });
      expect(put.data).toEqual({ a: 'put' });
      const [get, replace] = s.seen;
      expect(get?.method).toBe('GET');
      expect(get?.url).toBe('/api/v1/namespaces/ns/configmaps/c');
      expect(get?.headers.authorization).toBe('Bearer secret-token');
      expect(get?.headers['user-agent']).toBe('metallb-controller');
      expect(replace?.method).toBe('PUT');
      expect(replace?.headers['content-type']).toBe('application/json');
      expect(JSON.parse(replace?.body ?? '')).toEqual({ metadata: { name: 'c' }, data: { x: 'é' } });
      expect(replace?.headers.connection).toBe('keep-alive');
    } finally {
      await s.close();
    }
  });

  test('an error status is an ApiException with its code and Status body', async () => {
    const s = await server((_r, res) => json(res, 409, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409, message: 'the object has been modified' }));
    try {
      const api = apiClient(kubeConfig(s.url, 't'), k8s.CoreV1Api);
      const e = await api.readNamespacedConfigMap({ name: 'c', namespace: 'ns' }).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(k8s.ApiException);
      expect((e as k8s.ApiException<string>).code).toBe(409);
      expect(String((e as k8s.ApiException<string>).body)).toContain('the object has been modified');
    } finally {
      await s.close();
    }
  });

  test('a gzip answer is decoded', async () => {
    const s = await server((_r, res) => json(res, 200, { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'z' }, data: { big: 'x'.repeat(10_000) } }, true));
    try {
      const api = apiClient(kubeConfig(s.url, 't'), k8s.CoreV1Api);
      expect((await api.readNamespacedConfigMap({ name: 'z', namespace: 'ns' })).data?.big).toHaveLength(10_000);
    } finally {
      await s.close();
    }
  });

  test('a connection cut mid-answer rejects instead of hanging', async () => {
    const s = await server((_r, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"kind":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    try {
      const api = apiClient(kubeConfig(s.url, 't'), k8s.CoreV1Api);
      await expect(api.readNamespacedConfigMap({ name: 'c', namespace: 'ns' })).rejects.toThrow();
    } finally {
      await s.close();
    }
  });

  test('a server that accepts and never answers: the request fails after its timeout', async () => {
    const s = await server(() => undefined);
    try {
      const api = apiClient(kubeConfig(s.url, 't'), k8s.CoreV1Api, 200);
      await expect(api.readNamespacedConfigMap({ name: 'c', namespace: 'ns' })).rejects.toThrow(/GET .*configmaps\/c: no answer within 200 ms/);
    } finally {
      await s.close();
    }
  });

  test('a server that is not there is a transport error, without an HTTP code', async () => {
    const s = await server(() => undefined);
    const url = s.url;
    await s.close();
    const api = apiClient(kubeConfig(url, 't'), k8s.CoreV1Api);
    const e = await api.readNamespacedConfigMap({ name: 'c', namespace: 'ns' }).then(() => undefined, (x: unknown) => x);
    expect(String((e as Error).message)).toMatch(/ECONNREFUSED/);
    expect(statusCode(e)).toBeUndefined();
  });

  test('jsonGetter: plain JSON (dates stay text) with the credentials; an error status keeps its code', async () => {
    const list = { kind: 'ServiceList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [{ metadata: { name: 's', creationTimestamp: '2026-01-01T00:00:00Z' } }] };
    const s = await server((r, res) => (r.url === '/api/v1/services' ? json(res, 200, list) : json(res, 403, { kind: 'Status', code: 403, reason: 'Forbidden' })));
    try {
      const get = jsonGetter(kubeConfig(`${s.url}/`, 'tok'));
      expect(await get('/api/v1/services')).toEqual(list);
      expect(s.seen[0]?.headers.authorization).toBe('Bearer tok');
      expect(s.seen[0]?.headers.accept).toBe('application/json');
      const e = await get('/api/v1/secrets').then(() => undefined, (x: unknown) => x);
      expect(statusCode(e)).toBe(403);
    } finally {
      await s.close();
    }
  });

  test('credentials are looked up again once they are ttl old, by one lookup for concurrent calls', async () => {
    const kc = kubeConfig('http://127.0.0.1:1', 'first');
    let now = 0;
    let lookups = 0;
    const real = kc.applySecurityAuthentication.bind(kc);
    kc.applySecurityAuthentication = async (ctx) => {
      lookups++;
      await real(ctx);
    };
    const auth = cachedAuth(kc, { ttlMs: 1000, now: () => now });
    const header = async () => {
      const ctx = new k8s.RequestContext('http://127.0.0.1:1/api', k8s.HttpMethod.GET);
      await auth.applySecurityAuthentication(ctx);
      return { auth: ctx.getHeaders().Authorization, agent: ctx.getAgent() };
    };
    const [a, b] = await Promise.all([header(), header()]);
    expect(lookups).toBe(1);
    expect(a.auth).toBe('Bearer first');
    expect(b.agent).toBe(a.agent);
    expect((a.agent as (http.Agent & { keepAlive?: boolean }) | undefined)?.keepAlive).toBe(true);
    const user = kc.getCurrentUser();
    if (user) (user as { token?: string }).token = 'second';
    now = 999;
    expect((await header()).auth).toBe('Bearer first');
    now = 1000;
    const c = await header();
    expect(c.auth).toBe('Bearer second');
    expect(c.agent).toBe(a.agent);
    expect(lookups).toBe(2);
  });
});
