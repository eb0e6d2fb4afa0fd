// SPDX-License-Identifier: Apache-2.0
/**
 * The one network-namespace toolkit of the lab and the tests: namespaces, bridges, veths and addresses,
 * created and removed by exact names. A planned topology is built from the same primitives.
 */
import { listNamespaces, run, runNs } from '../sys.js';
import type { Host, Plan } from './plan.js';

function sysctl(ns: string, key: string, value: string | number): void {
  runNs(ns, 'sysctl', ['-q', '-w', `${key}=${value}`]);
}

/** Creates a namespace with its loopback up. */
export function addNamespace(ns: string): void {
  run('ip', ['netns', 'add', ns]);
  runNs(ns, 'ip', ['link', 'set', 'lo', 'up']);
}

/** A bridge that behaves as a dumb switch: no STP delay, and no multicast snooping, so NDP to solicited-node groups reaches every port. */
export function addBridge(ns: string, bridge: string): void {
  runNs(ns, 'ip', ['link', 'add', bridge, 'type', 'bridge', 'forward_delay', '0', 'stp_state', '0']);
  runNs(ns, 'ip', ['link', 'set', bridge, 'type', 'bridge', 'mcast_snooping', '0']);
  runNs(ns, 'ip', ['link', 'set', bridge, 'up']);
}

export interface LinkEnd {
  readonly ns: string;
  readonly name: string;
}

/** A veth pair whose ends are born in their namespaces, so no name ever passes through the host's. */
export function addVeth(a: LinkEnd, b: LinkEnd): void {
  run('ip', ['link', 'add', a.name, 'netns', a.ns, 'type', 'veth', 'peer', 'name', b.name, 'netns', b.ns]);
}

/** Makes `port` an up port of `bridge`. */
export function joinBridge(port: LinkEnd, bridge: string): void {
  runNs(port.ns, 'ip', ['link', 'set', port.name, 'master', bridge]);
  runNs(port.ns, 'ip', ['link', 'set', port.name, 'up']);
}

/** Sets a link's MAC (when given) and brings it up. */
export function raiseLink(end: LinkEnd, mac?: string): void {
  if (mac) runNs(end.ns, 'ip', ['link', 'set', end.name, 'address', mac]);
  runNs(end.ns, 'ip', ['link', 'set', end.name, 'up']);
}

/** Adds an address; IPv6 ones skip duplicate address detection, so they are usable at once. */
export function addAddress(ns: string, ifName: string, cidr: string): void {
  runNs(ns, 'ip', ['addr', 'add', cidr, 'dev', ifName, ...(cidr.includes(':') ? ['nodad'] : [])]);
}

function setupHost(plan: Plan, h: Host): void {
  const ns = h.ns;
  if (h.role === 'switch') {
    addBridge(ns, plan.bridge);
    return;
  }
  sysctl(ns, 'net.ipv6.conf.all.accept_dad', 0);
  sysctl(ns, 'net.ipv6.conf.default.accept_dad', 0);
  if (h.role === 'router') {
    sysctl(ns, 'net.ipv4.ip_forward', 1);
    sysctl(ns, 'net.ipv6.conf.all.forwarding', 1);
    // Clients and nodes share a segment: no redirects, so traffic to BGP IPs keeps crossing the router.
    sysctl(ns, 'net.ipv4.conf.all.send_redirects', 0);
    sysctl(ns, 'net.ipv4.conf.default.send_redirects', 0);
    sysctl(ns, 'net.ipv4.fib_multipath_hash_policy', 1);
    sysctl(ns, 'net.ipv6.fib_multipath_hash_policy', 1);
  }
  if (h.role === 'node') {
    // Service IPs sit on a dummy interface (kube-proxy IPVS style): the kernel must not answer ARP for them.
    for (const scope of ['all', 'default']) {
      sysctl(ns, `net.ipv4.conf.${scope}.arp_ignore`, 1);
      sysctl(ns, `net.ipv4.conf.${scope}.arp_announce`, 2);
      sysctl(ns, `net.ipv4.conf.${scope}.rp_filter`, 0);
    }
  }
}

function setupIfaces(h: Host): void {
  for (const i of h.ifaces) {
    for (const a of i.addrs) addAddress(h.ns, i.name, a);
    raiseLink({ ns: h.ns, name: i.name }, i.mac);
  }
  if (h.role === 'node') {
    for (const scope of ['eth0']) {
      runNs(h.ns, 'sysctl', ['-q', '-w', `net.ipv4.conf.${scope}.arp_ignore=1`, `net.ipv4.conf.${scope}.arp_announce=2`]);
    }
  }
  for (const gw of h.gateways) runNs(h.ns, 'ip', [...(gw.includes(':') ? ['-6'] : []), 'route', 'add', 'default', 'via', gw]);
}

/** The namespace names a plan owns. */
export function namespacesOf(plan: Plan): string[] {
  return plan.hosts.map((h) => h.ns);
}

/** Creates every namespace, link and address of the plan; on error removes what it made and rethrows. */
export function createTopology(plan: Plan): void {
  const existing = new Set(listNamespaces());
  const taken = namespacesOf(plan).filter((n) => existing.has(n));
  if (taken.length) throw new Error(`namespaces already exist: ${taken.join(', ')} (run "metallb-lab down" first)`);
  const made: string[] = [];
  try {
    for (const h of plan.hosts) {
      addNamespace(h.ns);
      made.push(h.ns);
    }
    for (const h of plan.hosts) setupHost(plan, h);
    for (const v of plan.veths) {
      addVeth(v.a, v.b);
      if (v.bridge) joinBridge(v.b, v.bridge);
    }
    for (const h of plan.hosts) setupIfaces(h);
  } catch (e) {
    destroyNamespaces(made);
    throw e;
  }
}

/** Deletes exactly the named namespaces that exist (their veths go with them); returns those deleted. */
export function destroyNamespaces(names: readonly string[]): string[] {
  const existing = new Set(listNamespaces());
  const gone: string[] = [];
  for (const n of names) {
    if (!existing.has(n)) continue;
    run('ip', ['netns', 'del', n], { allowFail: true });
    gone.push(n);
  }
  return gone;
}

/** Sets a node's uplink down or up, as a pulled cable would (the switch port side). */
export function setPort(plan: Plan, host: Host, up: boolean): void {
  const v = plan.veths.find((x) => x.a.ns === host.ns && x.bridge);
  if (!v) throw new Error(`${host.ns} has no switch port`);
  runNs(v.b.ns, 'ip', ['link', 'set', v.b.name, up ? 'up' : 'down']);
}

/** Interfaces with MACs and addresses as the kernel reports them, for `status --json`. */
export function observeIfaces(ns: string): Array<{ name: string; mac: string; state: string; addrs: string[] }> {
  const out = runNs(ns, 'ip', ['-j', 'addr', 'show'], { allowFail: true }).trim();
  if (!out) return [];
  const links = JSON.parse(out) as Array<{ ifname: string; address?: string; operstate?: string; addr_info?: Array<{ local: string; prefixlen: number; scope?: string }> }>;
  return links
    .filter((l) => l.ifname !== 'lo')
    .map((l) => ({
      name: l.ifname,
      mac: l.address ?? '',
      state: l.operstate ?? 'UNKNOWN',
      addrs: (l.addr_info ?? []).filter((a) => a.scope !== 'link').map((a) => `${a.local}/${a.prefixlen}`),
    }));
}
