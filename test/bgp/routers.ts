// SPDX-License-Identifier: Apache-2.0
/** Starting the lab router (GoBGP 3, BIRD 2, FRR 8) with generated configs, and reading its RIB in one shape. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sh } from '../helpers/netns.js';
import { until } from '../helpers/until.js';
import { nodeV4, nodeV6, ROUTER_AS, ROUTER_V4, ROUTER_V6, type Lab, type RouterKind } from './lab.js';

export interface RouterOptions {
  /** Node indexes that peer with the router. */
  readonly nodes: number[];
  readonly peerAs: number;
  readonly password?: string;
  readonly ipv6?: boolean;
  readonly bfd?: boolean;
  /** Keep a restarting peer's routes (graceful restart helper). */
  readonly gracefulRestart?: boolean;
  /** Announce 198.51.100.0/24 to the speakers (so they receive UPDATEs they must ignore). */
  readonly exportRoute?: boolean;
  /** Peer with the nodes' IPv6 addresses instead of IPv4. */
  readonly ipv6Session?: boolean;
  /** The router connects (the speakers listen) instead of waiting. */
  readonly active?: boolean;
  /** Every node is a route-reflector client (iBGP): routes from one reach the others with ORIGINATOR_ID and CLUSTER_LIST. */
  readonly reflect?: boolean;
  /**
   * The router originates default routes (0.0.0.0/0, ::/0) and 198.51.100.0/25 with a community, a large community and a
   * route target (64512:7, 64512:1:1, rt 64512:9); FRR also aggregates it into 198.51.100.0/24.
   */
  readonly originate?: boolean;
  /** Node indexes whose session runs GTSM at the router (BIRD: `ttl security on`, TTL 255 both ways). */
  readonly ttlSecurity?: readonly number[];
}

/** What `originate` sends, for the tests that check it arrived. */
export const ORIGINATED = { defaults: ['0.0.0.0/0', '::/0'], tagged: '198.51.100.0/25', aggregate: '198.51.100.0/24' } as const;

/** One route in the router's RIB, the same shape for all three routers. */
export interface RibEntry {
  prefix: string;
  nextHops: string[];
  communities: string[];
  largeCommunities: string[];
  localPref?: number;
}

/** Each node's address as the router peers with it (v4 holds the session address, IPv6 with ipv6Session). */
function nodesOf(o: RouterOptions): Array<{ v4: string; v6: string }> {
  return o.nodes.map((i) => ({ v4: o.ipv6Session ? nodeV6(i) : nodeV4(i), v6: nodeV6(i) }));
}

