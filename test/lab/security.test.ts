// SPDX-License-Identifier: Apache-2.0
/**
 * The controller and the speaker run from their images under runc exactly as the rendered templates ask
 * (user, capabilities, no_new_privs, seccomp, read-only root, checked in /proc), with their own bound
 * service-account tokens under the templates' RBAC, and become Ready; take a capability or an RBAC rule
 * away and the speaker fails visibly (not Ready, the reason in its log and in the API server's).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { NodeAgent } from '../../lab/agent/agent.js';
import { LAB_BACKOFF } from '../../lab/agent/backoff.js';
import { ImageStore } from '../../lab/agent/images.js';
import type { SeccompProfileFile } from '../../lab/agent/oci-spec.js';
import { PodSync } from '../../lab/agent/publish.js';
import { apiSource } from '../../lab/agent/source.js';
import { Supervisor } from '../../lab/agent/supervisor.js';
import { Kube } from '../../lab/kube.js';
import { run, waitFor } from '../../lab/sys.js';
import { useApiServer } from '../helpers/apiserver.js';
import { renderChart, type Manifest } from '../helpers/helm.js';
import { ensureImages, missingTools, outDir, repoRoot } from '../helpers/images.js';
import { netnsUnavailableReason, runPrefix, Topology } from '../helpers/netns.js';

const why = netnsUnavailableReason() ?? missingTools('runc');
const suite = why ? describe.skip : describe;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbsec-'));
const denied: string[] = [];
const api = useApiServer({ socketPath: path.join(tmp, 'api.sock'), podLogDir: path.join(tmp, 'pods'), onForbidden: (m) => denied.push(m) });
const MEMBER = 'l2-load-balancer.network.deckhouse.io/member';
const SECCOMP = '/usr/share/containers/seccomp.json';
const prefix = runPrefix('s');

/** The status lines of a process, by name. */
function status(pid: number): Record<string, string> {
  return Object.fromEntries(fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
}

/** The mount options of the process's root. */
function rootOptions(pid: number): string[] {
  const line = fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8').split('\n').find((l) => l.split(' ')[4] === '/');
  return (line?.split(' ')[5] ?? '').split(',');
}

const CAP_NET_RAW = 13;

suite(`${why ? `[skipped: ${why}] ` : ''}pods from the images under runc: security context and RBAC as rendered`, () => {
  jest.setTimeout(300_000);
  const topo = new Topology(prefix);
  let ns = '';
  let agent: NodeAgent | undefined;
  let manifests: Manifest[] = [];
  const kubectl = (args: string[], input?: string) => api.kubectlOk(args, input);

  beforeAll(async () => {
    const built = ensureImages();
    const values = yaml.load(fs.readFileSync(path.join(repoRoot, 'test/render/scenarios/base.yaml'), 'utf8')) as { global: { modulesImages: { digests: { metallb: Record<string, string> } } }; metallb: { internal: Record<string, unknown> } };
    const l2 = yaml.load(fs.readFileSync(path.join(repoRoot, 'test/render/scenarios/l2.yaml'), 'utf8')) as { metallb: { internal: Record<string, unknown> } };
    values.global.modulesImages.digests.metallb = built.digests;
    values.metallb.internal = { ...values.metallb.internal, ...l2.metallb.internal, l2lbservices: [] };
    manifests = renderChart(values).filter((m) => (m.metadata as { namespace?: string } | undefined)?.namespace === 'd8-metallb' || m.kind === 'Namespace' || m.kind?.startsWith('Cluster'));
    const crds = ['crds', 'crds/internal', 'crds/native'].map((d) => path.join(repoRoot, d)).flatMap((d) => fs.readdirSync(d).filter((f) => f.endsWith('.yaml') && !f.startsWith('doc-')).map((f) => path.join(d, f)));
    await kubectl(['apply', ...crds.flatMap((f) => ['-f', f])]);
    await kubectl(['apply', '-f', '-'], manifests.map((m) => JSON.stringify(m)).join('\n'));
    ns = topo.addNamespace('node-1');
    // The node's port (a veth pair inside the namespace): the speaker answers ARP/NDP on it through NET_RAW.
    topo.exec(ns, 'ip', ['link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0p']);
    for (const l of ['eth0', 'eth0p']) topo.exec(ns, 'ip', ['link', 'set', l, 'up']);
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1', 'node-role.kubernetes.io/frontend': '', [MEMBER]: '' } }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '127.0.0.1' }] } };
    await kubectl(['apply', '-f', '-'], JSON.stringify(node));
    const port = Number(new URL(api.server.url).port);
    const kube = Kube.fromKubeconfig(api.kubeconfigPath);
    const pods = new PodSync({
      kube, node: 'node-1', podsDir: path.join(tmp, 'pods'), apiPort: port, caPem: api.server.ca,
      containers: { store: new ImageStore(outDir, path.join(tmp, 'images')), seccomp: fs.existsSync(SECCOMP) ? JSON.parse(fs.readFileSync(SECCOMP, 'utf8')) as SeccompProfileFile : undefined, apiPort: port, idPrefix: prefix },
    });
    agent = new NodeAgent({
      source: apiSource(kube),
      layout: { appRoot: repoRoot, nodeNs: (n) => (n === 'node-1' ? ns : undefined), podNs: (w, slot) => `${prefix}${w}-${slot}`, apiPort: port, apiSocket: path.join(tmp, 'api.sock'), kubeconfig: api.kubeconfigPath, node: process.execPath, serves: 'node-1', images: true },
      supervisor: new Supervisor(path.join(tmp, 'logs'), { ...LAB_BACKOFF, baseMs: 500 }, (n) => n.startsWith(prefix)),
      statics: [],
      nodeNamespaces: [ns],
      reportFile: path.join(tmp, 'agent.json'),
      admit: (units, view) => pods.admit(units, view),
      publish: (units) => pods.publish(units),
    });
    agent.start(500);
  });

  afterAll(async () => {
    await agent?.stop();
    await topo.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const ready = (app: string, timeoutMs = 120_000) => waitFor(`${app} Ready`, async () => {
    const out = await kubectl(['get', 'pods', '-n', 'd8-metallb', '-l', `app=${app}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
    return out.trim().split('\n').some((l) => l.endsWith(' True')) ? out.trim() : undefined;
  }, timeoutMs, 1000);
  /** The log of every speaker container the agent has run so far. */
  const speakerLogs = (): string[] => fs.readdirSync(path.join(tmp, 'pods')).filter((d) => d.startsWith('d8-metallb_speaker-')).map((d) => {
    try { return fs.readFileSync(path.join(tmp, 'pods', d, 'speaker.log'), 'utf8'); } catch { return ''; }
  });
  const withLogs = (e: Error): never => {
    throw new Error(`${e.message}\nspeaker logs:\n${speakerLogs().map((t) => t.slice(-1500)).join('\n---\n')}\nagent:\n${JSON.stringify(agent?.report().units.filter((u) => u.pod?.labels.app === 'speaker'))}`);
  };
  const unit = (app: string) => agent?.report().units.find((u) => u.pod?.labels.app === app && u.state === 'running' && u.containerId);
  const running = (app: string) => waitFor(`${app} running`, () => unit(app), 30_000, 500);

  test('the speaker and the controller become Ready with their own tokens under the templates\' RBAC', async () => {
    await ready('speaker');
    await ready('controller');
    await waitFor('the speaker answering ARP/NDP on eth0', () => speakerLogs().find((t) => /"interface":"eth0".*answering ARP\/NDP on interface/.test(t)), 30_000, 500).catch(withLogs);
    expect(denied.filter((d) => d.includes('d8-metallb:speaker') || d.includes('d8-metallb:controller'))).toEqual([]);
  });

  test('the speaker runs as root with exactly NET_RAW, no_new_privs, seccomp and a read-only root; its token is its own', async () => {
    const pid = (await running('speaker')).proc?.pid ?? 0;
    const s = status(pid);
    expect(s.Uid?.split(/\s+/)[0]).toBe('0');
    expect(BigInt(`0x${s.CapEff}`)).toBe(1n << BigInt(CAP_NET_RAW));
    expect(BigInt(`0x${s.CapBnd}`)).toBe(1n << BigInt(CAP_NET_RAW));
    expect(s.NoNewPrivs).toBe('1');
    expect(s.Seccomp).toBe(fs.existsSync(SECCOMP) ? '2' : '0');
    expect(rootOptions(pid)).toContain('ro');
    const token = fs.readFileSync(`/proc/${pid}/root/var/run/secrets/kubernetes.io/serviceaccount/token`, 'utf8');
    expect((JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string }).sub).toBe('system:serviceaccount:d8-metallb:speaker');
    expect(fs.readlinkSync(`/proc/${pid}/ns/net`)).toBe(run('ip', ['netns', 'exec', ns, 'readlink', '/proc/self/ns/net']).trim());
  });

  test('the controller runs as 64535 without capabilities on a read-only root', async () => {
    const pid = (await running('controller')).proc?.pid ?? 0;
    const s = status(pid);
    expect(s.Uid?.split(/\s+/)[0]).toBe('64535');
    expect(s.Gid?.split(/\s+/)[0]).toBe('64535');
    expect(BigInt(`0x${s.CapEff}`)).toBe(0n);
    expect(s.NoNewPrivs).toBe('1');
    expect(rootOptions(pid)).toContain('ro');
  });

  test('an RBAC rule taken away: the speaker is denied, says so, and is not Ready', async () => {
    const role = manifests.find((m) => m.kind === 'ClusterRole' && (m.metadata as { name: string }).name === 'd8:metallb:speaker') as { rules: Array<{ resources: string[] }> } & Manifest;
    const cut = { ...role, rules: role.rules.map((r) => ({ ...r, resources: r.resources.filter((x) => x !== 'nodes') })).filter((r) => r.resources.length) };
    await kubectl(['apply', '-f', '-'], JSON.stringify(cut));
    await kubectl(['delete', 'pods', '-n', 'd8-metallb', '-l', 'app=speaker']);
    await waitFor('the speaker denied nodes', () => (denied.some((d) => d.includes('system:serviceaccount:d8-metallb:speaker') && d.includes('"nodes"')) ? true : undefined), 60_000, 500);
    const log = await waitFor('the speaker log naming the denial', () => speakerLogs().find((t) => /forbidden/i.test(t)), 60_000, 1000).catch(withLogs);
    expect(log).toMatch(/nodes/);
    await kubectl(['apply', '-f', '-'], JSON.stringify(role));
  });

  test('a capability taken away: the speaker without NET_RAW fails and says why', async () => {
    const ds = manifests.find((m) => m.kind === 'DaemonSet') as Manifest & { spec: { template: { spec: { containers: Array<{ securityContext: { capabilities: { add?: string[] } } }> } } } };
    const without = JSON.parse(JSON.stringify(ds)) as typeof ds;
    for (const c of without.spec.template.spec.containers) c.securityContext.capabilities.add = (c.securityContext.capabilities.add ?? []).filter((x) => x !== 'NET_RAW');
    await kubectl(['apply', '-f', '-'], JSON.stringify(without));
    const log = await waitFor('the speaker failing without NET_RAW', () => speakerLogs().find((t) => /Operation not permitted|EPERM|permission/i.test(t)), 90_000, 1000).catch(withLogs);
    expect(log).toBeDefined();
    const pods = await kubectl(['get', 'pods', '-n', 'd8-metallb', '-l', 'app=speaker', '-o', 'jsonpath={.items[*].status.conditions[?(@.type=="Ready")].status}']);
    expect(pods.split(' ')).not.toContain('True');
  });
});
