// SPDX-License-Identifier: Apache-2.0
/** Configuration files for the lab router (BIRD 2, FRR 8, GoBGP 3). Pure: text from the plan. */
import { hostPrefix } from '../../lib/ip.js';
import { nodesOf, primaryAddrs, type Plan } from './plan.js';

function peers(plan: Plan): Array<{ name: string; v4: string }> {
  return nodesOf(plan).map((h) => ({ name: (h.nodeName ?? h.ns).replace(/[^a-z0-9]/g, '_'), v4: primaryAddrs(h).v4 }));
}

function routerId(plan: Plan): string {
  const r = plan.hosts.find((h) => h.role === 'router');
  if (!r) throw new Error('the plan has no router');
  return primaryAddrs(r).v4;
}

/** bird.conf: passive eBGP to every node, ECMP into the kernel for IPv4 and IPv6. */
export function birdConfig(plan: Plan): string {
  const lines = [
    `router id ${routerId(plan)};`,
    'protocol device { scan time 10; }',
    'protocol kernel k4 { ipv4 { export all; }; merge paths on; }',
    'protocol kernel k6 { ipv6 { export all; }; merge paths on; }',
    ...(plan.bfd ? [`protocol bfd { interface "eth0" { min rx interval ${plan.bfd.receiveInterval} ms; min tx interval ${plan.bfd.transmitInterval} ms; multiplier ${plan.bfd.detectMultiplier}; }; }`] : []),
    'template bgp speaker {',
    `  local as ${plan.routerAsn};`,
    '  passive on;',
    // A node back from a failure (BFD or hold time) may peer again after 5 s, not after BIRD's default minute.
    '  error wait time 5, 30;',
    ...(plan.password ? [`  password "${plan.password}";`] : []),
    ...(plan.bfd ? ['  bfd on;'] : []),
    '  ipv4 { import all; export none; };',
    '  ipv6 { import all; export none; };',
    '}',
  ];
  for (const p of peers(plan)) lines.push(`protocol bgp ${p.name} from speaker { neighbor ${p.v4} as ${plan.nodeAsn}; }`);
  return lines.join('\n') + '\n';
}

/** The BFD profile FRR's bgpd names for every neighbour. */
const FRR_BFD_PROFILE = 'speakers';

/** bfdd.conf for FRR: one profile with the plan's timers (bfdd must know it before bgpd refers to it). */
export function frrBfddConfig(plan: Plan): string {
  const b = plan.bfd;
  if (!b) return 'hostname router\n';
  return ['hostname router', 'bfd', ` profile ${FRR_BFD_PROFILE}`, `  receive-interval ${b.receiveInterval}`, `  transmit-interval ${b.transmitInterval}`, `  detect-multiplier ${b.detectMultiplier}`, ' exit', 'exit'].join('\n') + '\n';
}

/** bgpd.conf for FRR: passive neighbours, no eBGP policy requirement, ECMP over 8 paths, BFD when the plan has it. */
export function frrBgpdConfig(plan: Plan): string {
  const ps = peers(plan);
  const lines = [
    'hostname router',
    `router bgp ${plan.routerAsn}`,
    ` bgp router-id ${routerId(plan)}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ' bgp bestpath as-path multipath-relax',
  ];
  for (const p of ps) {
    lines.push(` neighbor ${p.v4} remote-as ${plan.nodeAsn}`, ` neighbor ${p.v4} passive`);
    if (plan.password) lines.push(` neighbor ${p.v4} password ${plan.password}`);
    if (plan.bfd) lines.push(` neighbor ${p.v4} bfd`, ` neighbor ${p.v4} bfd profile ${FRR_BFD_PROFILE}`);
  }
  for (const af of ['ipv4', 'ipv6']) {
    lines.push(` address-family ${af} unicast`, '  maximum-paths 8');
    for (const p of ps) lines.push(`  neighbor ${p.v4} activate`, `  neighbor ${p.v4} route-map deny-all out`);
    lines.push(' exit-address-family');
  }
  lines.push('route-map deny-all deny 10');
  return lines.join('\n') + '\n';
}

/** gobgpd.toml: passive neighbours with IPv4 and IPv6 unicast (GoBGP keeps routes in its RIB only). */
export function gobgpConfig(plan: Plan): string {
  const id = routerId(plan);
  const lines = ['[global.config]', `  as = ${plan.routerAsn}`, `  router-id = "${id}"`, ''];
  for (const p of peers(plan)) {
    lines.push(
      '[[neighbors]]',
      '  [neighbors.config]',
      `    neighbor-address = "${p.v4}"`,
      `    peer-as = ${plan.nodeAsn}`,
      ...(plan.password ? [`    auth-password = "${plan.password}"`] : []),
      '  [neighbors.transport.config]',
      '    passive-mode = true',
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv4-unicast"',
      '  [[neighbors.afi-safis]]',
      '    [neighbors.afi-safis.config]',
      '      afi-safi-name = "ipv6-unicast"',
      '',
    );
  }
  return lines.join('\n');
}

/** Routes with their next hops, from `ip -j route show` output (single or multipath). */
export function parseIpRoutes(json: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!json.trim()) return out;
  const routes = JSON.parse(json) as Array<{ dst?: string; gateway?: string; nexthops?: Array<{ gateway?: string }> }>;
  for (const r of routes) {
    if (!r.dst || r.dst === 'default') continue;
    const hops = r.nexthops ? r.nexthops.map((n) => n.gateway).filter((g): g is string => !!g) : r.gateway ? [r.gateway] : [];
    if (hops.length) out.set(r.dst.includes('/') ? r.dst : hostPrefix(r.dst), [...hops].sort());
  }
  return out;
}

/** Routes with their next hops, from `gobgp global rib -j` output. */
export function parseGobgpRib(json: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!json.trim()) return out;
  const rib = JSON.parse(json) as Record<string, Array<{ attrs?: Array<{ type: number; nexthop?: string; value?: unknown }>; 'neighbor-ip'?: string }>>;
  for (const [prefix, paths] of Object.entries(rib)) {
    const hops = new Set<string>();
    for (const p of paths) {
      for (const a of p.attrs ?? []) {
        if (a.type === 3 && a.nexthop) hops.add(a.nexthop);
        const mp = a.value as { nexthop?: string } | undefined;
        if (a.type === 14 && a.nexthop) hops.add(a.nexthop);
        else if (a.type === 14 && mp?.nexthop) hops.add(mp.nexthop);
      }
    }
    if (hops.size) out.set(prefix, [...hops].sort());
  }
  return out;
}
