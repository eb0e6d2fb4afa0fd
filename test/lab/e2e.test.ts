// SPDX-License-Identifier: Apache-2.0
/**
 * The lab end to end, headless: `up` builds the lab, starts the API server and the module runtime under the
 * node agent, registers the nodes and applies the documented examples with the real kubectl; then the
 * documented results are checked from the client, the router and the API; `down` leaves nothing behind.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { takeDown } from '../../lab/cli/down.js';
import { statusDocument } from '../../lab/cli/status.js';
import { bringUp, type UpResult } from '../../lab/cli/up.js';
import { yamlObjects } from '../../lab/scenario/examples.js';
import { labAgentReport } from '../../lab/agent/agent.js';
import { readKubeconfig } from '../../lab/kube.js';
import { readState } from '../../lab/state.js';
import { alive, listNamespaces, run, runNs, waitFor } from '../../lab/sys.js';
import { ensureImages, missingTools } from '../helpers/images.js';
import { netnsUnavailableReason, runPrefix } from '../helpers/netns.js';
import { WAITING_ON, whenConverged } from './waiting.js';

const root = path.resolve(__dirname, '../..');
const needs: Array<[string, string]> = [
  ['dist/lab/cli/apiserver.js', 'the embedded API server (lab/apiserver)'],
  ['dist/lab/cli/module.js', 'the module runtime (lab/runtime)'],
  ['dist/lab/agent/main.js', 'the node agent (make build)'],
  ['hooks/batch', 'the hooks executable'],
  ['.cache/helm/helm', 'helm (scripts/setup.sh)'],
];
const missing = needs.filter(([f]) => !fs.existsSync(path.join(root, f))).map(([, what]) => what);
const reason = netnsUnavailableReason() ?? missingTools('runc') ?? (missing.length ? `needs ${missing.join(', ')}` : undefined);
const suite = reason ? describe.skip : describe;


const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlbee-'));
const prefix = runPrefix('e');
const lines: string[] = [];
let up: UpResult | undefined;

/** The bearer token a pod process uses: from the kubeconfig its environment names, or its mounted service-account token. */
function processToken(pid: number): string {
  const env = Object.fromEntries(fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  if (env.KUBECONFIG) return readKubeconfig(env.KUBECONFIG).token;
  return fs.readFileSync(`/proc/${pid}/root/var/run/secrets/kubernetes.io/serviceaccount/token`, 'utf8');
}

function kubectl(...args: string[]): string {
  return run('kubectl', ['--kubeconfig', path.join(dir, 'kubeconfig'), ...args]);
}

suite(`${reason ? `[skipped: ${reason}] ` : ''}lab end to end`, () => {
  beforeAll(async () => {
    // Pods run from the image archives, as in make lab (built once, reused while unchanged).
    ensureImages();
    up = await bringUp({ nodes: 4, router: 'bird', dir, prefix, viewSeconds: 3, timeoutMs: 150_000, headless: true, failover: true, applyOnly: !!WAITING_ON, out: (l) => lines.push(l) });
  }, 400_000);

  afterAll(async () => {
    const s = readState(dir);
    if (s) await takeDown(s);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test('status --json shows the planned topology with its MACs and addresses', async () => {
    const s = readState(dir);
    if (!s) throw new Error('no state');
    const doc = (await statusDocument(s)) as { topology: { namespaces: Array<{ name: string; role: string; node?: string; interfaces: Array<{ name: string; mac: string; addrs: string[] }> }> } };
    const nodes = doc.topology.namespaces.filter((n) => n.role === 'node');
    expect(nodes.map((n) => n.node)).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    const eth0 = nodes[1]?.interfaces.find((i) => i.name === 'eth0');
    expect(eth0).toMatchObject({ mac: '02:00:00:00:02:02', addrs: expect.arrayContaining(['192.0.2.12/24', '2001:db8:0:1::12/64']) });
  });

  test('kubectl sees four Ready nodes with their InternalIPs', () => {
    const out = kubectl('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status} {.status.addresses[0].address}{"\\n"}{end}');
    expect(out.trim().split('\n')).toEqual(['node-1 True 192.0.2.11', 'node-2 True 192.0.2.12', 'node-3 True 192.0.2.13', 'node-4 True 192.0.2.14']);
  });

  test('inside a node namespace the same kubeconfig reaches the API through the forwarder', () => {
    const out = runNs(`${prefix}node-3`, 'kubectl', ['--kubeconfig', path.join(dir, 'kubeconfig'), 'get', 'node', 'node-3', '-o', 'name']);
    expect(out.trim()).toBe('node/node-3');
  });

  test('the documented examples were accepted by the module CRDs', () => {
    expect(kubectl('get', 'metalloadbalancerclasses', '-o', 'name').trim()).toBe('metalloadbalancerclass.network.deckhouse.io/ingress');
    expect(kubectl('get', 'svc', '-o', 'name').split('\n')).toEqual(expect.arrayContaining(['service/web', 'service/web-v6', 'service/api']));
  });

  test("the module runtime ran the hooks: the class's nodes carry the member label", async () => {
    const members = await waitFor('member labels', () => {
      const out = kubectl('get', 'nodes', '-l', 'l2-load-balancer.network.deckhouse.io/member', '-o', 'name').trim();
      return out.split('\n').length === 3 ? out : undefined;
    }, 60_000, 500);
    expect(members.split('\n')).toEqual(['node/node-1', 'node/node-2', 'node/node-3']);
  }, 70_000);

  test('the node agent runs the rendered controller and speakers: kubectl shows their pods Running on the right nodes', async () => {
    const pods = await waitFor('pods', () => {
      const out = kubectl('get', 'pods', '-n', 'd8-metallb', '-o', 'jsonpath={range .items[*]}{.metadata.labels.app} {.spec.nodeName} {.status.phase}{"\\n"}{end}').trim();
      const lines = out ? out.split('\n').sort() : [];
      return lines.filter((l) => l.endsWith('Running')).length >= 6 ? lines : undefined;
    }, 90_000, 1000);
    expect(pods.filter((l) => l.startsWith('speaker ')).map((l) => l.split(' ')[1])).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
    expect(pods.filter((l) => l.startsWith('controller ')).length).toBe(2);
    const ds = kubectl('get', 'ds', '-n', 'd8-metallb', 'speaker', '-o', 'jsonpath={.status.desiredNumberScheduled}');
    expect(ds).toBe('4');
  }, 100_000);

  test('the router is configured for every node, with the example password', () => {
    const conf = fs.readFileSync(path.join(dir, 'router', 'bird.conf'), 'utf8');
    expect(conf.match(/neighbor 192\.0\.2\.1[1-4] as 64513/g)).toHaveLength(4);
    expect(conf).toContain('password "s3cret-bgp-password"');
    // BFD is on by default, with the example peer's timers
    expect(conf).toContain('bfd on;');
    expect(conf).toMatch(/min rx interval 100 ms; min tx interval 100 ms; multiplier 3;/);
    expect(run('birdc', ['-s', path.join(dir, 'router', 'bird.ctl'), 'show', 'protocols'])).toMatch(/node_4\s+BGP/);
  });

  whenConverged('web gets three IPs from the class pool, each answered by a different node of the class', () => {
    const ips = kubectl('get', 'svc', 'web', '-o', 'jsonpath={.status.loadBalancer.ingress[*].ip}').trim().split(' ');
    expect(ips).toHaveLength(3);
    for (const ip of ips) expect(ip).toMatch(/^192\.0\.2\.(2[0-4]\d|250)$/);
    const rows = up?.report.rows.filter((r) => r.service === 'default/web') ?? [];
    expect(new Set(rows.map((r) => r.node)).size).toBe(3);
    for (const r of rows) expect(['node-1', 'node-2', 'node-3']).toContain(r.node);
  });

  whenConverged('the client sees the answering node\'s MAC for every L2 IP, IPv6 included', () => {
    const rows = up?.report.rows.filter((r) => r.mode.startsWith('L2')) ?? [];
    expect(rows.some((r) => r.ip.includes(':'))).toBe(true);
    for (const r of rows) expect(r.mac).toContain(`(${r.node})`);
  });

  whenConverged('api gets a BGP IP that the router spreads over all four nodes (ECMP)', () => {
    const row = up?.report.rows.find((r) => r.service === 'default/api');
    expect(row?.ip).toMatch(/^203\.0\.113\./);
    expect(row?.nextHops.split(',').sort()).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
  });

  whenConverged('web-local (externalTrafficPolicy Local) is answered only by a node running one of its ready endpoints', async () => {
    // The failovers before restarted node-2's backend: its endpoint turns ready again once its probe passes.
    const read = (): string[] => kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web-local', '-o', 'jsonpath={range .items[*].endpoints[*]}{.nodeName} {.conditions.ready}{"\\n"}{end}').trim().split('\n').sort();
    const slices = await waitFor('both web-local endpoints ready', () => {
      const r = read();
      return r.every((l) => l.endsWith(' true')) ? r : undefined;
    }, 30_000, 500).catch(() => read());
    expect(slices).toEqual(['node-1 true', 'node-2 true']);
    const rows = up?.report.rows.filter((r) => r.service === 'default/web-local') ?? [];
    expect(rows.map((r) => r.node).sort()).toEqual(['node-1', 'node-2']);
  }, 60_000);

  whenConverged('the cable failover moves only the failed node\'s IPs, in under a second; BFD has the router withdraw its routes in under a second', () => {
    const f = up?.failovers[0];
    if (!f) throw new Error('no failover ran');
    expect(f.how).toBe('cable pulled');
    const owned = f.moves.filter((m) => m.before.length === 1 && m.before[0] === f.node);
    expect(owned.length).toBeGreaterThan(0);
    for (const m of owned) {
      expect(m.after).not.toContain(f.node);
      expect(m.outageMs).toBeLessThan(1000);
    }
    for (const m of f.moves.filter((x) => !x.before.includes(f.node))) expect(m.outageMs).toBe(0);
    expect(f.routeWithdrawnMs).toBeLessThan(1000);
    console.log(`BGP withdrawal of ${f.node} at the router: ${f.routeWithdrawnMs} ms (BFD 3 x 100 ms)`);
    const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
    expect(md).toContain(`Failover of ${f.node} (cable pulled)`);
    expect(md).toContain('(BFD 3 x 100 ms)');
    expect(fs.readFileSync(path.join(dir, 'failover.svg'), 'utf8')).toContain('<svg');
  });

  whenConverged('a typo in the class keeps its last valid version, across a restart of the module too: web keeps its IPs, the nodes keep answering ARP and NDP, kubectl describe says why', async () => {
    const spec = kubectl('get', 'mlbc', 'ingress', '-o', 'jsonpath={.spec}');
    const state = (): string => [
      kubectl('get', 'svc', 'web', 'web-v6', '-o', 'jsonpath={.items[*].status.loadBalancer.ingress[*].ip}'),
      kubectl('get', 'sdninternall2lbservices', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.loadBalancer.ingress[*].ip}{"\\n"}{end}'),
      kubectl('get', 'ipaddresspool,l2advertisement', '-n', 'd8-metallb', 'ingress', '-o', 'jsonpath={.items[*].spec}'),
      kubectl('get', 'nodes', '-l', 'l2-load-balancer.network.deckhouse.io/member', '-o', 'name'),
    ].join('\n');
    // a node of the class answers each web address, asked from the client with arping and ndisc6
    const unanswered = (): string[] => kubectl('get', 'svc', 'web', 'web-v6', '-o', 'jsonpath={.items[*].status.loadBalancer.ingress[*].ip}').trim().split(' ').map((ip) => {
      const out = ip.includes(':')
        ? runNs(`${prefix}client`, 'ndisc6', ['-1', '-r', '3', '-w', '500', ip, 'eth0'], { allowFail: true })
        : runNs(`${prefix}client`, 'arping', ['-c', '3', '-W', '0.2', '-w', '3', '-i', 'eth0', ip], { allowFail: true });
      return /02:00:00:00:02:0[123]/i.test(out) ? '' : ip;
    }).filter((ip) => ip !== '');
    const before = state();
    expect(unanswered()).toEqual([]);
    // One edit, two mistakes the schema lets through: a label value with a space and a range that runs backwards.
    kubectl('patch', 'mlbc', 'ingress', '--type', 'merge', '-p', JSON.stringify({ spec: { nodeSelector: { 'node-role.kubernetes.io/frontend': 'yes please' }, addressPool: ['192.0.2.250-192.0.2.200'] } }));
    const described = await waitFor('the ConfigStale Event on the class', () => {
      const d = kubectl('describe', 'mlbc', 'ingress');
      return d.includes('ConfigStale') ? d : undefined;
    }, 60_000, 500);
    expect(described.replace(/\s+/g, ' ')).toMatch(/Warning ConfigStale .*MetalLoadBalancerClass "ingress": addressPool: invalid IP "192\.0\.2\.250-192\.0\.2\.200": range starts after it ends; nodeSelector: invalid label value "yes please"/);
    const accepted = (): string => kubectl('get', 'mlbc', 'ingress', '-o', 'jsonpath={.status.conditions[?(@.type=="Accepted")].status}/{.status.conditions[?(@.type=="Accepted")].reason}');
    expect(accepted()).toBe('False/ConfigStale');
    // The module applies what it rendered right after the hook run: give a harmful render time to show.
    await new Promise((r) => setTimeout(r, 8000));
    expect(state()).toBe(before);
    expect(unanswered()).toEqual([]);
    // A restart of the module runtime (Deckhouse) loses its values: the class's status still says what is in force.
    const runtime = labAgentReport(dir)?.units.find((u) => u.key === 'static:module')?.proc?.pid;
    if (!runtime) throw new Error('no module runtime in the agent reports');
    const converged = (): number => (fs.readFileSync(path.join(dir, 'logs', 'static_module.log'), 'utf8').match(/module converged/g) ?? []).length;
    const runs = converged();
    process.kill(runtime, 'SIGKILL');
    await waitFor('the module runtime restarted and converged', () => (converged() > runs ? true : undefined), 90_000, 500);
    expect(state()).toBe(before);
    expect(unanswered()).toEqual([]);
    kubectl('patch', 'mlbc', 'ingress', '--type', 'merge', '-p', JSON.stringify({ spec: JSON.parse(spec) as unknown }));
    await waitFor('the class accepted again', () => (accepted() === 'True/Accepted' ? true : undefined), 60_000, 500);
  }, 180_000);

  whenConverged("coming from MetalLB: the docs' own metallb.io BGP objects alone keep the speakers on every node and the route on all four", async () => {
    // the module's BGP configuration gives way to the user's metallb.io objects, as in the docs
    kubectl('delete', 'metalloadbalancerconfiguration', 'edge');
    const native = yamlObjects(fs.readFileSync(path.join(root, 'docs/EXAMPLES.md'), 'utf8')).filter((o) => o.metadata?.namespace === 'd8-metallb' && !o.kind?.startsWith('L2') && !(o.kind === 'IPAddressPool' && o.metadata.name === 'legacy-l2'));
    expect(native.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['Secret/legacy-router-password', 'IPAddressPool/legacy-bgp', 'BGPPeer/legacy-router', 'BGPAdvertisement/legacy-bgp']);
    run('kubectl', ['--kubeconfig', path.join(dir, 'kubeconfig'), 'apply', '-f', '-'], { input: native.map((o) => JSON.stringify(o)).join('\n') });
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'legacy', namespace: 'default', annotations: { 'metallb.universe.tf/address-pool': 'legacy-bgp' } }, spec: { type: 'LoadBalancer', selector: { app: 'api' }, ports: [{ port: 443, targetPort: 8443 }] } };
    run('kubectl', ['--kubeconfig', path.join(dir, 'kubeconfig'), 'apply', '-f', '-'], { input: JSON.stringify(svc) });
    const ip = await waitFor('the legacy Service address', () => kubectl('get', 'svc', 'legacy', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}').trim() || undefined, 60_000, 500);
    expect(ip).toMatch(/^203\.0\.113\.(12[89]|1[3-9]\d|2[0-5]\d)$/);
    const hops = await waitFor('four next hops for it at the router', () => {
      const via = runNs(`${prefix}router`, 'ip', ['route', 'show', ip], { allowFail: true }).match(/via 192\.0\.2\.1[1-4]/g) ?? [];
      return via.length === 4 ? via.sort() : undefined;
    }, 90_000, 1000);
    expect(hops).toEqual(['via 192.0.2.11', 'via 192.0.2.12', 'via 192.0.2.13', 'via 192.0.2.14']);
    // node-4 is in no L2 class: only the user's BGPPeer keeps its speaker
    const desired = (): string => kubectl('get', 'ds', '-n', 'd8-metallb', 'speaker', '-o', 'jsonpath={.status.desiredNumberScheduled}');
    // The DaemonSet's status follows the node labels a moment later.
    expect(await waitFor('the speaker DaemonSet wanted on four nodes', () => (desired() === '4' ? '4' : undefined), 30_000, 500).catch(() => desired())).toBe('4');
  }, 180_000);
  whenConverged('a killed node agent: the Node goes Unknown and only its IPs move; a new agent makes it Ready again', async () => {
    const f = up?.failovers[1];
    if (!f) throw new Error('no agent failover ran');
    expect(f.how).toBe('node agent killed');
    const owned = f.moves.filter((m) => m.before.length === 1 && m.before[0] === f.node);
    expect(owned.length).toBeGreaterThan(0);
    for (const m of owned) expect(m.after).not.toContain(f.node);
    for (const m of f.moves.filter((x) => !x.before.includes(f.node))) {
      expect(m.outageMs).toBe(0);
      expect(m.after).toEqual(m.before);
    }
    expect(fs.readFileSync(path.join(dir, 'report.md'), 'utf8')).toContain(`Failover of ${f.node} (node agent killed)`);
    expect(fs.readFileSync(path.join(dir, 'failover-agent.svg'), 'utf8')).toContain('<svg');
    // The restarted agent renews the Lease and posts Ready; the lifecycle controller lifts the taints.
    await waitFor(`${f.node} Ready again`, () => {
      const out = kubectl('get', 'node', f.node, '-o', 'jsonpath={.status.conditions[?(@.type=="Ready")].status} {.spec.taints}');
      return out.trim() === 'True' ? true : undefined;
    }, 30_000, 500);
  }, 40_000);

  whenConverged('every module process talks to the API server with its own Pod\'s service-account token', async () => {
    const s = readState(dir);
    if (!s) throw new Error('no state');
    // The agents' report is written periodically: wait for one whose module processes all run (a pod restarted by the failovers before gets a new one).
    const live = () => labAgentReport(dir)?.units.filter((u) => u.pod?.namespace === 'd8-metallb' && u.proc) ?? [];
    const withTokens = (us: ReturnType<typeof live>) => us.map((u) => ({ u, token: processToken(u.proc?.pid ?? 0) }));
    const found = await waitFor('a report of running module processes and their tokens', () => {
      const us = live();
      if (us.length < 6 || !us.every((u) => u.proc && alive(u.proc))) return undefined;
      return withTokens(us);
    }, 30_000, 500).catch(() => withTokens(live()));
    const units = found.map((f) => f.u);
    expect(units.length).toBeGreaterThanOrEqual(6);
    const admin = readKubeconfig(s.api.kubeconfig).token;
    for (const { u, token } of found) {
      expect(token).not.toBe(admin);
      const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; 'kubernetes.io': { pod: { name: string } } };
      expect(claims.sub).toBe(`system:serviceaccount:d8-metallb:${u.pod?.owner.name}`);
      expect(claims['kubernetes.io'].pod.name).toBe(u.pod?.name);
    }
    // kubectl auth can-i exits 1 when the answer is no.
    const r = spawnSync('kubectl', ['--kubeconfig', path.join(dir, 'kubeconfig'), 'auth', 'can-i', '--as=system:serviceaccount:d8-metallb:speaker', 'list', 'secrets', '-A'], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('no');
  }, 60_000);

  test('down removes every namespace and process the lab made', async () => {
    const s = readState(dir);
    if (!s) throw new Error('no state');
    const agent = JSON.parse(fs.readFileSync(path.join(dir, 'agent.json'), 'utf8')) as { units: Array<{ proc?: { pid: number; start: number } }>; podNamespaces: string[] };
    const procs = [...Object.values(s.processes).flat(), ...agent.units.flatMap((u) => (u.proc ? [u.proc] : []))];
    expect(procs.length).toBeGreaterThan(8);
    await takeDown(s);
    expect(listNamespaces().filter((n) => n.startsWith(prefix))).toEqual([]);
    expect(procs.filter((p) => alive(p))).toEqual([]);
    expect(readState(dir)).toBeUndefined();
  }, 60_000);
});
