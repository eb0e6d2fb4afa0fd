// SPDX-License-Identifier: Apache-2.0
/**
 * The kube-proxy stand-in: every LoadBalancer IP sits on a dummy interface in each node namespace, as
 * IPVS mode does. With arp_ignore=1 / arp_announce=2 (set by the topology) and IPv6 answering NS only
 * for addresses on the receiving interface, the kernel stays silent: the speaker alone answers ARP/NDP.
 */
import { hostPrefix } from '../../lib/ip.js';
import { runAsync } from '../sys.js';

export const DUMMY = 'kube-ipvs0';

/** A dummy interface; where the kernel lacks the dummy driver, a veth pair kept inside the namespace does the same job. */
async function addDummy(ns: string): Promise<void> {
  try {
    await runAsync('ip', ['-n', ns, 'link', 'add', DUMMY, 'type', 'dummy']);
  } catch {
    await runAsync('ip', ['-n', ns, 'link', 'add', DUMMY, 'type', 'veth', 'peer', 'name', `${DUMMY}p`]);
    await runAsync('ip', ['-n', ns, 'link', 'set', `${DUMMY}p`, 'up']);
  }
  await runAsync('ip', ['-n', ns, 'link', 'set', DUMMY, 'up']);
}

/** Brings the dummy interface's addresses in `ns` to exactly `ips`. */
export async function syncServiceIps(ns: string, ips: readonly string[]): Promise<void> {
  let out = await runAsync('ip', ['-n', ns, '-j', 'addr', 'show', 'dev', DUMMY]).catch(() => '');
  if (!out.trim()) {
    await addDummy(ns);
    out = '[]';
  }
  const links = JSON.parse(out) as Array<{ addr_info?: Array<{ local: string; prefixlen: number }> }>;
  const have = new Set((links[0]?.addr_info ?? []).map((a) => `${a.local}/${a.prefixlen}`));
  const want = new Set(ips.map(hostPrefix));
  for (const c of want) if (!have.has(c)) await runAsync('ip', ['-n', ns, 'addr', 'add', c, 'dev', DUMMY, ...(c.includes(':') ? ['nodad'] : [])]);
  for (const c of have) if (!want.has(c)) await runAsync('ip', ['-n', ns, 'addr', 'del', c, 'dev', DUMMY]).catch(() => '');
}
