/**
 * The built controller as the Deployment runs it (node dist/.../main.js with the Pod's env):
 * SIGKILL and a new Pod change nothing; SIGTERM hands the Lease back; a rolling update of two replicas
 * (the follower replaced first, then the leader) keeps every allocation and writes nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { useApiServer } from '../helpers/apiserver.js';
import { bgpPool, l2Pool, l2Service, prepare, statusIps, waitFor, type Cluster } from './cluster.js';

const MAIN = path.resolve(__dirname, '../../dist/images/controller/src/main.js');
const api = useApiServer();
let c: Cluster;
const children = new Set<ChildProcess>();

/** Starts a controller process; resolves with its metrics port once it has logged it. */
function pod(name: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { ...process.env, KUBECONFIG: api.kubeconfigPath, POD_NAME: name, POD_NAMESPACE: 'd8-metallb', METRICS_PORT: '0', LEASE_DURATION_SECONDS: '2', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"port":(\d+)/.exec(buf);
      if (m?.[1]) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`controller ${name} exited with ${code}`)));
  });
}

async function scrape(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).reduce((s, l) => s + Number(l.split(' ').pop()), 0);
}

async function versions(kind = 'sdninternall2lbservices'): Promise<string> {
  return c.kubectl('get', kind, '-n', 'apps', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}');
}

/** SIGTERM, as the kubelet stops a container; resolves with the exit code. */
function terminate(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  return exited;
}

const missing = fs.existsSync(MAIN) ? undefined : 'dist/ is not built (make test builds it first)';
const maybe = missing ? test.skip : test;

beforeAll(async () => {
  if (missing) return;
  c = await prepare(api);
  await c.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  await c.apply(l2Pool('edge', ['192.0.2.230-192.0.2.240']), ...l2Service('apps', 'web', 'edge', 2));
});

afterAll(() => {
  for (const ch of children) ch.kill('SIGKILL');
});

maybe(`killed and replaced, the controller changes nothing; stopped, it hands the Lease back${missing ? ` (skipped: ${missing})` : ''}`, async () => {
  const first = await pod('controller-a');
  await waitFor(async () => (await statusIps(c, 'sdninternall2lbservices', 'apps', 'web-edge-1')).length === 1, 30_000, 'statuses by the first pod');
  expect(await statusIps(c, 'sdninternall2lbservices', 'apps', 'web-edge-0')).toEqual(['192.0.2.230']);
  expect((await fetch(`http://127.0.0.1:${first.port}/readyz`)).status).toBe(200);
  await new Promise((r) => setTimeout(r, 500));
  const before = await versions();
  first.child.kill('SIGKILL');

  const second = await pod('controller-b');
  await waitFor(async () => (await scrape(second.port, 'metallb_controller_leader')) === 1, 30_000, 'the second pod leading');
  await new Promise((r) => setTimeout(r, 1000));
  expect(await versions()).toBe(before);
  expect(await scrape(second.port, 'metallb_controller_status_writes_total')).toBe(0);
  expect(await scrape(second.port, 'metallb_allocator_addresses_in_use_total')).toBe(2);

  expect(await terminate(second.child)).toBe(0);
  expect(await c.kubectl('get', 'lease', '-n', 'd8-metallb', 'metallb-controller', '-o', 'jsonpath={.spec.holderIdentity}')).toBe('');
}, 120_000);

maybe(`a rolling update of two replicas, follower first and then the leader, keeps every allocation and writes no status and no Event${missing ? ` (skipped: ${missing})` : ''}`, async () => {
  await c.apply(bgpPool('public', ['203.0.113.0/28']));
  const svc: KubernetesObject & { spec: object } = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'apps', annotations: { 'network.deckhouse.io/load-balancer-pool': 'public' } }, spec: { type: 'LoadBalancer', selector: { app: 'api' }, ports: [{ port: 443, protocol: 'TCP' }] } };
  await c.apply(svc);
  const a = await pod('controller-old-a');
  const b = await pod('controller-old-b');
  await waitFor(async () => (await statusIps(c, 'service', 'apps', 'api')).length === 1 && (await statusIps(c, 'sdninternall2lbservices', 'apps', 'web-edge-1')).length === 1, 30_000, 'statuses');
  const leaderIs = async (p: { port: number }) => (await scrape(p.port, 'metallb_controller_leader')) === 1;
  await waitFor(async () => (await leaderIs(a)) || (await leaderIs(b)), 30_000, 'a leader');
  const [leader, follower] = (await leaderIs(a)) ? [a, b] : [b, a];
  await new Promise((r) => setTimeout(r, 500));
  const before = { instances: await versions(), services: await versions('services'), events: await c.kubectl('get', 'events', '-n', 'apps', '-o', 'name') };

  // maxUnavailable 1: a new Pod replaces the follower, then another replaces the leader.
  const c1 = await pod('controller-new-c');
  expect(await terminate(follower.child)).toBe(0);
  const d = await pod('controller-new-d');
  const handedOver = Date.now();
  expect(await terminate(leader.child)).toBe(0);
  await waitFor(async () => (await leaderIs(c1)) || (await leaderIs(d)), 30_000, 'a new leader');
  console.log(`controller rolling update: the lease changed hands ${Date.now() - handedOver} ms after the leader's SIGTERM`);
  await new Promise((r) => setTimeout(r, 1000));

  expect(await versions()).toBe(before.instances);
  expect(await versions('services')).toBe(before.services);
  expect(await c.kubectl('get', 'events', '-n', 'apps', '-o', 'name')).toBe(before.events);
  for (const p of [c1, d]) expect(await scrape(p.port, 'metallb_controller_status_writes_total')).toBe(0);
  const newLeader = (await leaderIs(c1)) ? c1 : d;
  expect(await scrape(newLeader.port, 'metallb_allocator_addresses_in_use_total')).toBe(3);
}, 120_000);
