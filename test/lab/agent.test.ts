// SPDX-License-Identifier: Apache-2.0
/** The node agent with real processes in real namespaces: placement, env, restarts, service IPs, kernel silence. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { V1DaemonSet, V1Deployment, V1Node, V1Service } from '@kubernetes/client-node';
import { NodeAgent } from '../../lab/agent/agent.js';
import { LAB_BACKOFF } from '../../lab/agent/backoff.js';
import type { ClusterView, Layout } from '../../lab/agent/desired.js';
import { Supervisor } from '../../lab/agent/supervisor.js';
import { createTopology, destroyNamespaces, namespacesOf } from '../../lab/topology/netns.js';
import { nodesOf, planTopology } from '../../lab/topology/plan.js';
import { listNamespaces, run, runNs, signal, waitFor } from '../../lab/sys.js';
import { netnsUnavailableReason, runPrefix } from '../helpers/netns.js';

const why = netnsUnavailableReason();
const root = path.resolve(__dirname, '../..');
const built = fs.existsSync(path.join(root, 'dist/lab/agent/backend.js'));
const reason = why ?? (built ? undefined : 'needs `make build` (dist/lab/agent/backend.js)');
const suite = reason ? describe.skip : describe;

const plan = planTopology({ prefix: runPrefix('a'), nodes: 3, router: 'bird' });
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbea-'));
const member = 'l2-load-balancer.network.deckhouse.io/member';

function node(i: number, labels: Record<string, string>): V1Node {
  return { metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, ...labels } }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: `192.0.2.${10 + i}` }] } };
}

const env = [
  { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
  { name: 'OUT_DIR', value: out },
];
const speaker: V1DaemonSet = {
  metadata: { name: 'speaker', namespace: 'd8-metallb' },
  spec: { selector: {}, template: { metadata: { labels: { app: 'speaker' } }, spec: {
    hostNetwork: true,
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: member, operator: 'Exists' }] }] } } },
    containers: [{ name: 'speaker', command: ['node', '/app/test/lab/fixtures/pod.js'], env }],
  } } },
};
const controller: V1Deployment = {
  metadata: { name: 'controller', namespace: 'd8-metallb' },
  spec: { replicas: 1, selector: {}, template: { metadata: { labels: { app: 'controller' } }, spec: { containers: [{ name: 'controller', command: ['node', '/app/test/lab/fixtures/pod.js'], env }] } } },
};
const svc: V1Service = { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', ports: [{ port: 8080, protocol: 'TCP' }] }, status: { loadBalancer: { ingress: [{ ip: '192.0.2.201' }, { ip: '2001:db8:0:1::201' }] } } };

let view: ClusterView = { nodes: [node(1, { [member]: '' }), node(2, { [member]: '' }), node(3, {})], deployments: [controller], daemonSets: [speaker], secrets: [], configMaps: [], services: [svc] };

const layout: Layout = {
  appRoot: root,
  nodeNs: (n) => nodesOf(plan).find((h) => h.nodeName === n)?.ns,
  podNs: (w, slot) => `${plan.prefix}${w}-${slot}`,
  apiPort: 16443,
  apiSocket: path.join(out, 'api.sock'),
  kubeconfig: path.join(out, 'kubeconfig'),
  node: process.execPath,
};

function recorded(pod: string): { argv: string[]; env: Record<string, string>; ifaces: string[]; pid: number } | undefined {
  const f = fs.readdirSync(out).find((x) => x.startsWith(pod) && x.endsWith('.json'));
  return f ? (JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as { argv: string[]; env: Record<string, string>; ifaces: string[]; pid: number }) : undefined;
}

suite(`${reason ? `[skipped: ${reason}] ` : ''}node agent`, () => {
  let agent: NodeAgent;
  const nodeNs = nodesOf(plan).map((h) => h.ns);

  beforeAll(async () => {
    destroyNamespaces(namespacesOf(plan));
    destroyNamespaces([`${plan.prefix}controller-0`]);
    createTopology(plan);
    const supervisor = new Supervisor(path.join(out, 'logs'), { ...LAB_BACKOFF, baseMs: 200 }, (ns) => ns.startsWith(plan.prefix));
    agent = new NodeAgent({ source: () => Promise.resolve(view), layout, supervisor, statics: [], nodeNamespaces: nodeNs, reportFile: path.join(out, 'agent.json') });
    agent.start(200);
  }, 30_000);

  afterAll(async () => {
    await agent?.stop();
    destroyNamespaces(namespacesOf(plan));
    destroyNamespaces([`${plan.prefix}controller-0`]);
    fs.rmSync(out, { recursive: true, force: true });
  });

  test('the DaemonSet runs on the member nodes only, in their namespaces, with fieldRef env and /app mapped', async () => {
    const r1 = await waitFor('speaker on node-1', () => recorded('speaker-') && fs.readdirSync(out).filter((f) => f.startsWith('speaker-')).length === 2 ? true : undefined, 15_000);
    expect(r1).toBe(true);
    const files = fs.readdirSync(out).filter((f) => f.startsWith('speaker-')).sort();
    expect(files.map((f) => f.replace(/^speaker-[0-9a-f]+-/, ''))).toEqual(['node-1.json', 'node-2.json']);
    const s1 = JSON.parse(fs.readFileSync(path.join(out, files[0] ?? ''), 'utf8')) as { argv: string[]; env: Record<string, string>; ifaces: string[] };
    expect(s1.env.NODE_NAME).toBe('node-1');
    expect(s1.env.KUBECONFIG).toBe(layout.kubeconfig);
    expect(s1.argv[0]).toBe(path.join(root, 'test/lab/fixtures/pod.js'));
    expect(s1.ifaces).toEqual(expect.arrayContaining(['eth0', 'lo']));
  }, 30_000);

  test('the Deployment pod gets its own namespace with loopback only', async () => {
    const c = await waitFor('controller', () => recorded('controller-'), 15_000);
    expect(c.ifaces).toEqual(['lo']);
    expect(listNamespaces()).toContain(`${plan.prefix}controller-0`);
  }, 30_000);

  test('a killed container is restarted, as a kubelet would', async () => {
    const before = await waitFor('speaker on node-2', () => recorded('speaker-') && fs.readdirSync(out).find((f) => f.endsWith('node-2.json')), 10_000);
    const pid = (JSON.parse(fs.readFileSync(path.join(out, before), 'utf8')) as { pid: number }).pid;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    fs.rmSync(path.join(out, before));
    expect(signal({ pid, start: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) }, 'SIGKILL')).toBe(true);
    const again = await waitFor('restarted speaker', () => (fs.existsSync(path.join(out, before)) ? JSON.parse(fs.readFileSync(path.join(out, before), 'utf8')) as { pid: number } : undefined), 15_000);
    expect(again.pid).not.toBe(pid);
    const unit = agent.report().units.find((u) => u.pod?.node === 'node-2' && u.pod.container === 'speaker');
    expect(unit?.restarts).toBe(1);
  }, 30_000);

  test('service IPs sit on the dummy interface and the kernel does not answer ARP for them', async () => {
    const ns = nodeNs[0] ?? '';
    expect(runNs(ns, 'ip', ['-br', 'link'])).toContain('kube-ipvs0');
    await waitFor('service IP', () => (runNs(ns, 'ip', ['-j', 'addr', 'show', 'dev', 'kube-ipvs0']).includes('192.0.2.201') ? true : undefined), 10_000);
    const arp = runNs(`${plan.prefix}client`, 'arping', ['-c', '2', '-w', '2', '-i', 'eth0', '192.0.2.201'], { allowFail: true });
    expect(arp).not.toMatch(/bytes from/);
    const ndp = runNs(`${plan.prefix}client`, 'ndisc6', ['-1', '-r', '2', '-w', '500', '2001:db8:0:1::201', 'eth0'], { allowFail: true });
    expect(ndp).not.toMatch(/Target link-layer address/);
  }, 30_000);

  test('the backend answers on the service port with its node name once the client knows the MAC', async () => {
    const client = `${plan.prefix}client`;
    run('ip', ['-n', client, 'neigh', 'replace', '192.0.2.201', 'lladdr', '02:00:00:00:02:02', 'dev', 'eth0']);
    const body = await waitFor('backend answer', () => runNs(client, 'curl', ['-s', '--max-time', '1', 'http://192.0.2.201:8080/'], { allowFail: true }).trim() || undefined, 10_000);
    expect(body).toBe('node-2');
  }, 30_000);

  test('a node leaving the selector loses its speaker; a removed Service loses its IPs', async () => {
    view = { ...view, nodes: [node(1, {}), node(2, { [member]: '' }), node(3, {})], services: [] };
    await waitFor('node-1 speaker stopped', () => (agent.report().units.some((u) => u.pod?.node === 'node-1' && u.pod.container === 'speaker') ? undefined : true), 10_000);
    await waitFor('service IP removed', () => (runNs(nodeNs[1] ?? '', 'ip', ['-j', 'addr', 'show', 'dev', 'kube-ipvs0']).includes('192.0.2.201') ? undefined : true), 10_000);
    const r = agent.report();
    expect(r.units.filter((u) => u.kind === 'pod').map((u) => u.pod?.node).sort()).toEqual(['node-1', 'node-2']);
    expect(r.units.find((u) => u.pod?.container === 'controller')?.pod?.node).toBe('node-1');
  }, 30_000);

  test('probes: a pod is Ready only while its readiness probe passes; a failing liveness probe restarts it', async () => {
    const probed: V1Deployment = {
      metadata: { name: 'probed', namespace: 'd8-metallb' },
      spec: { replicas: 1, selector: {}, template: { metadata: { labels: { app: 'probed' } }, spec: { containers: [{
        name: 'probed',
        command: ['node', '/app/test/lab/fixtures/pod.js'],
        env: [...env, { name: 'PROBE_PORT', value: '7472' }],
        readinessProbe: { httpGet: { path: '/healthz', port: 7472 }, periodSeconds: 1, failureThreshold: 1 },
        livenessProbe: { httpGet: { host: '127.0.0.1', path: '/healthz', port: 7472 }, periodSeconds: 1, failureThreshold: 3 },
      }] } } },
    };
    view = { ...view, deployments: [controller, probed] };
    const unitOf = () => agent.report().units.find((u) => u.pod?.container === 'probed');
    await waitFor('probed pod Ready', () => (unitOf()?.ready ? true : undefined), 20_000);
    const first = await waitFor('probed pod started', () => recorded('probed-'), 5_000);
    const sick = path.join(out, `${fs.readdirSync(out).find((f) => f.startsWith('probed-') && f.endsWith('.json'))?.replace(/\.json$/, '')}.health`);
    fs.writeFileSync(sick, '503');
    await waitFor('not Ready after a failed readiness check', () => (unitOf()?.ready === false ? true : undefined), 10_000);
    const u = await waitFor('restart after 3 failed liveness checks', () => ((unitOf()?.restarts ?? 0) >= 1 ? unitOf() : undefined), 20_000);
    expect(u.lastExit).toMatch(/^liveness probe failed: Get "http:\/\/127\.0\.0\.1:7472\/healthz": HTTP probe failed with statuscode: 503/);
    fs.rmSync(sick);
    const again = await waitFor('restarted and Ready again', () => (unitOf()?.ready && recorded('probed-')?.pid !== first.pid ? recorded('probed-') : undefined), 20_000);
    expect(again.pid).not.toBe(first.pid);
    view = { ...view, deployments: [controller] };
  }, 90_000);

  test('a pod that cannot be configured is reported, not started', async () => {
    const bad: V1DaemonSet = { ...speaker, metadata: { name: 'broken', namespace: 'd8-metallb' }, spec: { selector: {}, template: { spec: { hostNetwork: true, containers: [{ name: 'c', command: ['true'], env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'missing', key: 'k' } } }] }] } } } };
    view = { ...view, daemonSets: [speaker, bad] };
    const problems = await waitFor('problem', () => (agent.report().problems.length ? agent.report().problems : undefined), 10_000);
    expect(problems[0]).toMatchObject({ reason: 'CreateContainerConfigError', message: 'secret "missing" not found' });
    expect(agent.report().units.some((u) => u.pod?.name.startsWith('broken'))).toBe(false);
  }, 30_000);
});
