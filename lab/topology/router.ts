// SPDX-License-Identifier: Apache-2.0
/** Starts the lab router's BGP daemon in the router namespace and reads its next hops back. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { procRef, run, runAsync, runNs, spawnDetached, waitFor, type ProcRef } from '../sys.js';
import { birdConfig, frrBfddConfig, frrBgpdConfig, gobgpConfig, parseGobgpRib, parseIpRoutes } from './router-config.js';
import type { Plan } from './plan.js';

export function routerNs(plan: Plan): string {
  const r = plan.hosts.find((h) => h.role === 'router');
  if (!r) throw new Error('the plan has no router');
  return r.ns;
}

async function pidFromFile(file: string): Promise<ProcRef> {
  return waitFor(`pid file ${file}`, () => {
    if (!fs.existsSync(file)) return undefined;
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    return pid > 0 ? procRef(pid) : undefined;
  }, 10_000, 50);
}

/** Starts the router daemon(s) and returns their processes; configs and logs go under `dir`. */
export async function startRouter(plan: Plan, dir: string): Promise<ProcRef[]> {
  const ns = routerNs(plan);
  fs.mkdirSync(dir, { recursive: true });
  switch (plan.router) {
    case 'bird': {
      const conf = path.join(dir, 'bird.conf');
      fs.writeFileSync(conf, birdConfig(plan));
      run('bird', ['-p', '-c', conf]);
      runNs(ns, 'bird', ['-c', conf, '-s', path.join(dir, 'bird.ctl'), '-P', path.join(dir, 'bird.pid')]);
      return [await pidFromFile(path.join(dir, 'bird.pid'))];
    }
    case 'frr': {
      fs.writeFileSync(path.join(dir, 'zebra.conf'), 'hostname router\n');
      fs.writeFileSync(path.join(dir, 'bgpd.conf'), frrBgpdConfig(plan));
      if (plan.bfd) fs.writeFileSync(path.join(dir, 'bfdd.conf'), frrBfddConfig(plan));
      run('chown', ['-R', 'frr:frr', dir]);
      const common = ['-z', path.join(dir, 'zserv.api'), '--vty_socket', dir];
      const pids: ProcRef[] = [];
      // zebra first; bfdd before bgpd, which names its profile
      for (const daemon of ['zebra', ...(plan.bfd ? ['bfdd'] : []), 'bgpd']) {
        runNs(ns, `/usr/lib/frr/${daemon}`, ['-d', '-f', path.join(dir, `${daemon}.conf`), '-i', path.join(dir, `${daemon}.pid`), ...common]);
        pids.push(await pidFromFile(path.join(dir, `${daemon}.pid`)));
      }
      return pids;
    }
    case 'gobgp': {
      const conf = path.join(dir, 'gobgpd.toml');
      fs.writeFileSync(conf, gobgpConfig(plan));
      run('gobgpd', ['-f', conf, '-d']);
      const p = spawnDetached('ip', ['netns', 'exec', ns, 'gobgpd', '-f', conf, '--api-hosts=127.0.0.1:50051'], { logFile: path.join(dir, 'gobgpd.log') });
      await waitFor('gobgpd API', () => runNs(ns, 'gobgp', ['neighbor'], { allowFail: true }) ? true : undefined, 10_000, 100);
      return [p];
    }
  }
}

/** Service prefixes learned over BGP with their next hops, as the router sees them. */
export async function routerNextHops(plan: Plan): Promise<Map<string, string[]>> {
  const ns = routerNs(plan);
  if (plan.router === 'gobgp') {
    const v4 = parseGobgpRib(await runAsync('ip', ['netns', 'exec', ns, 'gobgp', 'global', 'rib', '-a', 'ipv4', '-j']).catch(() => ''));
    const v6 = parseGobgpRib(await runAsync('ip', ['netns', 'exec', ns, 'gobgp', 'global', 'rib', '-a', 'ipv6', '-j']).catch(() => ''));
    return new Map([...v4, ...v6]);
  }
  const proto = plan.router === 'bird' ? 'bird' : 'bgp';
  const v4 = parseIpRoutes(await runAsync('ip', ['-n', ns, '-j', 'route', 'show', 'proto', proto]).catch(() => ''));
  const v6 = parseIpRoutes(await runAsync('ip', ['-n', ns, '-6', '-j', 'route', 'show', 'proto', proto]).catch(() => ''));
  return new Map([...v4, ...v6]);
}

/** BGP session states per neighbour address, as the router reports them. */
export async function routerSessions(plan: Plan, dir: string): Promise<Map<string, string>> {
  const ns = routerNs(plan);
  const out = new Map<string, string>();
  if (plan.router === 'bird') {
    const text = await runAsync('birdc', ['-s', path.join(dir, 'bird.ctl'), 'show', 'protocols', 'all']).catch(() => '');
    let state = '';
    for (const line of text.split('\n')) {
      const head = /^\S+\s+BGP\s+\S+\s+\S+\s+\S+\s+(\S+)/.exec(line);
      if (head) state = head[1] ?? '';
      const nb = /Neighbor address:\s+(\S+)/.exec(line);
      if (nb?.[1]) out.set(nb[1], state);
    }
  } else if (plan.router === 'frr') {
    const text = await runAsync('ip', ['netns', 'exec', ns, 'vtysh', '--vty_socket', dir, '-c', 'show bgp neighbors json']).catch(() => '{}');
    for (const [addr, n] of Object.entries(JSON.parse(text || '{}') as Record<string, { bgpState?: string }>)) out.set(addr, n.bgpState ?? '');
  } else {
    const text = await runAsync('ip', ['netns', 'exec', ns, 'gobgp', 'neighbor', '-j']).catch(() => '[]');
    for (const n of JSON.parse(text || '[]') as Array<{ state?: { neighbor_address?: string; session_state?: number | string } }>) {
      const st = n.state?.session_state;
      if (n.state?.neighbor_address) out.set(n.state.neighbor_address, st === 6 || st === 'established' ? 'Established' : String(st ?? ''));
    }
  }
  return out;
}
