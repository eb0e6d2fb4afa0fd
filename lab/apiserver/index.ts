// SPDX-License-Identifier: Apache-2.0
/**
 * The embedded Kubernetes API server: HTTPS on 127.0.0.1 with a self-signed CA and a bearer token
 * (both written into the kubeconfig it writes), an optional Unix-socket listener speaking the same
 * HTTPS (a plain byte forwarder makes it reachable from network namespaces), and an optional
 * snapshot file that keeps objects, resourceVersions, the token and the certificates across restarts.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import { Coalescer } from '../../lib/coalesce.js';
import { Api } from './api.js';
import { Auth } from './auth.js';
import { bootstrapPolicy } from './bootstrap-policy.js';
import { ControllerManager, namespaceDefaults, roleAggregation } from './controllers.js';
import { endpointSliceController } from './endpointslices.js';
import { handle, type HttpOptions } from './http.js';
import { nodeLifecycle } from './node-lifecycle.js';
import { workloadStatusController } from './workload-status.js';
import { builtinTypes } from './resources.js';
import type { Snapshot } from './store.js';
import { generateTls, type TlsMaterial } from './tls.js';
import { SigningKey } from './tokens.js';
import { bigIntToIp, formatIp, parseCidr } from '../../lib/ip.js';

export interface ApiServerOptions {
  /** TCP port on 127.0.0.1; 0 picks a free one. */
  port?: number;
  kubeconfigPath: string;
  /** Snapshot file: loaded at start when present, written after changes and on close. */
  dataFile?: string;
  /** Also serve the same HTTPS on this Unix socket. */
  socketPath?: string;
  /** The bearer token; by default the one in the snapshot, else a new random one. */
  token?: string;
  /** The CA and server certificate; by default the ones in the snapshot, else new ones. */
  tls?: TlsMaterial;
  /** How many changes the watch history keeps (older versions get 410 Gone). */
  historyWindow?: number;
  /** Interval of watch bookmarks, ms. */
  bookmarkMs?: number;
  /** How long a node's kubelet may be silent before its Node goes Unknown (kube's default: 40 s). */
  nodeGraceMs?: number;
  /** Told of every request RBAC denies, with the 403's message. */
  onForbidden?: (message: string) => void;
  /** Where the node agents write pod logs: <dir>/<namespace>_<pod>_<uid>/<container>.log (kubectl logs). */
  podLogDir?: string;
}

export interface ApiServer {
  url: string;
  token: string;
  /** PEM of the CA that signed the server certificate. */
  ca: string;
  kubeconfigPath: string;
  socketPath?: string;
  /** The API core, for in-process inspection. */
  api: Api;
  /** Authentication and authorization, for in-process token requests. */
  auth: Auth;
  /** Ends every open watch stream, as a dropped connection would (clients reconnect). */
  dropWatches(): void;
  close(): Promise<void>;
}

interface DataFile extends Snapshot {
  token?: string;
  tls?: TlsMaterial;
  /** PEM of the key that signs service-account tokens. */
  signingKey?: string;
}

function kubeconfig(url: string, token: string, ca: string): string {
  return [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: metallb-lab', '  cluster:', `    server: ${url}`, `    certificate-authority-data: ${Buffer.from(ca).toString('base64')}`,
    'users:', '- name: metallb-lab', '  user:', `    token: ${token}`,
    'contexts:', '- name: metallb-lab', '  context:', '    cluster: metallb-lab', '    user: metallb-lab', '    namespace: default',
    'current-context: metallb-lab', '',
  ].join('\n');
}

function writeAtomic(file: string, text: string, mode = 0o600): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode });
  fs.renameSync(tmp, file);
}

function listen(server: https.Server, where: number | string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    if (typeof where === 'string') server.listen(where, () => resolve());
    else server.listen(where, '127.0.0.1', () => resolve());
  });
}

