// SPDX-License-Identifier: Apache-2.0
/**
 * The real speaker (main.js) in three node namespaces against the embedded API server, reached
 * through a 127.0.0.1 forwarder in each namespace. Objects are made with the real kubectl.
 * Names: mlb-l2c-*.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SDN_INTERNAL_L2LB_SERVICE as INSTANCES } from '../../lib/api/index.js';
import { useApiServer } from '../helpers/apiserver.js';
import { spawn } from 'node:child_process';
import { CoreV1Api, CustomObjectsApi, KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { L2Lab, REPO, l2LabUnavailableReason, sleep } from './lab.js';
import { until } from '../helpers/until.js';

const FORWARDER = path.join(REPO, 'dist/lab/agent/forwarder.js');
const reason = l2LabUnavailableReason() ?? (fs.existsSync(FORWARDER) ? undefined : 'dist/lab/agent/forwarder.js is not built (make build)');
const suite = reason ? describe.skip : describe;
const NS_PORT = 16443;
const IPS = ['192.0.2.210', '192.0.2.211', '192.0.2.212'];
// The client's own address: its kernel answers our probe, so this one must be reported as a conflict.
const TAKEN = '192.0.2.100';

suite(`L2 speaker through main.js and the API server${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const socketDir = fs.mkdtempSync('/tmp/mlb-l2c-');
  const api = useApiServer({ socketPath: path.join(socketDir, 'api.sock') });
  let lab: L2Lab;

  // Asynchronous: the API server runs in this process, so a blocking call would starve it.
  const run = (cmd: string, args: string[], input = '', allowFail = false): Promise<string> => new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => (code === 0 || allowFail ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${err}`))));
    p.stdin.on('error', () => undefined);
    p.stdin.end(input);
  });
  const kubectl = (args: string[], input?: string): Promise<string> => run('kubectl', ['--kubeconfig', api.kubeconfigPath, ...args], input);
  const nsRun = (ns: string, cmd: string, args: string[], allowFail = false): Promise<string> => run('ip', ['netns', 'exec', ns, cmd, ...args], '', allowFail);

  function instance(i: number, ip: string, preferred: string): unknown {
    return {
      apiVersion: 'internal.network.deckhouse.io/v1alpha1',
      kind: 'SDNInternalL2LBService',
      metadata: { name: `web-c-${i}`, namespace: 'default', labels: { 'parent-service': 'web' }, annotations: { 'metallb.io/address-pool': 'c', 'metallb.io/preferredL2SpeakerNode': preferred } },
      spec: { type: 'LoadBalancer', loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io', serviceRef: { namespace: 'default', name: 'web' }, ports: [{ port: 80, protocol: 'TCP' }], externalTrafficPolicy: 'Cluster' },
    };
  }

  beforeAll(async () => {
    lab = new L2Lab('mlb-l2c-', { nodes: 3 });
    await lab.build();
    for (const f of ['crds/internal/l2lbservices.yaml', 'crds/native/l2advertisements.yaml', 'crds/native/servicel2statuses.yaml']) await kubectl(['apply', '-f', path.join(REPO, f)]);
    await sleep(300);
    const kc = api.kubeConfig();
    const objects = KubernetesObjectApi.makeApiClient(kc);
    const core = kc.makeApiClient(CoreV1Api);
    const custom = kc.makeApiClient(CustomObjectsApi);
    await objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'd8-metallb' } });
    for (const n of lab.nodes) {
      const node = await core.createNode({ body: { metadata: { name: n.name, labels: { 'l2-load-balancer.network.deckhouse.io/member': '' } } } });
      await core.replaceNodeStatus({ name: n.name, body: { ...node, status: { addresses: [{ type: 'InternalIP', address: n.ip4 }] } } });
    }
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io', ports: [{ port: 80 }] } } });
    await objects.create({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'c', namespace: 'd8-metallb' }, spec: { ipAddressPools: ['c'], nodeSelectors: [{ matchLabels: { 'l2-load-balancer.network.deckhouse.io/member': '' } }] } } as KubernetesObject);
    for (const [i, ip] of [...IPS, TAKEN].entries()) {
      const o = await objects.create(instance(i, ip, lab.nodes[i % 3]?.name ?? '') as KubernetesObject);
      await custom.replaceNamespacedCustomObjectStatus({ ...INSTANCES, namespace: 'default', name: `web-c-${i}`, body: { ...o, status: { loadBalancer: { ingress: [{ ip }] } } } });
    }
    lab.setInstances([]);
    // A kubeconfig for inside the namespaces: the same server through the forwarder on 127.0.0.1.
    const inner = fs.readFileSync(api.kubeconfigPath, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${NS_PORT}`);
    const innerPath = path.join(lab.dir, 'kubeconfig');
    fs.writeFileSync(innerPath, inner);
    for (const n of lab.nodes) {
      for (const ip of [...IPS, TAKEN]) lab.topo.exec(n.ns, 'ip', ['addr', 'add', `${ip}/32`, 'dev', 'kube-ipvs0']);
      lab.topo.spawn(n.ns, 'node', [FORWARDER, String(NS_PORT), path.join(socketDir, 'api.sock')]);
    }
    await sleep(500);
    for (const n of lab.nodes) lab.startSpeaker(n.name, { env: { KUBECONFIG: innerPath, POD_NAMESPACE: 'd8-metallb', METRICS_HOST: '127.0.0.1' } });
    // Loading the Kubernetes client takes seconds on a busy machine.
    await lab.waitAnnounced(IPS, 90_000);
  }, 150_000);

  afterAll(async () => {
    await lab?.destroy();
    fs.rmSync(socketDir, { recursive: true, force: true });
  });

  test('each instance is announced by its preferred node, and arping sees that node', async () => {
    expect.hasAssertions();
    // Speakers start one after another: the first may hold every address until its peers are up.
    await lab.waitOwners(new Map(IPS.map((ip, i) => [ip, `node-${i + 1}`])), 60_000);
    for (const [i, ip] of IPS.entries()) {
      // Our view of the logs can lag on a busy machine: ask until the owner answers, then check it answers alone.
      let macs = new Set<string | undefined>();
      for (let t = 0; t < 20; t++) {
        const out = await nsRun(lab.client, 'arping', ['-c', '2', '-W', '0.2', '-w', '2', '-i', 'eth0', ip], true);
        macs = new Set([...out.matchAll(/bytes from ([0-9a-f:]{17}) \(/g)].map((m) => m[1]));
        if (macs.size === 1 && macs.has(lab.nodes[i]?.mac)) break;
        await sleep(500);
      }
      expect(macs).toEqual(new Set([lab.nodes[i]?.mac]));
    }
  }, 90_000);

  test('ServiceL2Status objects name the announcing nodes', async () => {
    let nodes: string[] = [];
    for (let i = 0; i < 50 && nodes.length < 3; i++) {
      const list = JSON.parse(await kubectl(['get', 'servicel2statuses', '-n', 'd8-metallb', '-o', 'json'])) as { items: Array<{ status?: { node?: string; serviceName?: string; interfaces?: Array<{ name: string }> } }> };
      nodes = list.items.map((o) => o.status?.node ?? '').filter(Boolean).sort();
      if (nodes.length < 3) await sleep(200);
      else expect(list.items.every((o) => o.status?.serviceName === 'web' && o.status.interfaces?.some((x) => x.name === 'eth0'))).toBe(true);
    }
    expect(nodes).toEqual(['node-1', 'node-2', 'node-3']);
  }, 90_000);

  test('an address another host already uses is not announced: Event on the Service names its MAC', async () => {
    let events = '';
    for (let i = 0; i < 50 && !events.includes(`${TAKEN} is also claimed`); i++) {
      events = await kubectl(['get', 'events', '-n', 'default', '-o', 'json']);
      if (!events.includes(`${TAKEN} is also claimed`)) await sleep(200);
    }
    const list = JSON.parse(events) as { items: Array<{ reason?: string; message?: string; involvedObject?: { kind?: string; name?: string } }> };
    const conflicts = list.items.filter((e) => e.reason === 'AddressConflict');
    // Only the address the client really uses: our own speakers never count as conflicts.
    expect(conflicts.length).toBeGreaterThan(0);
    expect(conflicts.filter((e) => !e.message?.includes(TAKEN))).toEqual([]);
    const conflict = conflicts[0];
    expect(conflict?.involvedObject).toMatchObject({ kind: 'Service', name: 'web' });
    expect(conflict?.message).toContain(TAKEN);
    expect(conflict?.message).toContain('02:00:00:00:00:64');
    expect(await kubectl(['describe', 'service', 'web', '-n', 'default'])).toMatch(/Warning\s+AddressConflict\s.*is also claimed by 02:00:00:00:00:64/);
    // Re-probed every few seconds, never announced for long: it settles unannounced.
    await until(`${TAKEN} unannounced`, () => !lab.owners().has(TAKEN), 5000);
    expect(lab.owners().get(TAKEN)).toBeUndefined();
  }, 90_000);

  test('metrics and /healthz on 7472', async () => {
    const owner = lab.node('node-1');
    expect(await nsRun(owner.ns, 'curl', ['-sf', 'http://127.0.0.1:7472/healthz'])).toBe('ok\n');
    const m = await nsRun(owner.ns, 'curl', ['-sf', 'http://127.0.0.1:7472/metrics']);
    expect(m).toMatch(/metallb_speaker_announced\{ip="192.0.2.210",node="node-1",protocol="layer2",service="default\/web"\} 1/);
    expect(m).toMatch(/metallb_speaker_peer_up\{peer="node-2"\} 1/);
    // The conflict is counted by whichever node probed the address.
    const all = await Promise.all(lab.nodes.map((n) => nsRun(n.ns, 'curl', ['-sf', 'http://127.0.0.1:7472/metrics'])));
    expect(all.some((x) => /metallb_layer2_address_conflicts\{ip="192.0.2.100",mac="02:00:00:00:00:64"\} [1-9]/.test(x))).toBe(true);
  }, 90_000);

  test('an L2Advertisement edited into something invalid keeps its last valid version: no address is dropped, kubectl describe says why, the stale metric rises and clears', async () => {
    const before = new Map(IPS.map((ip) => [ip, lab.owners().get(ip)?.join()]));
    expect([...before.values()].every((n) => n !== undefined)).toBe(true);
    const n = lab.nodes.map((x) => x.log.length);
    const stale = async (): Promise<string[]> => (await Promise.all(lab.nodes.map((x) => nsRun(x.ns, 'curl', ['-sf', 'http://127.0.0.1:7472/metrics'])))).map((m) => /^metallb_k8s_client_config_stale_bool (\d)/m.exec(m)?.[1] ?? '?');
    const patch = (spec: unknown): Promise<string> => kubectl(['-n', 'd8-metallb', 'patch', 'l2advertisement', 'c', '--type=merge', '-p', JSON.stringify({ spec })]);
    // The schema lets both through: a label value with a space and an interface name with one.
    await patch({ nodeSelectors: [{ matchLabels: { 'l2-load-balancer.network.deckhouse.io/member': 'yes please' } }], interfaces: ['eth 0'] });
    const described = await until('a ConfigStale Event on the L2Advertisement', async () => {
      const d = await kubectl(['-n', 'd8-metallb', 'describe', 'l2advertisement', 'c']);
      return /Warning\s+ConfigStale/.test(d) && d;
    }, 20_000, 300);
    expect(described).toMatch(/ConfigStale\s.*L2Advertisement "c": nodeSelectors\[0\]: invalid label value "yes please" .*; interfaces: "eth 0" is not an interface name; the last valid version \(resourceVersion \d+\) stays in force until this is fixed/);
    await until('metallb_k8s_client_config_stale_bool 1 on every node', async () => (await stale()).every((v) => v === '1'), 10_000, 300);
    // Long enough for a harmful recompute (20 ms after the change) to have released something.
    await sleep(2000);
    expect(new Map(IPS.map((ip) => [ip, lab.owners().get(ip)?.join()]))).toEqual(before);
    expect(lab.nodes.flatMap((x, i) => x.log.slice(n[i]).filter((l) => l.op === 'release'))).toEqual([]);
    for (const ip of IPS) {
      const out = await nsRun(lab.client, 'arping', ['-c', '2', '-W', '0.2', '-w', '2', '-i', 'eth0', ip], true);
      expect([ip, out]).toEqual([ip, expect.stringMatching(/bytes from/)]);
    }
    await patch({ nodeSelectors: [{ matchLabels: { 'l2-load-balancer.network.deckhouse.io/member': '' } }], interfaces: null });
    await until('the stale metric cleared on every node', async () => (await stale()).every((v) => v === '0'), 10_000, 300);
    expect(new Map(IPS.map((ip) => [ip, lab.owners().get(ip)?.join()]))).toEqual(before);
  }, 90_000);

  test('deleting an instance stops its announcement at once', async () => {
    await kubectl(['delete', 'sdninternall2lbservice', 'web-c-2', '-n', 'default']);
    await until('web-c-2 released', () => !lab.owners().has(IPS[2] ?? ''), 5000);
    expect(lab.owners().has(IPS[2] ?? '')).toBe(false);
    const out = await nsRun(lab.client, 'arping', ['-c', '2', '-W', '0.2', '-w', '1', '-i', 'eth0', IPS[2] ?? ''], true);
    expect(out).not.toMatch(/bytes from/);
  }, 90_000);
});