export function gobgpConfig(o: RouterOptions): string {
  const l = ['[global.config]', `  as = ${ROUTER_AS}`, `  router-id = "${ROUTER_V4}"`];
  for (const n of nodesOf(o)) {
    l.push('[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${n.v4}"`, `    peer-as = ${o.peerAs}`);
    if (o.password) l.push(`    auth-password = "${o.password}"`);
    l.push('  [neighbors.transport.config]', '    passive-mode = true');
    if (o.reflect) l.push('  [neighbors.route-reflector.config]', '    route-reflector-client = true', `    route-reflector-cluster-id = "${ROUTER_V4}"`);
    if (o.gracefulRestart) l.push('  [neighbors.graceful-restart.config]', '    enabled = true', '    restart-time = 120');
    for (const f of ['ipv4-unicast', 'ipv6-unicast']) {
      l.push('  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', `      afi-safi-name = "${f}"`);
      if (o.gracefulRestart) l.push('    [neighbors.afi-safis.mp-graceful-restart.config]', '      enabled = true');
    }
  }
  return l.join('\n') + '\n';
}

export function birdConfig(o: RouterOptions, dir: string): string {
  const ibgp = o.peerAs === ROUTER_AS;
  const l = [
    `router id ${ROUTER_V4};`,
    `log "${dir}/bird.log" all;`,
    'protocol device { scan time 10; }',
    'protocol kernel k4 { ipv4 { export all; }; merge paths on; }',
    'protocol kernel k6 { ipv6 { export all; }; merge paths on; }',
    'protocol static s4 { ipv4; route 198.51.100.0/24 blackhole; }',
  ];
  if (o.originate) {
    l.push(
      'protocol static o4 { ipv4; route 0.0.0.0/0 blackhole;',
      `  route ${ORIGINATED.tagged} blackhole { bgp_community.add((64512,7)); bgp_large_community.add((64512,1,1)); bgp_ext_community.add((rt,64512,9)); }; }`,
      'protocol static o6 { ipv6; route ::/0 blackhole; }',
    );
  }
  if (o.bfd) l.push('protocol bfd { interface "*" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }');
  const exp = o.reflect ? 'export all;' : o.exportRoute || o.originate ? 'export where source = RTS_STATIC;' : 'export none;';
  l.push(
    'template bgp speaker {',
    `  local ${o.ipv6Session ? ROUTER_V6 : ROUTER_V4} as ${ROUTER_AS};`,
    o.active ? '  connect delay time 0;' : '  passive on;',
    '  hold time 90;',
    '  error wait time 1, 5;',
    ...(ibgp ? ['  direct;'] : []),
    ...(o.password ? [`  password "${o.password}";`] : []),
    ...(o.bfd ? ['  bfd on;'] : []),
    ...(o.gracefulRestart ? ['  graceful restart on;', '  graceful restart time 120;'] : []),
    ...(o.reflect ? ['  rr client;', `  rr cluster id ${ROUTER_V4};`] : []),
    `  ipv4 { import all; ${exp} ${ibgp ? 'gateway direct;' : ''} };`,
    `  ipv6 { import all; ${o.reflect || o.originate ? exp : 'export none;'} ${ibgp ? 'gateway direct;' : ''} };`,
    '}',
  );
  nodesOf(o).forEach((n, i) => l.push(`protocol bgp spk${i} from speaker { neighbor ${n.v4} as ${o.peerAs};${o.ttlSecurity?.includes(o.nodes[i] ?? -1) ? ' ttl security on;' : ''} }`));
  return l.join('\n') + '\n';
}

export function frrConfig(o: RouterOptions, dir: string): string {
  const l = ['hostname router', `log file ${dir}/bgpd.log`, `router bgp ${ROUTER_AS}`, ` bgp router-id ${ROUTER_V4}`, ' no bgp ebgp-requires-policy', ' no bgp network import-check', ' no bgp default ipv4-unicast'];
  if (o.gracefulRestart) l.push(' bgp graceful-restart');
  for (const n of nodesOf(o)) {
    l.push(` neighbor ${n.v4} remote-as ${o.peerAs}`, ` neighbor ${n.v4} timers 30 90`);
    if (o.active) l.push(` neighbor ${n.v4} timers connect 1`);
    else l.push(` neighbor ${n.v4} passive`);
    if (o.password) l.push(` neighbor ${n.v4} password ${o.password}`);
    if (o.bfd) l.push(` neighbor ${n.v4} bfd`, ` neighbor ${n.v4} bfd profile fast`);
  }
  l.push(' address-family ipv4 unicast', '  maximum-paths 8', '  maximum-paths ibgp 8');
  if (o.exportRoute) l.push('  network 198.51.100.0/24');
  if (o.originate) l.push(`  network ${ORIGINATED.tagged} route-map tag`, `  aggregate-address ${ORIGINATED.aggregate}`);
  const perNode = (n: { v4: string }) => [
    `  neighbor ${n.v4} activate`,
    ...(o.reflect ? [`  neighbor ${n.v4} route-reflector-client`] : []),
    ...(o.originate ? [`  neighbor ${n.v4} default-originate`] : []),
  ];
  for (const n of nodesOf(o)) l.push(...perNode(n));
  l.push(' exit-address-family', ' address-family ipv6 unicast', '  maximum-paths 8');
  for (const n of nodesOf(o)) l.push(...perNode(n));
  l.push(' exit-address-family');
  if (o.originate) l.push('route-map tag permit 10', ' set community 64512:7', ' set large-community 64512:1:1', ' set extcommunity rt 64512:9');
  if (o.bfd) l.push('bfd', ' profile fast', '  receive-interval 300', '  transmit-interval 300', '  detect-multiplier 3', ' exit');
  return l.join('\n') + '\n';
}

/** Starts the router in the lab's router namespace; the processes belong to the lab's topology. */
export async function startRouter(lab: Lab, kind: RouterKind, o: RouterOptions): Promise<void> {
  const d = path.join(lab.dir, kind);
  fs.mkdirSync(d, { recursive: true });
  const ns = lab.router;
  if (kind === 'gobgp') {
    fs.writeFileSync(path.join(d, 'gobgpd.toml'), gobgpConfig(o));
    const p = lab.topo.spawn(ns, 'gobgpd', ['-f', path.join(d, 'gobgpd.toml'), '--api-hosts=127.0.0.1:50051', '--log-level=info'], { stdio: ['ignore', fs.openSync(path.join(d, 'gobgpd.log'), 'a'), 'pipe'] });
    p.stderr?.resume();
    await until('router up: gobgpd API', () => lab.topo.exec(ns, 'gobgp', ['neighbor'], { allowFail: true }).includes('Peer'), 10_000);
    if (o.exportRoute) lab.topo.exec(ns, 'gobgp', ['global', 'rib', 'add', '198.51.100.0/24', 'community', '64512:7', 'large-community', '64512:1:1']);
    if (o.originate) {
      lab.topo.exec(ns, 'gobgp', ['global', 'rib', 'add', '0.0.0.0/0']);
      lab.topo.exec(ns, 'gobgp', ['global', 'rib', '-a', 'ipv6', 'add', '::/0']);
      lab.topo.exec(ns, 'gobgp', ['global', 'rib', 'add', ORIGINATED.tagged, 'community', '64512:7', 'large-community', '64512:1:1', 'rt', '64512:9']);
    }
  } else if (kind === 'bird') {
    fs.writeFileSync(path.join(d, 'bird.conf'), birdConfig(o, d));
    sh('bird', ['-p', '-c', path.join(d, 'bird.conf')]);
    const p = lab.topo.spawn(ns, 'bird', ['-f', '-c', path.join(d, 'bird.conf'), '-s', path.join(d, 'bird.ctl')]);
    p.stdout?.resume();
    p.stderr?.resume();
    await until('router up: bird control socket', () => fs.existsSync(path.join(d, 'bird.ctl')), 10_000);
  } else {
    fs.writeFileSync(path.join(d, 'zebra.conf'), `hostname router\nlog file ${d}/zebra.log\n`);
    fs.writeFileSync(path.join(d, 'bgpd.conf'), frrConfig(o, d));
    sh('chown', ['-R', 'frr:frr', d]);
    const common = ['-z', path.join(d, 'zserv.api'), '--vty_socket', d];
    const daemons: Array<[string, string]> = [['zebra', 'zebra.conf'], ['bgpd', 'bgpd.conf']];
    if (o.bfd) {
      fs.writeFileSync(path.join(d, 'bfdd.conf'), 'hostname router\n');
      sh('chown', ['frr:frr', path.join(d, 'bfdd.conf')]);
      daemons.splice(1, 0, ['bfdd', 'bfdd.conf']);
    }
    for (const [daemon, conf] of daemons) {
      const p = lab.topo.spawn(ns, `/usr/lib/frr/${daemon}`, ['-f', path.join(d, conf), '-i', path.join(d, `${daemon}.pid`), ...common]);
      p.stdout?.resume();
      p.stderr?.resume();
      await until(`router up: ${daemon} vty socket`, () => fs.existsSync(path.join(d, `${daemon}.vty`)), 10_000);
    }
    if (o.bfd) {
      // bfdd needs the profile before bgpd refers to it: apply the BFD part through vtysh.
      vtysh(lab, ['configure terminal', 'bfd', 'profile fast', 'receive-interval 300', 'transmit-interval 300', 'detect-multiplier 3']);
    }
  }
}

export function birdc(lab: Lab, cmd: string): string {
  return lab.topo.exec(lab.router, 'birdc', ['-s', path.join(lab.dir, 'bird', 'bird.ctl'), cmd]);
}

export function vtysh(lab: Lab, cmds: string[]): string {
  return lab.topo.exec(lab.router, 'vtysh', ['--vty_socket', path.join(lab.dir, 'frr'), ...cmds.flatMap((c) => ['-c', c])]);
}

/** Whether the router sees the session to a node as established. */
export function routerEstablished(lab: Lab, kind: RouterKind, nodeIndex: number, ipv6Session = false): boolean {
  const addr = ipv6Session ? nodeV6(nodeIndex) : nodeV4(nodeIndex);
  if (kind === 'gobgp') {
    const j = JSON.parse(lab.topo.exec(lab.router, 'gobgp', ['neighbor', addr, '-j'])) as { state?: { session_state?: number | string } };
    return j.state?.session_state === 6 || j.state?.session_state === 'established' || j.state?.session_state === 'ESTABLISHED';
  }
  if (kind === 'bird') return new RegExp(`spk${nodeIndex}\\s+BGP\\s+\\S+\\s+\\S+\\s+\\S+\\s+Established`).test(birdc(lab, 'show protocols'));
  const j = JSON.parse(vtysh(lab, [`show bgp neighbors ${addr} json`])) as Record<string, { bgpState?: string }>;
  return j[addr]?.bgpState === 'Established';
}

/** The router's RIB (IPv4 and IPv6 unicast) in one shape. */
export function readRib(lab: Lab, kind: RouterKind): RibEntry[] {
  if (kind === 'gobgp') return gobgpRib(lab);
  if (kind === 'bird') return birdRib(lab);
  return frrRib(lab);
}

function gobgpRib(lab: Lab): RibEntry[] {
  const out: RibEntry[] = [];
  for (const fam of ['ipv4', 'ipv6']) {
    const j = JSON.parse(lab.topo.exec(lab.router, 'gobgp', ['global', 'rib', '-a', fam, '-j']) || '{}') as Record<string, Array<{ nlri: { prefix: string }; attrs: Array<Record<string, unknown>>; 'source-id'?: string }>>;
    for (const [prefix, paths] of Object.entries(j)) {
      for (const p of paths) {
        const e: RibEntry = { prefix, nextHops: [], communities: [], largeCommunities: [] };
        for (const a of p.attrs) {
          if (a.type === 3) e.nextHops.push(String(a.nexthop));
          if (a.type === 14) e.nextHops.push(String(a.nexthop));
          if (a.type === 5) e.localPref = Number(a.value);
          if (a.type === 8) e.communities = (a.communities as number[]).map((c) => normalizeCommunity(`${c >>> 16}:${c & 0xffff}`));
          if (a.type === 32) e.largeCommunities = (a.value as Array<{ ASN: number; LocalData1: number; LocalData2: number }>).map((c) => `${c.ASN}:${c.LocalData1}:${c.LocalData2}`);
        }
        out.push(e);
      }
    }
  }
  return out;
}

function birdRib(lab: Lab): RibEntry[] {
  const out: RibEntry[] = [];
  let cur: RibEntry | undefined;
  for (const line of birdc(lab, 'show route all').split('\n')) {
    const head = /^(\S+\/\d+)\s+\w+\s+\[/.exec(line) ?? /^\s+(?:unicast|\s)\s*\[/.exec(line);
    const m = /^(\S+\/\d+)\s/.exec(line);
    if (m?.[1]) {
      cur = { prefix: m[1], nextHops: [], communities: [], largeCommunities: [] };
      out.push(cur);
    } else if (head && cur && /\[spk/.test(line)) {
      cur = { prefix: cur.prefix, nextHops: [], communities: [], largeCommunities: [] };
      out.push(cur);
    }
    if (!cur) continue;
    const via = /via (\S+) on/.exec(line);
    if (via?.[1]) cur.nextHops.push(via[1]);
    const lp = /BGP\.local_pref: (\d+)/.exec(line);
    if (lp) cur.localPref = Number(lp[1]);
    const c = /BGP\.community: (.*)$/.exec(line);
    if (c?.[1]) cur.communities = [...c[1].matchAll(/\((\d+),(\d+)\)/g)].map((x) => normalizeCommunity(`${x[1]}:${x[2]}`));
    const lc = /BGP\.large_community: (.*)$/.exec(line);
    if (lc?.[1]) cur.largeCommunities = [...lc[1].matchAll(/\((\d+), (\d+), (\d+)\)/g)].map((x) => `${x[1]}:${x[2]}:${x[3]}`);
  }
  return out;
}

function frrRib(lab: Lab): RibEntry[] {
  const out: RibEntry[] = [];
  for (const fam of ['ipv4', 'ipv6']) {
    const list = JSON.parse(vtysh(lab, [`show bgp ${fam} unicast json`])) as { routes?: Record<string, unknown> };
    for (const prefix of Object.keys(list.routes ?? {})) {
      const j = JSON.parse(vtysh(lab, [`show bgp ${fam} unicast ${prefix} json`])) as { paths?: Array<Record<string, unknown>> };
      for (const p of j.paths ?? []) {
        const nh = (p.nexthops as Array<{ ip: string }> | undefined) ?? [];
        out.push({
          prefix,
          nextHops: nh.map((n) => n.ip),
          communities: ((p.community as { list?: string[] } | undefined)?.list ?? []).map(normalizeCommunity),
          largeCommunities: (p.largeCommunity as { list?: string[] } | undefined)?.list ?? [],
          ...(p.locPrf !== undefined ? { localPref: Number(p.locPrf) } : {}),
        });
      }
    }
  }
  return out;
}

/** One spelling for well-known communities across routers. */
export function normalizeCommunity(c: string): string {
  return c === 'noExport' || c === '65535:65281' ? 'no-export' : c;
}
