// SPDX-License-Identifier: Apache-2.0
/** A small Kubernetes REST client over a kubeconfig: discovery, CRUD, patch, status, list and watch. */
import * as http from 'node:http';
import * as https from 'node:https';
import { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import { KubeError, requestJson } from '../kube.js';

export { KubeError };

export interface ResourceInfo {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export type PatchType = 'merge' | 'json' | 'strategic';
const PATCH_CT: Record<PatchType, string> = { merge: 'application/merge-patch+json', json: 'application/json-patch+json', strategic: 'application/strategic-merge-patch+json' };

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export interface WatchEventRaw {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: KubeObject;
}

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Requests against one cluster. Discovery answers are cached per group/version. */
export class Kube {
  #kc: KubeConfig;
  #server: URL;
  #discovery = new Map<string, Promise<ResourceInfo[]>>();
  #connection: Promise<https.RequestOptions> | undefined;
  /** Counts successful requests that change state (for "no spurious writes" checks). */
  writes = 0;

  constructor(kubeconfigPath: string) {
    this.#kc = new KubeConfig();
    this.#kc.loadFromFile(kubeconfigPath);
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new Error(`kubeconfig ${kubeconfigPath} has no current cluster`);
    this.#server = new URL(cluster.server);
  }

  /**
   * Connection options from the kubeconfig, read once, with a keep-alive agent: client-node's `applyToHTTPSOptions`
   * gives a new agent each time, so every request would open (and handshake) a new TLS connection.
   */
  #options(): Promise<https.RequestOptions> {
    this.#connection ??= (async () => {
      const o: https.RequestOptions = { hostname: this.#server.hostname.replace(/^\[|\]$/g, ''), port: this.#server.port };
      await this.#kc.applyToHTTPSOptions(o);
      const { agent: _once, ...rest } = o;
      const mod = this.#server.protocol === 'https:' ? https : http;
      return { ...rest, agent: new mod.Agent({ keepAlive: true }) };
    })();
    return this.#connection;
  }

  /** Raw request; resolves to the parsed JSON body, rejects with KubeError on a non-2xx status. */
  async request(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
    const opts = await this.#options();
    const parsed = await requestJson(this.#server.protocol === 'https:' ? https : http, opts, method, path, body, contentType);
    if (method !== 'GET') this.writes++;
    return parsed;
  }

  /** The resources of one apiVersion. */
  resources(apiVersion: string): Promise<ResourceInfo[]> {
    let p = this.#discovery.get(apiVersion);
    if (!p) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      p = this.request('GET', path).then((doc) =>
        ((doc as { resources?: { name: string; kind: string; namespaced: boolean }[] }).resources ?? [])
          .filter((r) => !r.name.includes('/'))
          .map((r) => ({ apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced })),
      );
      p.catch(() => this.#discovery.delete(apiVersion));
      this.#discovery.set(apiVersion, p);
    }
    return p;
  }

  /** Forgets discovery (after CRDs change). */
  resetDiscovery(): void {
    this.#discovery.clear();
  }

  /** Resolves a kind (or plural, case-insensitive) of an apiVersion. */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const k = kind.toLowerCase();
    const found = (await this.resources(apiVersion)).find((r) => r.kind.toLowerCase() === k || r.plural === k);
    if (!found) {
      this.#discovery.delete(apiVersion);
      throw new KubeError(404, 'NotFound', `the server has no ${kind} in ${apiVersion}`);
    }
    return found;
  }

  /** The path of a collection or an object. */
  async path(apiVersion: string, kind: string, namespace?: string, name?: string, subresource?: string): Promise<string> {
    const r = await this.resource(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${r.plural}${name ? `/${encodeURIComponent(name)}` : ''}${subresource ? `/${subresource}` : ''}`;
  }

  async get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return (await this.request('GET', await this.path(apiVersion, kind, namespace, name))) as KubeObject;
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) return undefined;
      throw e;
    }
  }

  async list(apiVersion: string, kind: string, namespace?: string, sel: Selectors = {}): Promise<ListResult> {
    const q = new URLSearchParams();
    if (sel.labelSelector) q.set('labelSelector', sel.labelSelector);
    if (sel.fieldSelector) q.set('fieldSelector', sel.fieldSelector);
    const qs = q.toString();
    const doc = (await this.request('GET', (await this.path(apiVersion, kind, namespace)) + (qs ? `?${qs}` : ''))) as { items?: KubeObject[]; metadata?: { resourceVersion?: string } };
    return { items: (doc.items ?? []).map((o) => ({ ...o, apiVersion, kind })), resourceVersion: doc.metadata?.resourceVersion ?? '' };
  }

  async create(obj: KubeObject): Promise<KubeObject> {
    const { apiVersion, kind, metadata } = split(obj);
    return (await this.request('POST', await this.path(apiVersion, kind, metadata.namespace), obj)) as KubeObject;
  }

  /** PUT; `subresource` e.g. `status`. */
  async replace(obj: KubeObject, subresource?: string): Promise<KubeObject> {
    const { apiVersion, kind, metadata } = split(obj);
    return (await this.request('PUT', await this.path(apiVersion, kind, metadata.namespace, metadata.name, subresource), obj)) as KubeObject;
  }

  async patch(apiVersion: string, kind: string, namespace: string | undefined, name: string, type: PatchType, patch: unknown, subresource?: string): Promise<KubeObject> {
    return (await this.request('PATCH', await this.path(apiVersion, kind, namespace, name, subresource), patch, PATCH_CT[type])) as KubeObject;
  }

  /** Deletes; resolves false when the object was already gone. */
  async delete(apiVersion: string, kind: string, namespace: string | undefined, name: string, propagationPolicy?: 'Foreground' | 'Background' | 'Orphan'): Promise<boolean> {
    try {
      const body = propagationPolicy ? { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy } : undefined;
      await this.request('DELETE', await this.path(apiVersion, kind, namespace, name), body);
      return true;
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) return false;
      throw e;
    }
  }

  /**
   * Streams watch events from `resourceVersion` until `stop()` or the server closes; `done` gets the reason
   * (undefined on a clean close, a KubeError with code 410 when the version is too old).
   */
  async watch(apiVersion: string, kind: string, namespace: string | undefined, resourceVersion: string, sel: Selectors, onEvent: (e: WatchEventRaw) => void, done: (err?: Error) => void): Promise<{ stop(): void }> {
    const q = new URLSearchParams({ watch: 'true', resourceVersion, allowWatchBookmarks: 'true' });
    if (sel.labelSelector) q.set('labelSelector', sel.labelSelector);
    if (sel.fieldSelector) q.set('fieldSelector', sel.fieldSelector);
    const url = new URL(`${await this.path(apiVersion, kind, namespace)}?${q}`, this.#server);
    const opts: https.RequestOptions = { method: 'GET', headers: { Accept: 'application/json' } };
    await this.#kc.applyToHTTPSOptions(opts);
    const mod = this.#server.protocol === 'https:' ? https : http;
    let finished = false;
    const finish = (err?: Error) => {
      if (finished) return;
      finished = true;
      done(err);
    };
    const req = mod.request(url, opts, (res) => {
      if ((res.statusCode ?? 0) >= 300) {
        res.resume();
        return finish(new KubeError(res.statusCode ?? 0, 'WatchFailed', `watch ${url.pathname}: ${res.statusCode}`));
      }
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (!line) continue;
          const ev = JSON.parse(line) as WatchEventRaw;
          if (ev.type === 'ERROR') {
            const st = ev.object as { code?: number; message?: string; reason?: string };
            req.destroy();
            return finish(new KubeError(st.code ?? 500, st.reason ?? 'Error', st.message ?? 'watch error'));
          }
          onEvent({ type: ev.type, object: { ...ev.object, apiVersion, kind } });
        }
      });
      res.on('end', () => finish());
      res.on('error', (e) => finish(e));
    });
    req.on('error', (e) => finish(e));
    req.end();
    return {
      stop: () => {
        finished = true;
        req.destroy();
      },
    };
  }
}

function split(obj: KubeObject): { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } {
  if (!obj.apiVersion || !obj.kind || !obj.metadata?.name) throw new Error(`object needs apiVersion, kind and metadata.name: ${JSON.stringify(obj).slice(0, 200)}`);
  const metadata: { name: string; namespace?: string } = { name: obj.metadata.name };
  if (obj.metadata.namespace) metadata.namespace = obj.metadata.namespace;
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata };
}

/** `ns/name` or `name`. */
export function objectKey(o: KubeObject): string {
  return o.metadata?.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ''}` : (o.metadata?.name ?? '');
}
