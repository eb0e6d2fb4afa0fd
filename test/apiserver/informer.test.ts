// SPDX-License-Identifier: Apache-2.0
/**
 * A client-node informer against the server while its watches are cut, its resourceVersion falls
 * out of the history window (410 Gone, relist) and the server restarts from its --data file.
 * The informer's view must end equal to the server's, with no resourceVersion delivered twice.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type Informer, type V1ConfigMap } from '@kubernetes/client-node';
import { startApiServer, type ApiServer } from '../../lab/apiserver/index.js';
import type { Target } from '../../lab/apiserver/api.js';
import { until } from '../helpers/until.js';

const NS = 'default';
const WINDOW = 8;
let dir = '';
let server: ApiServer | undefined;
let informer: Informer<V1ConfigMap> | undefined;
let stopped = false;

afterAll(async () => {
  stopped = true;
  await informer?.stop();
  // Let a restart timer that was already due see `stopped`.
  await new Promise((r) => setTimeout(r, 300));
  await server?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function start(port = 0): Promise<ApiServer> {
  return startApiServer({ port, kubeconfigPath: path.join(dir, 'kubeconfig'), dataFile: path.join(dir, 'data.json'), historyWindow: WINDOW, bookmarkMs: 200 });
}

function cmTarget(s: ApiServer, name?: string): Target {
  const type = s.api.find('', 'v1', 'configmaps');
  if (!type) throw new Error('configmaps are not served');
  return name === undefined ? { type, version: 'v1', namespace: NS } : { type, version: 'v1', namespace: NS, name };
}

/** Writes in-process, synchronously: a burst lands before any client can reconnect. */
function put(s: ApiServer, name: string, value: string): void {
  const t = cmTarget(s, name);
  const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS }, data: { v: value } };
  try {
    s.api.get(t);
    s.api.update(t, body, {});
  } catch {
    s.api.create(cmTarget(s), body, {});
  }
}

function serverState(s: ApiServer): Map<string, string> {
  return new Map(s.api.list(cmTarget(s), {}).items.map((o) => [o.metadata.name ?? '', `${o.metadata.resourceVersion ?? ''}:${JSON.stringify(o.data)}`]));
}

test('the informer converges through cut watches, 410 Gone and a server restart', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-api-inf-'));
  server = await start();
  const port = Number(new URL(server.url).port);
  for (let i = 0; i < 5; i++) put(server, `cm-${i}`, 'a');

  const kc = new KubeConfig();
  kc.loadFromFile(path.join(dir, 'kubeconfig'));
  const core = kc.makeApiClient(CoreV1Api);
  let lists = 0;
  informer = makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, () => {
    lists++;
    return core.listNamespacedConfigMap({ namespace: NS });
  });
  const view = new Map<string, string>();
  const seenVersions = new Map<string, Set<string>>();
  const duplicates: string[] = [];
  const connects: number[] = [];
  const record = (o: V1ConfigMap): void => {
    const name = o.metadata?.name ?? '';
    const rv = o.metadata?.resourceVersion ?? '';
    const seen = seenVersions.get(name) ?? new Set<string>();
    if (seen.has(rv)) duplicates.push(`${name}@${rv}`);
    seen.add(rv);
    seenVersions.set(name, seen);
    view.set(name, `${rv}:${JSON.stringify(o.data)}`);
  };
  informer.on('add', record);
  informer.on('update', record);
  informer.on('delete', (o) => view.delete(o.metadata?.name ?? ''));
  informer.on('connect', () => connects.push(Date.now()));
  // The documented client-node pattern: an informer stops on a non-410 error; restart it.
  informer.on('error', () => {
    setTimeout(() => {
      if (!stopped) void informer?.start().catch(() => undefined);
    }, 200);
  });
  await informer.start();
  const same = (): boolean => {
    const want = serverState(server as ApiServer);
    return want.size === view.size && [...want].every(([k, v]) => view.get(k) === v);
  };
  await until('the first sync', same, 20_000, 20);
  expect(lists).toBe(1);

  // 1. Cut watches: the informer resumes from its resourceVersion and misses nothing.
  for (let round = 0; round < 3; round++) {
    server.dropWatches();
    put(server, `cm-${round}`, `cut-${round}`);
    await until(`convergence after cut ${round}`, same, 20_000, 20);
  }
  expect(lists).toBe(1);

  // 2. Cut a watch and write more than the window at once: the resume gets 410 and the informer relists.
  const before = connects.length;
  server.dropWatches();
  for (let i = 0; i < WINDOW * 3; i++) put(server, `cm-${i % 7}`, `burst-${i}`);
  server.api.delete(cmTarget(server, 'cm-1'), {});
  await until('convergence after 410', same, 20_000, 20);
  expect(connects.length).toBeGreaterThan(before);
  expect(lists).toBe(2);
  expect(view.has('cm-1')).toBe(false);

  // 3. Restart from the data file on the same port; versions carry on, the informer converges again.
  const rvBefore = server.api.store.resourceVersion;
  await server.close();
  server = await start(port);
  expect(server.api.store.resourceVersion).toBe(rvBefore);
  put(server, 'cm-2', 'after-restart');
  put(server, 'cm-new', 'fresh');
  await until('convergence after restart', same, 20_000, 20);
  expect(view.get('cm-new')).toMatch(/fresh/);

  expect(duplicates).toEqual([]);
}, 60_000);