/** Starts the server; resolves once it listens and the kubeconfig is written. */
export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const saved = opts.dataFile && fs.existsSync(opts.dataFile) ? (JSON.parse(fs.readFileSync(opts.dataFile, 'utf8')) as DataFile) : undefined;
  const token = opts.token ?? saved?.token ?? randomBytes(24).toString('hex');
  const tls = opts.tls ?? saved?.tls ?? generateTls();
  const key = saved?.signingKey ? new SigningKey(saved.signingKey) : SigningKey.generate();
  const write = (): void => {
    if (opts.dataFile) writeAtomic(opts.dataFile, JSON.stringify({ token, tls, signingKey: key.privatePem, ...api.store.snapshot() } satisfies DataFile));
  };
  // Writing the file costs in proportion to everything stored: while changes keep coming, wait ten times as long
  // as the last write took, so a burst of changes spends at most a tenth of the time writing snapshots.
  const flusher = new Coalescer(write, 50, 10);
  const apiOpts: ConstructorParameters<typeof Api>[0] = {
    onChange: () => {
      if (opts.dataFile) flusher.trigger();
    },
  };
  if (saved) apiOpts.snapshot = saved;
  if (opts.historyWindow !== undefined) apiOpts.window = opts.historyWindow;
  const api = new Api(apiOpts);
  ensureBootstrapPolicy(api);
  const auth = new Auth(api, token, key);
  const controllers = new ControllerManager(api, (name, e) => console.error(`controller ${name}: ${(e as Error).message}`));
  controllers.add(roleAggregation(api)).add(namespaceDefaults(api, tls.ca)).add(endpointSliceController(api)).add(nodeLifecycle(api, opts.nodeGraceMs ?? 40_000)).add(workloadStatusController(api));
  controllers.start();

  let address = '127.0.0.1:0';
  const ho: HttpOptions = { api, auth, address: () => address, bookmarkMs: opts.bookmarkMs ?? 5000, watches: new Set() };
  if (opts.onForbidden) ho.onForbidden = opts.onForbidden;
  const logDir = opts.podLogDir;
  if (logDir) ho.podLog = (ns, pod, uid, container) => path.join(logDir, `${ns}_${pod}_${uid}`, `${container}.log`);
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => void handle(ho, req, res);
  const serverOpts: https.ServerOptions = { cert: tls.cert, key: tls.key, keepAliveTimeout: 30_000 };
  // Every accepted socket, also those still in their TLS handshake, which closeAllConnections() misses.
  const sockets = new Set<Socket>();
  const track = (srv: https.Server): https.Server => srv.on('connection', (c: Socket) => {
    sockets.add(c);
    c.once('close', () => sockets.delete(c));
  });
  const tcp = track(https.createServer(serverOpts, handler));
  await listen(tcp, opts.port ?? 0);
  const port = (tcp.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  if (!saved) seed(api, port);
  const url = `https://${address}`;
  let unix: https.Server | undefined;
  if (opts.socketPath) {
    if (fs.existsSync(opts.socketPath) && fs.statSync(opts.socketPath).isSocket()) fs.unlinkSync(opts.socketPath);
    unix = track(https.createServer(serverOpts, handler));
    await listen(unix, opts.socketPath);
  }
  fs.mkdirSync(path.dirname(opts.kubeconfigPath), { recursive: true });
  writeAtomic(opts.kubeconfigPath, kubeconfig(url, token, tls.ca));

  const out: ApiServer = {
    url, token, ca: tls.ca, kubeconfigPath: opts.kubeconfigPath, api, auth,
    dropWatches() {
      for (const res of ho.watches) res.destroy();
    },
    async close() {
      controllers.stop();
      for (const res of ho.watches) res.end();
      const servers = [tcp, ...(unix ? [unix] : [])];
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
        for (const c of sockets) c.destroy();
      })));
      flusher.stop();
      write();
    },
  };
  if (opts.socketPath) out.socketPath = opts.socketPath;
  return out;
}

/** The namespaces a fresh cluster has. */
function seed(api: Api, port: number): void {
  const ns = builtinTypes().find((t) => t.resource === 'namespaces');
  if (!ns) return;
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    api.create({ type: api.find('', 'v1', 'namespaces') ?? ns, version: 'v1' }, { metadata: { name } }, {});
  }
  // The API server's own Service takes the first address of the primary Service CIDR.
  const svc = api.find('', 'v1', 'services');
  const first = parseCidr(api.serviceNetwork.cidrs[0] ?? '');
  const ip = formatIp(bigIntToIp(first.first + 1n, first.family));
  if (svc) {
    api.create({ type: svc, version: 'v1', namespace: 'default' }, {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { type: 'ClusterIP', clusterIP: ip, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] },
    }, {});
  }
}

/** The bootstrap ClusterRoles and bindings that are missing (kube-apiserver's post-start hook). */
function ensureBootstrapPolicy(api: Api): void {
  for (const o of bootstrapPolicy()) {
    const resource = o.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings';
    const type = api.find('rbac.authorization.k8s.io', 'v1', resource);
    if (type && !api.store.get(`${resource}.rbac.authorization.k8s.io`, undefined, o.metadata.name ?? '')) api.create({ type, version: 'v1' }, o, {});
  }
}
