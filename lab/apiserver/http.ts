// SPDX-License-Identifier: Apache-2.0
/** The HTTP shell: authentication, body decoding, content negotiation, watch streaming. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import * as fs from 'node:fs';
import yaml from 'js-yaml';
import type { Api, PatchType, Selection, Target, WriteOptions } from './api.js';
import { forbidden, type Auth } from './auth.js';
import { apiGroup, apiGroupList, apiVersions, resourceList, VERSION } from './discovery.js';
import { v2Document, v2Protobuf, V2_PROTOBUF, V2_PROTOBUF_TYPE, v3Document, v3Index } from './openapi.js';
import { decodeK8sProtobuf, ProtoError } from './protobuf.js';
import type { UserInfo } from './rbac.js';
import { requestAttributes } from './request-info.js';
import { route } from './router.js';
import { badRequest, methodNotAllowed, notFoundPath, StatusError, unauthorized, unsupportedMediaType } from './status.js';
import { toTable } from './table.js';
import type { KObject, WatchType } from './types.js';

const MAX_BODY = 3 * 1024 * 1024;

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export interface HttpOptions {
  api: Api;
  auth: Auth;
  /** "host:port" the discovery documents name. */
  address: () => string;
  /** Interval of BOOKMARK events on watches that allow them. */
  bookmarkMs: number;
  /** Open watch responses, so close() can end them. */
  watches: Set<ServerResponse>;
  /** Told of every request RBAC denies (the message of its 403). */
  onForbidden?: (message: string) => void;
  /** The log file of a pod's container, as the node agents write them (kubectl logs); undefined: no logs. */
  podLog?: (namespace: string, pod: string, uid: string, container: string) => string;
}

function send(res: ServerResponse, code: number, body: unknown, warnings: string[] = []): void {
  sendText(res, code, JSON.stringify(body), warnings);
}

function sendText(res: ServerResponse, code: number, text: string | Buffer, warnings: string[] = [], contentType = 'application/json'): void {
  const headers: Record<string, string | string[]> = { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)), 'Cache-Control': 'no-cache, private' };
  if (warnings.length) headers.Warning = warnings.map((w) => `299 - ${JSON.stringify(w)}`);
  res.writeHead(code, headers);
  res.end(text);
}

