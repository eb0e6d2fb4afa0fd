// SPDX-License-Identifier: Apache-2.0
/**
 * How the controller's API calls travel: client-node's generated APIs (paths, bodies, errors) over
 * Node's own http(s) with one keep-alive agent, and the kubeconfig's credentials resolved once every
 * few seconds. client-node's default transport (node-fetch, a fresh agent and credential lookup per
 * call) costs about twice the CPU per request, which at thousands of status writes is most of the work.
 */
import * as k8s from '@kubernetes/client-node';
import * as http from 'node:http';
import * as https from 'node:https';
import * as zlib from 'node:zlib';

const USER_AGENT = 'metallb-controller';

/** A request gives up when its connection stays silent this long (30 s): a hung API server must not hang us. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** Sends client-node requests with node:http(s), keeping the agent the credentials chose. */
export class NodeHttpLibrary implements k8s.PromiseHttpLibrary {
  constructor(private readonly timeoutMs = REQUEST_TIMEOUT_MS) {}

  send(req: k8s.RequestContext): Promise<k8s.ResponseContext> {
    const url = req.getUrl();
    const body = req.getBody();
    if (body !== undefined && typeof body !== 'string') return Promise.reject(new Error('the transport sends text bodies only'));
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT, ...req.getHeaders() };
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const opts: https.RequestOptions = { method: req.getHttpMethod(), headers };
    const agent = req.getAgent();
    const signal = req.getSignal();
    if (agent) opts.agent = agent;
    if (signal) opts.signal = signal;
    const send = url.startsWith('http:') ? http.request : https.request;
    return new Promise((resolve, reject) => {
      const r = send(url, opts, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('close', () => {
          if (!res.complete) reject(new Error(`the connection closed before the answer to ${opts.method ?? ''} ${url} ended`));
        });
        res.on('end', () => {
          try {
            const data = decoded(Buffer.concat(chunks), res.headers['content-encoding']);
            resolve(new k8s.ResponseContext(res.statusCode ?? 0, flatHeaders(res.headers), { text: async () => data.toString('utf8'), binary: async () => data }));
          } catch (e) {
            reject(e as Error);
          }
        });
      });
      r.on('error', reject);
      r.setTimeout(this.timeoutMs, () => r.destroy(new Error(`${opts.method ?? ''} ${url}: no answer within ${this.timeoutMs} ms`)));
      r.end(body);
    });
  }
}

function decoded(data: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return zlib.gunzipSync(data);
  if (encoding === 'deflate') return zlib.inflateSync(data);
  return data;
}

function flatHeaders(h: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * The kubeconfig's credentials (headers and TLS agent) for every request, looked up again once they
 * are `ttlMs` old (client-go re-reads a service account token about once a minute). Plain agents
 * become one keep-alive agent with `maxSockets` connections; proxy agents are kept as they are.
 */
export function cachedAuth(kc: k8s.KubeConfig, opts: { ttlMs?: number; maxSockets?: number; now?: () => number } = {}): k8s.SecurityAuthentication {
  const ttl = opts.ttlMs ?? 10_000;
  const now = opts.now ?? Date.now;
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new Error('the kubeconfig has no current cluster');
  let shared: http.Agent | undefined;
  let cur: { headers: Record<string, string>; agent: http.Agent | undefined; at: number } | undefined;
  let pending: Promise<NonNullable<typeof cur>> | undefined;
  const lookup = async (): Promise<NonNullable<typeof cur>> => {
    const ctx = new k8s.RequestContext(server, k8s.HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    const fresh = ctx.getAgent();
    const plain = fresh !== undefined && (fresh.constructor === https.Agent || fresh.constructor === http.Agent);
    if (plain && !shared) {
      const agentOpts = { ...(fresh as https.Agent).options, keepAlive: true, maxSockets: opts.maxSockets ?? 64 };
      shared = fresh instanceof https.Agent ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
    }
    return { headers: ctx.getHeaders(), agent: plain ? shared : fresh, at: now() };
  };
  return {
    getName: () => 'kubeconfig-cached',
    async applySecurityAuthentication(ctx) {
      if (!cur || now() - cur.at >= ttl) {
        pending ??= lookup().finally(() => (pending = undefined));
        cur = await pending;
      }
      for (const [k, v] of Object.entries(cur.headers)) ctx.setHeaderParam(k, v);
      if (cur.agent) ctx.setAgent(cur.agent);
    },
  };
}

/** A client-node API object speaking through this transport; each request times out after `timeoutMs` of silence. */
export function apiClient<T>(kc: k8s.KubeConfig, Api: new (c: k8s.Configuration) => T, timeoutMs = REQUEST_TIMEOUT_MS): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  return new Api(k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration(cluster.server, {}),
    authMethods: { default: cachedAuth(kc) },
    httpApi: k8s.wrapHttpLibrary(new NodeHttpLibrary(timeoutMs)),
  }));
}

/**
 * GETs a path as plain JSON, with the client's credentials and transport. For the lists that fill
 * informers: their watch events are plain JSON too, and client-node's typed decoding of 10k Services
 * is most of the controller's start-up.
 */
export function jsonGetter(kc: k8s.KubeConfig): (path: string) => Promise<unknown> {
  const server = kc.getCurrentCluster()?.server.replace(/\/+$/, '');
  if (!server) throw new Error('the kubeconfig has no current cluster');
  const auth = cachedAuth(kc);
  const lib = new NodeHttpLibrary();
  return async (path) => {
    const ctx = new k8s.RequestContext(`${server}${path}`, k8s.HttpMethod.GET);
    ctx.setHeaderParam('Accept', 'application/json');
    await auth.applySecurityAuthentication(ctx);
    const res = await lib.send(ctx);
    const text = await res.body.text();
    if (res.httpStatusCode < 200 || res.httpStatusCode > 299) throw new k8s.ApiException(res.httpStatusCode, `GET ${path}: HTTP ${res.httpStatusCode}`, text, res.headers);
    return JSON.parse(text) as unknown;
  };
}
