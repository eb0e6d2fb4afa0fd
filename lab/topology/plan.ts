// SPDX-License-Identifier: Apache-2.0
/**
 * The lab's topology as data: namespaces, links, addresses and MACs. Pure: no I/O.
 * Every name starts with the prefix, so `down` and tests remove exactly what `up` made.
 */
import { formatMac } from '../../lib/mac.js';

export type RouterKind = 'bird' | 'frr' | 'gobgp';

/** One interface inside a namespace. */
export interface Iface {
  readonly name: string;
  readonly mac: string;
  /** CIDRs, IPv4 and IPv6. */
  readonly addrs: readonly string[];
}

/** One network namespace of the lab. */
export interface Host {
  readonly role: 'switch' | 'router' | 'client' | 'node';
  /** The network namespace name. */
  readonly ns: string;
  /** Kubernetes node name (nodes only). */
  readonly nodeName?: string;
  readonly ifaces: readonly Iface[];
  /** Default gateways, IPv4 and IPv6. */
  readonly gateways: readonly string[];
}

/** A veth pair: each end lands in its namespace under its name. */
export interface Veth {
  readonly a: { ns: string; name: string };
  readonly b: { ns: string; name: string };
  /** The bridge in `b.ns` the b end joins, if any. */
  readonly bridge?: string;
}

export interface Plan {
  readonly prefix: string;
  readonly router: RouterKind;
  readonly routerAsn: number;
  readonly nodeAsn: number;
  readonly hosts: readonly Host[];
  readonly veths: readonly Veth[];
  /** The bridge inside the switch namespace. */
  readonly bridge: string;
  /** TCP-MD5 password the router expects from the speakers. */
  readonly password?: string;
  /** BFD timers the router runs with the speakers (BIRD, FRR's bfdd; GoBGP has no BFD). */
  readonly bfd?: { readonly receiveInterval: number; readonly transmitInterval: number; readonly detectMultiplier: number };
}

export interface PlanOptions {
  prefix: string;
  nodes: number;
  router: RouterKind;
  password?: string;
  bfd?: Plan['bfd'];
}

export const ROUTER_ASN = 64512;
export const NODE_ASN = 64513;

/** Segment addresses (documentation ranges only). */
export const SEGMENT = { v4: '192.0.2', v6: '2001:db8:0:1::', v4Outer: '198.51.100', v6Outer: '2001:db8:0:3::' } as const;

/** Locally administered MAC: 02:00:00:00:<group>:<index>. */
export function labMac(group: number, index: number): string {
  return formatMac(Uint8Array.of(2, 0, 0, 0, group, index));
}

/** The Kubernetes name of node i (1-based). */
export function nodeName(i: number): string {
  return `node-${i}`;
}

/** Validates the options and lays out the lab. */
export function planTopology(o: PlanOptions): Plan {
  if (!/^[a-z][a-z0-9]{0,6}-$/.test(o.prefix)) throw new Error(`prefix "${o.prefix}" must be 2-8 lowercase characters ending in "-"`);
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > 80) throw new Error(`node count ${o.nodes} must be an integer in 1..80`);
  const p = o.prefix;
  const sw = `${p}sw`;
  const hosts: Host[] = [{ role: 'switch', ns: sw, ifaces: [], gateways: [] }];
  const veths: Veth[] = [];
  const onSwitch = (ns: string, port: string, mac: string, host: number): Iface => {
    veths.push({ a: { ns, name: 'eth0' }, b: { ns: sw, name: port }, bridge: 'br0' });
    return { name: 'eth0', mac, addrs: [`${SEGMENT.v4}.${host}/24`, `${SEGMENT.v6}${host}/64`] };
  };
  const router = `${p}router`;
  const client2 = `${p}client2`;
  veths.push({ a: { ns: router, name: 'eth1' }, b: { ns: client2, name: 'eth0' } });
  hosts.push({
    role: 'router',
    ns: router,
    ifaces: [
      onSwitch(router, 'router', labMac(1, 1), 1),
      { name: 'eth1', mac: labMac(3, 1), addrs: [`${SEGMENT.v4Outer}.1/24`, `${SEGMENT.v6Outer}1/64`] },
    ],
    gateways: [],
  });
  hosts.push({ role: 'client', ns: `${p}client`, ifaces: [onSwitch(`${p}client`, 'client', labMac(1, 100), 100)], gateways: [`${SEGMENT.v4}.1`, `${SEGMENT.v6}1`] });
  hosts.push({
    role: 'client',
    ns: client2,
    ifaces: [{ name: 'eth0', mac: labMac(3, 100), addrs: [`${SEGMENT.v4Outer}.100/24`, `${SEGMENT.v6Outer}100/64`] }],
    gateways: [`${SEGMENT.v4Outer}.1`, `${SEGMENT.v6Outer}1`],
  });
  for (let i = 1; i <= o.nodes; i++) {
    const ns = `${p}${nodeName(i)}`;
    hosts.push({ role: 'node', ns, nodeName: nodeName(i), ifaces: [onSwitch(ns, `n${i}`, labMac(2, i), 10 + i)], gateways: [`${SEGMENT.v4}.1`, `${SEGMENT.v6}1`] });
  }
  if (o.password !== undefined && !/^[\x21-\x7e]{1,80}$/.test(o.password)) throw new Error('the BGP password must be 1-80 printable characters without spaces');
  return {
    prefix: p, router: o.router, routerAsn: ROUTER_ASN, nodeAsn: NODE_ASN, hosts, veths, bridge: 'br0',
    ...(o.password !== undefined ? { password: o.password } : {}),
    ...(o.bfd ? { bfd: o.bfd } : {}),
  };
}

/** The node hosts of a plan, in order. */
export function nodesOf(plan: Plan): Host[] {
  return plan.hosts.filter((h) => h.role === 'node');
}

/** The host in namespace `ns`, or a clear error. */
export function hostByNs(plan: Plan, ns: string): Host {
  const h = plan.hosts.find((x) => x.ns === ns);
  if (!h) throw new Error(`no namespace "${ns}" in the lab`);
  return h;
}

/** A node host by its Kubernetes name, or a clear error naming the known nodes. */
export function nodeByName(plan: Plan, name: string): Host {
  const nodes = nodesOf(plan);
  const h = nodes.find((x) => x.nodeName === name);
  if (!h) throw new Error(`unknown node "${name}"; the lab has ${nodes.map((n) => n.nodeName).join(', ')}`);
  return h;
}

/** The address of a CIDR, without the prefix length. */
export function addrOf(cidr: string): string {
  return cidr.split('/')[0] ?? cidr;
}

/** A host's first IPv4 and IPv6 address on eth0. */
export function primaryAddrs(h: Host): { v4: string; v6: string } {
  const eth0 = h.ifaces.find((i) => i.name === 'eth0');
  const v4 = eth0?.addrs.find((a) => !a.includes(':'));
  const v6 = eth0?.addrs.find((a) => a.includes(':'));
  if (!v4 || !v6) throw new Error(`namespace ${h.ns} has no eth0 addresses`);
  return { v4: addrOf(v4), v6: addrOf(v6) };
}