function sendError(res: ServerResponse, e: unknown): void {
  const err = e instanceof StatusError ? e : new StatusError(500, 'InternalError', `Internal error occurred: ${(e as Error).message}`);
  send(res, err.code, err.toBody());
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) throw new StatusError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(body: Buffer, contentType: string): unknown {
  const type = contentType.split(';')[0]?.trim() ?? '';
  if (type === 'application/vnd.kubernetes.protobuf') {
    try {
      return decodeK8sProtobuf(body);
    } catch (e) {
      if (e instanceof ProtoError) throw new StatusError(415, 'UnsupportedMediaType', e.message);
      throw e;
    }
  }
  // CBOR and other encodings are not spoken.
  if (type && !/json|yaml/.test(type)) throw unsupportedMediaType(type);
  const text = body.toString('utf8');
  try {
    if (type.includes('yaml')) return yaml.load(text);
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`error decoding request body: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
}

/** Parses `application/json;as=Table;v=v1;g=meta.k8s.io, ...`: true when a Table is acceptable first. */
function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /(^|;)\s*as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

/** Serves one request. Never throws: every failure becomes a Status body. */
export async function handle(o: HttpOptions, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    const url = new URL(req.url ?? '/', 'http://lab');
    if (['/healthz', '/livez', '/readyz'].includes(url.pathname)) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const authenticated = o.auth.authenticate(req.headers.authorization);
    if (!authenticated) throw unauthorized();
    const user = o.auth.impersonate(authenticated, req.headers);
    const method = req.method ?? 'GET';
    const attrs = requestAttributes(method, url);
    const decision = o.auth.authorize(user, attrs);
    if (!decision.allowed) {
      const err = forbidden(user, attrs, decision.reason);
      o.onForbidden?.(`${method} ${url.pathname}${url.search}: ${err.message}`);
      throw err;
    }
    const r = route(o.api, url.pathname);
    if (r.kind === 'doc') return serveDoc(o, res, r.path, method);
    if (r.kind === 'openapi') {
      const accept = req.headers.accept ?? '';
      if (r.version === 'v2' && V2_PROTOBUF.test(accept)) return sendText(res, 200, v2Protobuf(), [], V2_PROTOBUF_TYPE);
      if (accept && !/application\/json|\*\/\*/.test(accept)) throw new StatusError(406, 'NotAcceptable', `only the following media types are accepted: application/json`);
      const types = o.api.types();
      const doc = r.version === 'v2' ? v2Document(types) : r.group === undefined ? v3Index(types) : v3Document(types, r.group, r.groupVersion ?? '');
      if (!doc) throw notFoundPath(url.pathname);
      return send(res, 200, doc);
    }
    if (r.kind === 'none') throw notFoundPath(url.pathname);
    await serveResource(o, req, res, url, r.target, r.watchPath || /^(true|1)$/.test(url.searchParams.get('watch') ?? ''), user);
  } catch (e) {
    if (!res.headersSent) sendError(res, e);
    else res.end();
  }
}

function serveDoc(o: HttpOptions, res: ServerResponse, path: string, method: string): void {
  if (method !== 'GET') throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
  const types = o.api.types();
  const segs = path.split('/').filter(Boolean);
  let doc: Record<string, unknown> | undefined;
  if (path === '/version') doc = VERSION;
  else if (path === '/api') doc = apiVersions(o.address());
  else if (path === '/apis') doc = apiGroupList(types);
  else if (segs[0] === 'api' && segs.length === 2) doc = resourceList(types, '', segs[1] ?? '');
  else if (segs[0] === 'apis' && segs.length === 2) doc = apiGroup(types, segs[1] ?? '');
  else if (segs[0] === 'apis' && segs.length === 3) doc = resourceList(types, segs[1] ?? '', segs[2] ?? '');
  else if (path === '/') doc = { paths: ['/api', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] };
  if (!doc) throw notFoundPath(path);
  send(res, 200, doc);
}

function writeOptions(q: URLSearchParams): WriteOptions {
  const w: WriteOptions = { ownedBody: true };
  if (q.getAll('dryRun').includes('All')) w.dryRun = true;
  const fv = q.get('fieldValidation');
  if (fv) w.fieldValidation = fv;
  const fm = q.get('fieldManager');
  if (fm) w.fieldManager = fm;
  if (q.get('force') === 'true') w.force = true;
  return w;
}

function selection(q: URLSearchParams): Selection {
  const s: Selection = {};
  const l = q.get('labelSelector');
  const f = q.get('fieldSelector');
  if (l) s.labelSelector = l;
  if (f) s.fieldSelector = f;
  return s;
}

async function serveResource(o: HttpOptions, req: IncomingMessage, res: ServerResponse, url: URL, t: Target, watch: boolean, user: UserInfo): Promise<void> {
  const api = o.api;
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  const table = wantsTable(req.headers.accept);
  const tableOf = (items: KObject[], rv?: string) => {
    const opts: Parameters<typeof toTable>[3] = { now: api.now(), includeObject: q.get('includeObject') ?? 'Metadata' };
    if (rv) opts.resourceVersion = rv;
    return toTable(t.type, t.version, items, opts);
  };
  const subject = { group: t.type.group, resource: t.type.resource };
  if (t.subresource === 'token' && t.type.group === '' && t.type.resource === 'serviceaccounts' && t.name !== undefined && t.namespace !== undefined) {
    if (method !== 'POST') throw methodNotAllowed(method, subject);
    return send(res, 201, o.auth.tokenRequest(t.namespace, t.name, parseBody(await readBody(req), req.headers['content-type'] ?? '')));
  }
  if (t.subresource === 'log' && t.type.group === '' && t.type.resource === 'pods' && t.name !== undefined && t.namespace !== undefined) {
    if (method !== 'GET') throw methodNotAllowed(method, subject);
    return servePodLog(o, req, res, api.get(t), q);
  }
  if (t.subresource !== undefined && t.subresource !== 'status') throw notFoundPath(url.pathname);
  if (t.subresource === 'status' && !t.type.status) throw notFoundPath(url.pathname);
  if (watch) {
    if (method !== 'GET') throw methodNotAllowed(method, subject);
    return streamWatch(o, req, res, q, t, table);
  }
  const collection = t.name === undefined;
  if (t.type.review) {
    if (method !== 'POST' || !collection) throw methodNotAllowed(method, subject);
    return send(res, 201, o.auth.review(t.type.kind, parseBody(await readBody(req), req.headers['content-type'] ?? ''), user, t.namespace));
  }
  switch (method) {
    case 'GET': {
      if (!collection) {
        const obj = api.get(t);
        return send(res, 200, table ? tableOf([obj], obj.metadata.resourceVersion) : obj);
      }
      if (table) {
        const l = api.list(t, selection(q));
        return send(res, 200, tableOf(l.items, l.resourceVersion));
      }
      return sendText(res, 200, api.listJson(t, selection(q)));
    }
    case 'POST': {
      if (!collection || t.subresource) throw methodNotAllowed('create', subject);
      const w = api.create(t, parseBody(await readBody(req), req.headers['content-type'] ?? ''), writeOptions(q));
      return sendText(res, 201, w.json(), w.warnings);
    }
    case 'PUT': {
      if (collection) throw methodNotAllowed('update', subject);
      const w = api.update(t, parseBody(await readBody(req), req.headers['content-type'] ?? ''), writeOptions(q));
      return sendText(res, w.created ? 201 : 200, w.json(), w.warnings);
    }
    case 'PATCH': {
      if (collection) throw methodNotAllowed('patch', subject);
      const ct = (req.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
      const type = PATCH_TYPES[ct];
      if (!type) throw unsupportedMediaType(ct);
      const w = api.patch(t, type, parseBody(await readBody(req), ct), writeOptions(q));
      return sendText(res, w.created ? 201 : 200, w.json(), w.warnings);
    }
    case 'DELETE': {
      const raw = await readBody(req);
      const body = raw.length ? parseBody(raw, req.headers['content-type'] ?? 'application/json') as { preconditions?: { resourceVersion?: string; uid?: string }; dryRun?: string[] } : {};
      const wo = writeOptions(q);
      if (body.dryRun?.includes('All')) wo.dryRun = true;
      if (collection) {
        const l = api.deleteCollection(t, selection(q), wo);
        return send(res, 200, { kind: `${t.type.kind}List`, apiVersion: t.type.group ? `${t.type.group}/${t.version}` : t.version, metadata: { resourceVersion: l.resourceVersion }, items: l.items });
      }
      const pre: WriteOptions & { resourceVersion?: string; uid?: string } = { ...wo };
      if (body.preconditions?.resourceVersion) pre.resourceVersion = body.preconditions.resourceVersion;
      if (body.preconditions?.uid) pre.uid = body.preconditions.uid;
      const d = api.delete(t, pre);
      return send(res, d.code, d.body);
    }
    default:
      throw methodNotAllowed(method, subject);
  }
}

function streamWatch(o: HttpOptions, req: IncomingMessage, res: ServerResponse, q: URLSearchParams, t: Target, table: boolean): void {
  const api = o.api;
  let first = true;
  // An ended response may close only once the client has read what is buffered: events meanwhile are not its.
  const line = (type: WatchType | 'BOOKMARK' | 'ERROR', obj: unknown): void => {
    if (!res.writableEnded) res.write(`${JSON.stringify({ type, object: obj })}\n`);
  };
  const emit = (type: WatchType, obj: KObject, json: () => string): void => {
    if (res.writableEnded) return;
    if (!table) return void res.write(`{"type":"${type}","object":${json()}}\n`);
    line(type, toTable(t.type, t.version, [obj], { now: api.now(), includeObject: q.get('includeObject') ?? 'Metadata', noHeaders: !first }));
    first = false;
  };
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();
  if (t.name !== undefined) q.set('fieldSelector', [q.get('fieldSelector'), `metadata.name=${t.name}`].filter(Boolean).join(','));
  let stop: () => void;
  try {
    stop = api.watch(t, q.get('resourceVersion') ?? undefined, selection(q), emit);
  } catch (e) {
    const err = e instanceof StatusError ? e : new StatusError(500, 'InternalError', (e as Error).message);
    line('ERROR', err.toBody());
    res.end();
    return;
  }
  o.watches.add(res);
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  if (q.get('allowWatchBookmarks') === 'true') {
    const kind = t.type.kind;
    const apiVersion = t.type.group ? `${t.type.group}/${t.version}` : t.version;
    timers.push(setInterval(() => line('BOOKMARK', { kind, apiVersion, metadata: { resourceVersion: String(api.store.resourceVersion) } }), o.bookmarkMs));
  }
  const done = (): void => {
    stop();
    for (const x of timers) clearTimeout(x);
    o.watches.delete(res);
  };
  const timeout = Number(q.get('timeoutSeconds') ?? '0');
  if (timeout > 0) timers.push(setTimeout(() => (done(), res.end()), timeout * 1000));
  res.on('close', done);
  req.on('close', done);
}

/** GET pods/<name>/log: the container's log file, its last tailLines, up to limitBytes; follow streams what comes. */
function servePodLog(o: HttpOptions, req: IncomingMessage, res: ServerResponse, pod: KObject, q: URLSearchParams): void {
  const name = pod.metadata.name ?? '';
  const containers = ((pod.spec as { containers?: Array<{ name: string }> } | undefined)?.containers ?? []).map((c) => c.name);
  const container = q.get('container') ?? (containers.length === 1 ? containers[0] : undefined);
  if (container === undefined) throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`);
  if (!containers.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  if (q.get('previous') === 'true') throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
  const file = o.podLog?.(pod.metadata.namespace ?? '', name, pod.metadata.uid ?? '', container);
  if (!file || !fs.existsSync(file)) throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
  let text = fs.readFileSync(file, 'utf8');
  const tail = q.get('tailLines');
  if (tail !== null && /^\d+$/.test(tail)) {
    const lines = text.split('\n');
    const end = text.endsWith('\n') ? lines.length - 1 : lines.length;
    text = lines.slice(Math.max(0, end - Number(tail)), end).map((l) => `${l}\n`).join('');
  }
  const limit = Number(q.get('limitBytes') ?? '0');
  if (limit > 0) text = text.slice(0, limit);
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', ...(q.get('follow') === 'true' ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': String(Buffer.byteLength(text)) }) });
  if (q.get('follow') !== 'true') return void res.end(text);
  res.write(text);
  let offset = fs.statSync(file).size;
  const timer = setInterval(() => {
    const size = fs.existsSync(file) ? fs.statSync(file).size : offset;
    if (size <= offset) return;
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(size - offset);
    fs.readSync(fd, buf, 0, buf.length, offset);
    fs.closeSync(fd);
    offset = size;
    res.write(buf);
  }, 250);
  o.watches.add(res);
  const done = (): void => {
    clearInterval(timer);
    o.watches.delete(res);
  };
  res.on('close', done);
  req.on('close', done);
}
