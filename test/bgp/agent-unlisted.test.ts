/**
 * A speaker whose Service list fails at start must not act on the empty cache: it would bring the session up
 * with no routes and send End-of-RIB, and the router would flush the routes it kept for us over graceful restart.
 * The fault: the API server answers the Service list with 500 while the restarted BGP agent starts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { refuseLists, useApiServer } from '../helpers/apiserver.js';
import { netnsUnavailableReason, sh } from '../helpers/netns.js';
import { buildLab, destroyLab, NODE_AS, nodeV4, repoRoot, ROUTER_AS, ROUTER_V4, until, type Lab } from './lab.js';
import { readRib, startRouter } from './routers.js';

const skip = netnsUnavailableReason() ?? (sh('which', ['gobgpd', 'kubectl'], { allowFail: true }).split('\n').filter(Boolean).length < 2 ? 'gobgpd and kubectl are needed' : undefined);
const suite = skip ? describe.skip : describe;
const NS_PORT = 16445;
const IP = '203.0.113.31';
const REPO = repoRoot();

suite(`BGP agent with an unlisted cache${skip ? ` (skipped: ${skip})` : ''}`, () => {
  jest.setTimeout(180_000);
  const socketDir = fs.mkdtempSync('/tmp/mlb-bgu-');
  const api = useApiServer({ socketPath: path.join(socketDir, 'api.sock') });
  let lab: Lab | undefined;
  const logs: string[] = [];
  afterAll(async () => {
    await destroyLab(lab);
    fs.rmSync(socketDir, { recursive: true, force: true });
  });

  const kubectl = (args: string[]): Promise<string> => new Promise((resolve, reject) => {
    const p = spawn('kubectl', ['--kubeconfig', api.kubeconfigPath, ...args]);
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve('') : reject(new Error(`kubectl ${args.join(' ')}: ${err}`))));
  });

  function startAgent(l: Lab): ChildProcess {
    const p = l.topo.spawn(l.nodes[0] ?? '', process.execPath, [path.join(REPO, 'test/bgp/run-ts.js'), path.join(REPO, 'test/bgp/agent-harness.ts')], {
      env: { ...process.env, KUBECONFIG: path.join(l.dir, 'kubeconfig'), NODE_NAME: 'n0', POD_NAMESPACE: 'd8-metallb', LOG_LEVEL: 'debug' },
    });
    for (const s of [p.stdout, p.stderr]) s?.on('data', (b: Buffer) => logs.push(...b.toString().split('\n')));
    return p;
  }

  test('the restarted agent waits for the Service list; the router keeps our route the whole time', async () => {
    for (const f of ['bgppeers', 'bgpadvertisements', 'ipaddresspools', 'communities', 'bfdprofiles']) await kubectl(['apply', '-f', path.join(REPO, 'crds/native', `${f}.yaml`)]);
    await new Promise((r) => setTimeout(r, 300));
    const kc = api.kubeConfig();
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const core = kc.makeApiClient(CoreV1Api);
    const create = (o: object) => objects.create(o as KubernetesObject);
    await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'd8-metallb' } });
    const node = await core.createNode({ body: { metadata: { name: 'n0' } } });
    await core.replaceNodeStatus({ name: 'n0', body: { ...node, status: { addresses: [{ type: 'InternalIP', address: nodeV4(0) }] } } });
    await create({ apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: { name: 'tor', namespace: 'd8-metallb' }, spec: { myASN: NODE_AS, peerASN: ROUTER_AS, peerAddress: ROUTER_V4, enableGracefulRestart: true } });
    await create({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'bgp', namespace: 'd8-metallb' }, spec: { addresses: ['203.0.113.0/24'] } });
    await create({ apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: { name: 'bgp', namespace: 'd8-metallb' }, spec: { ipAddressPools: ['bgp'] } });
    await create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } });
    const svc = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    await core.replaceNamespacedServiceStatus({ name: 'web', namespace: 'default', body: { ...svc, status: { loadBalancer: { ingress: [{ ip: IP }] } } } });

    lab = buildLab('mlb-bgu', 1);
    const l = lab;
    await startRouter(l, 'gobgp', { nodes: [0], peerAs: NODE_AS, gracefulRestart: true });
    fs.writeFileSync(path.join(l.dir, 'kubeconfig'), fs.readFileSync(api.kubeconfigPath, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${NS_PORT}`));
    l.topo.spawn(l.nodes[0] ?? '', process.execPath, [path.join(REPO, 'test/bgp/run-ts.js'), path.join(REPO, 'lab/agent/forwarder.ts'), String(NS_PORT), path.join(socketDir, 'api.sock')]);
    await new Promise((r) => setTimeout(r, 500));
    const ours = () => readRib(l, 'gobgp').filter((e) => e.prefix === `${IP}/32`).length;
    const first = startAgent(l);
    await until('our route at the router', () => ours() === 1, 90_000, 250);

    // A planned restart: graceful, so the router keeps the route as stale. The new agent finds the Service list failing.
    first.kill('SIGTERM');
    await new Promise((r) => first.once('exit', r));
    const fault = refuseLists(api.server, 'services');
    try {
      const since = logs.length;
      startAgent(l);
      const lost: number[] = [];
      const watch = setInterval(() => { if (ours() === 0) lost.push(Date.now()); }, 100);
      try {
        await until('three refused Service lists', () => fault.refused >= 3, 60_000, 100);
        expect(logs.slice(since).join('\n')).not.toContain('"peerUp"');
        fault.heal();
        await until('the session up again once listed', () => logs.slice(since).some((x) => x.includes('"peerUp"')), 60_000, 100);
        await new Promise((r) => setTimeout(r, 1000));
      } finally {
        clearInterval(watch);
      }
      expect(lost).toEqual([]);
      expect(ours()).toBe(1);
    } finally {
      fault.restore();
    }
  });
});
