/**
 * The built controller as the Deployment runs it (node dist/.../main.js with the Pod's env):
 * SIGKILL and a new Pod change nothing; SIGTERM hands the Lease back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { useApiServer } from '../helpers/apiserver.js';
import { l2Pool, l2Service, prepare, statusIps, waitFor, type Cluster } from './cluster.js';

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

async function versions(): Promise<string> {
  return c.kubectl('get', 'sdninternall2lbservices', '-n', 'apps', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.metadata.resourceVersion} {end}');
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

  const exited = new Promise<number | null>((r) => second.child.once('exit', (code) => r(code)));
  second.child.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(await c.kubectl('get', 'lease', '-n', 'd8-metallb', 'metallb-controller', '-o', 'jsonpath={.spec.holderIdentity}')).toBe('');
}, 120_000);
