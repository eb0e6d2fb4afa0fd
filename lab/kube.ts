// SPDX-License-Identifier: Apache-2.0
/** A small JSON client for the lab's API server (HTTPS, bearer token), over its Unix socket or TCP, for the lab's own tools. */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import yaml from 'js-yaml';

export type Endpoint = { socketPath: string } | { host: string; port: number };

/** Server, CA and token of a kubeconfig's current context. */
export function readKubeconfig(file: string): { server: string; ca: string; token: string } {
  const doc = yaml.load(fs.readFileSync(file, 'utf8')) as {
    clusters?: Array<{ cluster?: { server?: string; 'certificate-authority-data'?: string } }>;
    users?: Array<{ user?: { token?: string } }>;
  };
  const cluster = doc.clusters?.[0]?.cluster;
  const server = cluster?.server;
  if (!server) throw new Error(`${file}: no cluster server`);
  return { server, ca: Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64').toString('utf8'), token: doc.users?.[0]?.user?.token ?? '' };
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string; uid?: string; creationTimestamp?: string };
  [k: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

/** An API error with the server's status code, reason and message. */
export class KubeError extends Error {
  constructor(readonly code: number, readonly reason: string, message: string) {
    super(message);
    this.name = 'KubeError';
  }
}

/**
 * One request with a JSON body to an API server: `opts` carries the target, TLS and auth. Resolves with the
 * parsed body; rejects with KubeError (the Status reason and message) on a non-2xx status.
 */
export function requestJson(mod: typeof https | typeof http, opts: https.RequestOptions, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = { Accept: 'application/json', ...(opts.headers as Record<string, string> | undefined) };
  if (payload) Object.assign(headers, { 'Content-Type': contentType, 'Content-Length': String(payload.length) });
  return new Promise((resolve, reject) => {
    const req = mod.request({ ...opts, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = undefined;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = text;
        }
        const code = res.statusCode ?? 0;
        if (code >= 200 && code < 300) return resolve(parsed);
        const st = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as { reason?: string; message?: string };
        reject(new KubeError(code, st.reason ?? 'Unknown', `${method} ${path}: ${code} ${st.message ?? text}`));
      });
    });
    if (opts.timeout) req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

export class Kube {
  // Connections are kept and reused: a TLS handshake per request costs both sides more than the request.
  readonly #agent = new https.Agent({ keepAlive: true });

  constructor(readonly endpoint: Endpoint, readonly token: string, readonly ca: string, readonly timeoutMs = 5000) {}

  /** A client for the kubeconfig's server, or for the same server through `socketPath`. */
  static fromKubeconfig(file: string, socketPath?: string): Kube {
    const k = readKubeconfig(file);
    const u = new URL(k.server);
    return new Kube(socketPath ? { socketPath } : { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 443) }, k.token, k.ca);
  }

  /** One request; resolves with the parsed body, rejects with KubeError on a non-2xx status. */
  request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const target = 'socketPath' in this.endpoint ? { socketPath: this.endpoint.socketPath, servername: 'localhost' } : { host: this.endpoint.host, port: this.endpoint.port };
    const headers: Record<string, string> = this.token ? { authorization: `Bearer ${this.token}` } : {};
    return requestJson(https, { ...target, headers, ca: this.ca, timeout: this.timeoutMs, agent: this.#agent }, method, path, body, contentType) as Promise<T>;
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  list<T = KubeObject>(path: string): Promise<T[]> {
    return this.request<KubeList<T>>('GET', path).then((l) => l.items ?? []);
  }

  /** Creates, or replaces when it exists (keeping the stored resourceVersion). */
  async apply(collection: string, obj: KubeObject): Promise<KubeObject> {
    const name = obj.metadata?.name ?? '';
    try {
      return await this.request<KubeObject>('POST', collection, obj);
    } catch (e) {
      if (!(e instanceof KubeError) || e.code !== 409) throw e;
      const cur = await this.get(`${collection}/${name}`);
      const next = { ...obj, metadata: { ...obj.metadata, resourceVersion: cur.metadata?.resourceVersion } };
      return this.request<KubeObject>('PUT', `${collection}/${name}`, next);
    }
  }

  mergePatch(path: string, patch: unknown): Promise<KubeObject> {
    return this.request<KubeObject>('PATCH', path, patch, 'application/merge-patch+json');
  }

  /** Deletes; a missing object is not an error. */
  async delete(path: string): Promise<void> {
    try {
      await this.request('DELETE', path);
    } catch (e) {
      if (!(e instanceof KubeError) || e.code !== 404) throw e;
    }
  }

  /** Whether the server answers at all. */
  async healthy(): Promise<boolean> {
    try {
      await this.request('GET', '/api');
      return true;
    } catch {
      return false;
    }
  }
}
