// SPDX-License-Identifier: Apache-2.0
/** The lab topology in real namespaces: switch, router with BGP ECMP, clients, nodes; and exact cleanup. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTopology, destroyNamespaces, namespacesOf, observeIfaces, setPort } from '../../lab/topology/netns.js';
import { nodesOf, planTopology, type Plan, type RouterKind } from '../../lab/topology/plan.js';
import { routerNextHops, routerSessions, startRouter } from '../../lab/topology/router.js';
import { listNamespaces, run, runNs, stop, waitFor, type ProcRef } from '../../lab/sys.js';
import { netnsUnavailableReason, runPrefix } from '../helpers/netns.js';

const why = netnsUnavailableReason();
const suite = why ? describe.skip : describe;

/** A BIRD in a node namespace that announces `prefix` to the router, standing in for a speaker. */
function announceFrom(plan: Plan, i: number, dir: string, prefixes: string[]): void {
  const node = nodesOf(plan)[i];
  if (!node) throw new Error(`no node ${i}`);
  const v4 = node.ifaces[0]?.addrs[0]?.split('/')[0] ?? '';
  const conf = path.join(dir, `spk${i}.conf`);
  const statics4 = prefixes.filter((p) => !p.includes(':')).map((p) => `route ${p} blackhole;`).join(' ');
  fs.writeFileSync(conf, [
    `router id ${v4};`,
    'protocol device {}',
    `protocol static s4 { ipv4; ${statics4} }`,
    `protocol bgp up { local ${v4} as ${plan.nodeAsn}; neighbor 192.0.2.1 as ${plan.routerAsn}; ipv4 { import none; export all; }; }`,
  ].join('\n'));
  runNs(node.ns, 'bird', ['-c', conf, '-s', path.join(dir, `spk${i}.ctl`), '-P', path.join(dir, `spk${i}.pid`)]);
}

function birdPid(dir: string, i: number): ProcRef {
  const f = path.join(dir, `spk${i}.pid`);
  // BIRD creates the file before it writes its pid into it.
  let pid = 0;
  for (let tries = 0; tries < 50 && !pid; tries++) {
    if (fs.existsSync(f)) pid = Number(fs.readFileSync(f, 'utf8'));
    if (!pid) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
  }
  if (!pid) throw new Error(`BIRD wrote no pid to ${f}`);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return { pid, start: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]) };
}

for (const router of ['bird', 'frr', 'gobgp'] as RouterKind[]) {
  suite(`${why ? `[skipped: ${why}] ` : ''}lab topology with ${router}`, () => {
    const plan = planTopology({ prefix: runPrefix(router.charAt(0)), nodes: 2, router });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mlbe-${router}-`));
    fs.chmodSync(dir, 0o755); // FRR drops to the frr user
    const procs: ProcRef[] = [];

    beforeAll(async () => {
      destroyNamespaces(namespacesOf(plan));
      createTopology(plan);
      procs.push(...(await startRouter(plan, path.join(dir, 'router'))));
      for (const i of [0, 1]) {
        announceFrom(plan, i, dir, ['203.0.113.5/32']);
        procs.push(birdPid(dir, i));
      }
    }, 60_000);

    afterAll(async () => {
      for (const p of procs) await stop(p);
      destroyNamespaces(namespacesOf(plan));
      fs.rmSync(dir, { recursive: true, force: true });
    });

    test('every host reaches the router over IPv4 and IPv6', () => {
      for (const h of plan.hosts.filter((x) => x.role !== 'switch' && x.role !== 'router')) {
        const gw4 = h.gateways[0] ?? '';
        const gw6 = h.gateways[1] ?? '';
        expect(runNs(h.ns, 'ping', ['-c1', '-W2', gw4])).toContain('1 received');
        expect(runNs(h.ns, 'ping', ['-6', '-c1', '-W2', gw6])).toContain('1 received');
      }
    });

    test('the second client segment is routed through the router', () => {
      expect(runNs(`${plan.prefix}client2`, 'ping', ['-c1', '-W2', '192.0.2.100'])).toContain('1 received');
      expect(runNs(`${plan.prefix}client2`, 'ping', ['-6', '-c1', '-W2', '2001:db8:0:1::100'])).toContain('1 received');
    });

    test('status sees the planned MACs and addresses', () => {
      const node = nodesOf(plan)[0];
      const seen = observeIfaces(node?.ns ?? '');
      expect(seen).toEqual([{ name: 'eth0', mac: '02:00:00:00:02:01', state: 'UP', addrs: ['192.0.2.11/24', '2001:db8:0:1::11/64'] }]);
    });

    test('the router peers with both nodes and holds an ECMP route with both as next hops', async () => {
      const hops = await waitFor('two next hops', async () => {
        const h = (await routerNextHops(plan)).get('203.0.113.5/32');
        return h && h.length === 2 ? h : undefined;
      }, 40_000, 250);
      expect(hops).toEqual(['192.0.2.11', '192.0.2.12']);
      const sessions = await routerSessions(plan, path.join(dir, 'router'));
      expect(sessions.get('192.0.2.11')).toMatch(/Established|up/i);
    }, 60_000);

    test('a pulled cable removes that node from the next hops', async () => {
      const n2 = nodesOf(plan)[1];
      if (!n2) throw new Error('no node 2');
      setPort(plan, n2, false);
      runNs(n2.ns, 'ip', ['link', 'set', 'eth0', 'down']);
      try {
        if (router === 'bird') run('birdc', ['-s', path.join(dir, 'router', 'bird.ctl'), 'restart', 'node_2']);
        if (router === 'frr') runNs(plan.prefix + 'router', 'vtysh', ['--vty_socket', path.join(dir, 'router'), '-c', 'clear bgp 192.0.2.12']);
        if (router === 'gobgp') runNs(plan.prefix + 'router', 'gobgp', ['neighbor', '192.0.2.12', 'reset']);
        const hops = await waitFor('one next hop', async () => {
          const h = (await routerNextHops(plan)).get('203.0.113.5/32');
          return h && h.length === 1 ? h : undefined;
        }, 30_000, 250);
        expect(hops).toEqual(['192.0.2.11']);
      } finally {
        setPort(plan, n2, true);
        runNs(n2.ns, 'ip', ['link', 'set', 'eth0', 'up']);
      }
    }, 60_000);

    test('cleanup removes exactly the planned namespaces', async () => {
      const before = listNamespaces().filter((n) => !namespacesOf(plan).includes(n));
      expect(namespacesOf(plan).every((n) => listNamespaces().includes(n))).toBe(true);
      // afterAll removes them; here only check nothing else has our prefix.
      expect(listNamespaces().filter((n) => n.startsWith(plan.prefix)).sort()).toEqual([...namespacesOf(plan)].sort());
      expect(before.some((n) => n.startsWith(plan.prefix))).toBe(false);
    });
  });
}
