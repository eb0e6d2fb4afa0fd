// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addrOf, nodeByName, nodesOf, planTopology, primaryAddrs } from './plan.js';
import { birdConfig, frrBfddConfig, frrBgpdConfig, gobgpConfig, parseGobgpRib, parseIpRoutes } from './router-config.js';

describe('topology plan', () => {
  test('the default lab: switch, router, two clients, four nodes on the documented addresses', () => {
    const p = planTopology({ prefix: 'mlab-', nodes: 4, router: 'bird' });
    expect(p.hosts.map((h) => h.ns)).toEqual(['mlab-sw', 'mlab-router', 'mlab-client', 'mlab-client2', 'mlab-node-1', 'mlab-node-2', 'mlab-node-3', 'mlab-node-4']);
    expect(nodesOf(p).map((h) => [h.nodeName, primaryAddrs(h)])).toEqual([
      ['node-1', { v4: '192.0.2.11', v6: '2001:db8:0:1::11' }],
      ['node-2', { v4: '192.0.2.12', v6: '2001:db8:0:1::12' }],
      ['node-3', { v4: '192.0.2.13', v6: '2001:db8:0:1::13' }],
      ['node-4', { v4: '192.0.2.14', v6: '2001:db8:0:1::14' }],
    ]);
    expect(p.hosts.find((h) => h.role === 'router')?.ifaces.map((i) => i.addrs)).toEqual([['192.0.2.1/24', '2001:db8:0:1::1/64'], ['198.51.100.1/24', '2001:db8:0:3::1/64']]);
    expect(nodeByName(p, 'node-2').ns).toBe('mlab-node-2');
    expect(() => nodeByName(p, 'node-9')).toThrow('unknown node "node-9"; the lab has node-1, node-2, node-3, node-4');
  });

  test('bad options get clear errors', () => {
    expect(() => planTopology({ prefix: 'Bad', nodes: 4, router: 'bird' })).toThrow(/prefix "Bad"/);
    expect(() => planTopology({ prefix: 'ml-', nodes: 0, router: 'bird' })).toThrow(/node count 0/);
    expect(() => planTopology({ prefix: 'ml-', nodes: 2, router: 'bird', password: 'has space' })).toThrow(/password/);
  });

  test('property: names fit the kernel limits, MACs and addresses are unique, only documentation ranges', () => {
    fc.assert(fc.property(fc.stringMatching(/^[a-z][a-z0-9]{0,6}-$/), fc.integer({ min: 1, max: 80 }), (prefix, nodes) => {
      const p = planTopology({ prefix, nodes, router: 'bird' });
      const ifs = p.hosts.flatMap((h) => h.ifaces);
      expect(new Set(ifs.map((i) => i.mac)).size).toBe(ifs.length);
      const addrs = ifs.flatMap((i) => i.addrs.map(addrOf));
      expect(new Set(addrs).size).toBe(addrs.length);
      for (const a of addrs) expect(a).toMatch(/^(192\.0\.2\.|198\.51\.100\.|2001:db8:)/);
      for (const v of p.veths) expect(Math.max(v.a.name.length, v.b.name.length)).toBeLessThanOrEqual(15);
      expect(p.hosts.every((h) => h.ns.startsWith(prefix))).toBe(true);
    }));
  });
});

describe('router configs', () => {
  const plan = planTopology({ prefix: 'mlab-', nodes: 3, router: 'bird', password: 's3cret', bfd: { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 } });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlab-conf-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('bird.conf passes `bird -p` and peers with every node', () => {
    const f = path.join(dir, 'bird.conf');
    fs.writeFileSync(f, birdConfig(plan));
    execFileSync('bird', ['-p', '-c', f]);
    expect(birdConfig(plan).match(/neighbor 192\.0\.2\.1\d as 64513/g)).toHaveLength(3);
    expect(birdConfig(plan)).toContain('password "s3cret";');
    expect(birdConfig(plan)).toContain('bfd on;');
  });

  test('gobgpd.toml passes `gobgpd -d`', () => {
    const f = path.join(dir, 'gobgpd.toml');
    fs.writeFileSync(f, gobgpConfig(plan));
    execFileSync('gobgpd', ['-f', f, '-d']);
    expect(gobgpConfig(plan)).toContain('auth-password = "s3cret"');
  });

  /** What `<daemon> -C` says about a config (it exits 0 even on errors); it runs as frr, so the file is world-readable. */
  function frrCheck(daemon: string, text: string): string {
    const f = path.join(dir, `${daemon}.conf`);
    fs.chmodSync(dir, 0o755);
    fs.writeFileSync(f, text, { mode: 0o644 });
    const r = spawnSync(`/usr/lib/frr/${daemon}`, ['-C', '-f', f], { encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`;
  }

  test('FRR bgpd.conf and bfdd.conf have no unknown commands; every neighbour runs BFD with the profile of the plan\'s timers', () => {
    // the check itself: a command bgpd does not know is reported
    expect(frrCheck('bgpd', 'router bgp 64512\n bogus-command 3\n')).toMatch(/No such command/);
    for (const [daemon, text] of [['bgpd', frrBgpdConfig(plan)], ['bfdd', frrBfddConfig(plan)]] as const) {
      expect(frrCheck(daemon, text)).not.toMatch(/No such command|Unknown command|EC 100663304|privs_init/);
    }
    expect(frrBgpdConfig(plan).match(/neighbor 192\.0\.2\.1\d bfd profile speakers/g)).toHaveLength(3);
    expect(frrBfddConfig(plan)).toContain('profile speakers\n  receive-interval 100\n  transmit-interval 100\n  detect-multiplier 3\n');
  });

  test('ip -j route: single and multipath next hops', () => {
    const j = JSON.stringify([
      { dst: '203.0.113.5', nexthops: [{ gateway: '192.0.2.12' }, { gateway: '192.0.2.11' }] },
      { dst: '203.0.113.6', gateway: '192.0.2.13' },
      { dst: 'default', gateway: '192.0.2.1' },
      { dst: '2001:db8:0:2::5', gateway: 'fe80::1' },
    ]);
    expect(Object.fromEntries(parseIpRoutes(j))).toEqual({ '203.0.113.5/32': ['192.0.2.11', '192.0.2.12'], '203.0.113.6/32': ['192.0.2.13'], '2001:db8:0:2::5/128': ['fe80::1'] });
    expect(parseIpRoutes('').size).toBe(0);
  });

  test('gobgp rib -j: next hops of every path', () => {
    const j = JSON.stringify({ '203.0.113.5/32': [{ attrs: [{ type: 1 }, { type: 3, nexthop: '192.0.2.12' }] }, { attrs: [{ type: 3, nexthop: '192.0.2.11' }] }], '2001:db8:0:2::5/128': [{ attrs: [{ type: 14, nexthop: '2001:db8:0:1::11' }] }] });
    expect(Object.fromEntries(parseGobgpRib(j))).toEqual({ '203.0.113.5/32': ['192.0.2.11', '192.0.2.12'], '2001:db8:0:2::5/128': ['2001:db8:0:1::11'] });
  });
});
