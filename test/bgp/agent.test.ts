/**
 * The BGP agent in a node namespace against the embedded API server (through a 127.0.0.1 forwarder) and GoBGP:
 * metallb.io BGPPeer (password from a Secret), IPAddressPool, Community and BGPAdvertisement plus a Service's
 * status IP become a route with the right communities; ETP Local follows ready endpoints; deleting the Service withdraws.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CoreV1Api, DiscoveryV1Api, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { useApiServer } from '../helpers/apiserver.js';
import { netnsUnavailableReason, sh } from '../helpers/netns.js';
import { buildLab, destroyLab, NODE_AS, nodeV4, repoRoot, ROUTER_AS, ROUTER_V4, until, type Lab } from './lab.js';
import { readRib, startRouter } from './routers.js';

const skip = netnsUnavailableReason() ?? (sh('which', ['gobgpd', 'kubectl'], { allowFail: true }).split('\n').filter(Boolean).length < 2 ? 'gobgpd and kubectl are needed' : undefined);
const suite = skip ? describe.skip : describe;
const NS_PORT = 16444;
const IP = '203.0.113.30';
const REPO = repoRoot();

suite(`BGP agent with the API server and GoBGP${skip ? ` (skipped: ${skip})` : ''}`, () => {
  jest.setTimeout(240_000);
  const socketDir = fs.mkdtempSync('/tmp/mlb-bga-');
  const api = useApiServer({ socketPath: path.join(socketDir, 'api.sock') });
  let lab: Lab | undefined;
  const logs: string[] = [];

  // Asynchronous: the API server runs in this process, so a blocking kubectl would starve it.
  const kubectl = (args: string[]): Promise<string> => new Promise((resolve, reject) => {
    const p = spawn('kubectl', ['--kubeconfig', api.kubeconfigPath, ...args]);
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`kubectl ${args.join(' ')}: ${err}`))));
  });
  const ours = () => (lab ? readRib(lab, 'gobgp').filter((e) => e.prefix === `${IP}/32`) : []);

  afterAll(async () => {
    await destroyLab(lab);
    fs.rmSync(socketDir, { recursive: true, force: true });
  });

  test('objects and Service status become an announced route; ETP Local follows endpoints; delete withdraws', async () => {
    for (const f of ['bgppeers', 'bgpadvertisements', 'ipaddresspools', 'communities', 'bfdprofiles']) await kubectl(['apply', '-f', path.join(REPO, 'crds/native', `${f}.yaml`)]);
    await new Promise((r) => setTimeout(r, 300));
    const kc = api.kubeConfig();
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const core = kc.makeApiClient(CoreV1Api);
    const discovery = kc.makeApiClient(DiscoveryV1Api);
    const create = (o: object) => objects.create(o as KubernetesObject);
    await create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'd8-metallb' } });
    const node = await core.createNode({ body: { metadata: { name: 'n0', labels: { 'bgp-speaker': 'yes' } } } });
    await core.replaceNodeStatus({ name: 'n0', body: { ...node, status: { addresses: [{ type: 'InternalIP', address: nodeV4(0) }] } } });
    await create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'tor-pw', namespace: 'd8-metallb' }, type: 'kubernetes.io/basic-auth', stringData: { password: 'agent-md5' } });
    await create({ apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: { name: 'tor', namespace: 'd8-metallb' }, spec: { myASN: NODE_AS, peerASN: ROUTER_AS, peerAddress: ROUTER_V4, passwordSecret: { name: 'tor-pw' }, nodeSelectors: [{ matchLabels: { 'bgp-speaker': 'yes' } }] } });
    await create({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'bgp', namespace: 'd8-metallb' }, spec: { addresses: ['203.0.113.0/24'] } });
    await create({ apiVersion: 'metallb.io/v1beta1', kind: 'Community', metadata: { name: 'names', namespace: 'd8-metallb' }, spec: { communities: [{ name: 'edge', value: '64512:300' }] } });
    await create({ apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: { name: 'bgp', namespace: 'd8-metallb' }, spec: { ipAddressPools: ['bgp'], communities: ['edge', 'large:64512:7:8'] } });
    await create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }], externalTrafficPolicy: 'Cluster' } });
    const svc = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    await core.replaceNamespacedServiceStatus({ name: 'web', namespace: 'default', body: { ...svc, status: { loadBalancer: { ingress: [{ ip: IP }] } } } });

    lab = buildLab('mlb-bga', 1);
    await startRouter(lab, 'gobgp', { nodes: [0], peerAs: NODE_AS, password: 'agent-md5' });
    const nodeNs = lab.nodes[0] ?? '';
    const inner = fs.readFileSync(api.kubeconfigPath, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${NS_PORT}`);
    fs.writeFileSync(path.join(lab.dir, 'kubeconfig'), inner);
    lab.topo.spawn(nodeNs, process.execPath, [path.join(REPO, 'test/bgp/run-ts.js'), path.join(REPO, 'lab/agent/forwarder.ts'), String(NS_PORT), path.join(socketDir, 'api.sock')]);
    await new Promise((r) => setTimeout(r, 500));
    const agent = lab.topo.spawn(nodeNs, process.execPath, [path.join(REPO, 'test/bgp/run-ts.js'), path.join(REPO, 'test/bgp/agent-harness.ts')], {
      env: { ...process.env, KUBECONFIG: path.join(lab.dir, 'kubeconfig'), NODE_NAME: 'n0', POD_NAMESPACE: 'd8-metallb', LOG_LEVEL: 'debug' },
    });
    agent.stdout?.on('data', (b: Buffer) => logs.push(...b.toString().split('\n')));
    agent.stderr?.on('data', (b: Buffer) => logs.push(...b.toString().split('\n')));

    const r = await until('the Service IP in the GoBGP RIB', () => ours()[0], 90_000, 250);
    expect(r).toMatchObject({ nextHops: [nodeV4(0)], communities: ['64512:300'], largeCommunities: ['64512:7:8'] });
    expect(logs.join('\n')).not.toContain('agent-md5');

    // ETP Local without a ready endpoint on n0: withdrawn.
    const cur = await core.readNamespacedService({ name: 'web', namespace: 'default' });
    await core.replaceNamespacedService({ name: 'web', namespace: 'default', body: { ...cur, spec: { ...cur.spec, externalTrafficPolicy: 'Local' } } });
    await until('withdrawn for ETP Local without endpoints', () => ours().length === 0, 30_000, 250);
    await discovery.createNamespacedEndpointSlice({ namespace: 'default', body: { metadata: { name: 'web-1', labels: { 'kubernetes.io/service-name': 'web' } }, addressType: 'IPv4', endpoints: [{ addresses: ['192.0.2.50'], nodeName: 'n0', conditions: { ready: true } }], ports: [{ port: 80 }] } });
    await until('announced again with a ready endpoint on n0', () => ours().length === 1, 30_000, 250);

    await core.deleteNamespacedService({ name: 'web', namespace: 'default' });
    await until('withdrawn after the Service is deleted', () => ours().length === 0, 30_000, 250);
  });

  test('edits that break the advertisement, the peer, the pool or the community keep their last valid versions: the route and the session stay, Events say why', async () => {
    if (!lab) throw new Error('previous test did not set up the lab');
    const core = api.kubeConfig().makeApiClient(CoreV1Api);
    const svc = await core.readNamespacedService({ name: 'web2', namespace: 'default' }).catch(() => undefined);
    if (!svc) {
      await KubernetesObjectApi.makeApiClient(api.kubeConfig()).create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web2', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 80 }] } } as KubernetesObject);
      const s = await core.readNamespacedService({ name: 'web2', namespace: 'default' });
      await core.replaceNamespacedServiceStatus({ name: 'web2', namespace: 'default', body: { ...s, status: { loadBalancer: { ingress: [{ ip: IP }] } } } });
    }
    await until('the route back', () => ours().length === 1, 30_000, 250);
    const ups = logs.filter((l) => l.includes('"peerUp"')).length;
    // A typo in a community and a hold time the speaker cannot use: both pass the API server's schema.
    await kubectl(['patch', 'bgpadvertisement', 'bgp', '-n', 'd8-metallb', '--type=merge', '-p', '{"spec":{"communities":["edge","64512:99999"]}}']);
    await kubectl(['patch', 'bgppeer', 'tor', '-n', 'd8-metallb', '--type=merge', '-p', '{"spec":{"holdTime":"2s"}}']);
    // A backwards range in the pool and a community value out of range in the named Community.
    await kubectl(['patch', 'ipaddresspool', 'bgp', '-n', 'd8-metallb', '--type=merge', '-p', '{"spec":{"addresses":["203.0.113.0/24","203.0.113.9-203.0.113.1"]}}']);
    await kubectl(['patch', 'community', 'names', '-n', 'd8-metallb', '--type=merge', '-p', '{"spec":{"communities":[{"name":"edge","value":"64512:300000"}]}}']);
    const stale = async (name: string) => (await kc().listNamespacedEvent({ namespace: 'd8-metallb', fieldSelector: `involvedObject.name=${name}` })).items.filter((e) => e.reason === 'ConfigStale');
    const adv = await until('ConfigStale on the advertisement', async () => (await stale('bgp')).find((e) => e.involvedObject.kind === 'BGPAdvertisement'), 30_000, 500);
    expect(adv.message).toMatch(/^invalid community "64512:99999": .*; the last valid version \(resourceVersion \d+\) stays in force until this is fixed$/);
    const peer = await until('ConfigStale on the peer', async () => (await stale('tor'))[0], 30_000, 500);
    expect(peer.message).toMatch(/^holdTime 2s must be 0 or at least 3s; the last valid version/);
    const pool = await until('ConfigStale on the pool', async () => (await stale('bgp')).find((e) => e.involvedObject.kind === 'IPAddressPool'), 30_000, 500);
    expect(pool.message).toMatch(/203\.0\.113\.9-203\.0\.113\.1.*; the last valid version \(resourceVersion \d+\) stays in force until this is fixed$/);
    const community = await until('ConfigStale on the Community', async () => (await stale('names'))[0], 30_000, 500);
    expect(community.message).toMatch(/64512:300000.*; the last valid version \(resourceVersion \d+\) stays in force until this is fixed$/);
    await new Promise((r) => setTimeout(r, 2000));
    expect(ours()[0]).toMatchObject({ communities: ['64512:300'], largeCommunities: ['64512:7:8'] });
    expect(logs.filter((l) => l.includes('"peerUp"')).length).toBe(ups);
    expect(logs.some((l) => l.includes('"peerDown"'))).toBe(false);
    // Fixed: the new versions take over.
    await kubectl(['patch', 'bgpadvertisement', 'bgp', '-n', 'd8-metallb', '--type=merge', '-p', '{"spec":{"communities":["edge"]}}']);
    await kubectl(['patch', 'bgppeer', 'tor', '-n', 'd8-metallb', '--type=json', '-p', '[{"op":"remove","path":"/spec/holdTime"}]']);
    await kubectl(['patch', 'ipaddresspool', 'bgp', '-n', 'd8-metallb', '--type=merge', '-p', '{"spec":{"addresses":["203.0.113.0/24"]}}']);
    await kubectl(['patch', 'community', 'names', '-n', 'd8-metallb', '--type=merge', '-p', '{"spec":{"communities":[{"name":"edge","value":"64512:300"}]}}']);
    await until('the large community gone', () => ours()[0]?.largeCommunities.length === 0, 30_000, 250);
  });

  // Where the operator looks: `kubectl describe bgppeer` shows why a session is or is not up.
  const peerEvents = async (reason: string) => (await kc().listNamespacedEvent({ namespace: 'd8-metallb', fieldSelector: 'involvedObject.name=tor' })).items.filter((e) => e.reason === reason);
  const kc = () => api.kubeConfig().makeApiClient(CoreV1Api);

  test('session Events on the BGPPeer: established, then a wrong TCP-MD5 password, then a missing password Secret', async () => {
    expect(lab).toBeDefined();
    expect((await peerEvents('SessionEstablished'))[0]?.message).toBe(`BGP session of node n0 with ${ROUTER_V4} (AS ${ROUTER_AS}) established`);
    expect(await kubectl(['describe', 'bgppeer', 'tor', '-n', 'd8-metallb'])).toMatch(/Normal\s+SessionEstablished/);

    const core = kc();
    const secret = await core.readNamespacedSecret({ name: 'tor-pw', namespace: 'd8-metallb' });
    await core.replaceNamespacedSecret({ name: 'tor-pw', namespace: 'd8-metallb', body: { ...secret, stringData: { password: 'not-the-routers' } } });
    const failed = await until('a SessionNotEstablished Event', async () => (await peerEvents('SessionNotEstablished'))[0], 60_000, 500);
    expect(failed.type).toBe('Warning');
    expect(failed.message).toMatch(/cannot be established: ConnectFailed: connect to 192\.0\.2\.1:179 timed out .*check the TCP-MD5 password/);
    expect(failed.message).not.toContain('not-the-routers');
    expect(await kubectl(['describe', 'bgppeer', 'tor', '-n', 'd8-metallb'])).toMatch(/Warning\s+SessionNotEstablished/);

    await core.deleteNamespacedSecret({ name: 'tor-pw', namespace: 'd8-metallb' });
    const problem = await until('a ConfigProblem Event', async () => (await peerEvents('ConfigProblem'))[0], 30_000, 500);
    expect(problem).toMatchObject({ type: 'Warning', message: 'password Secret d8-metallb/tor-pw is missing or its "password" key is empty; the peer stays down' });
    expect(problem.involvedObject).toMatchObject({ kind: 'BGPPeer', name: 'tor', namespace: 'd8-metallb' });
    expect(problem.involvedObject.uid).toBeTruthy();
  });
});
