// SPDX-License-Identifier: Apache-2.0
/**
 * BGP lab for namespace tests: a switch, a router (GoBGP 3, BIRD 2 or FRR 8) and node namespaces running our speaker.
 * Everything is created under one prefix and removed by exact names and PIDs.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { Topology } from '../helpers/netns.js';
import type { PeerSpec } from '../../images/speaker/src/bgp/speaker.js';
import type { BfdPeerSpec } from '../../images/speaker/src/bfd/agent.js';
import { until } from '../helpers/until.js';

export type RouterKind = 'gobgp' | 'bird' | 'frr';

export const ROUTER_AS = 64512;
export const NODE_AS = 64513;
export const ROUTER_V4 = '192.0.2.1';
export const ROUTER_V6 = '2001:db8:0:1::1';
export const nodeV4 = (i: number) => `192.0.2.${11 + i}`;
export const nodeV6 = (i: number) => `2001:db8:0:1::${11 + i}`;

export interface Lab {
  readonly topo: Topology;
  readonly router: string;
  readonly nodes: string[];
  /** Client namespace on the far side of the router (198.51.100.100). */
  readonly client?: string;
  readonly dir: string;
}

/** Switch + router + n nodes on 192.0.2.0/24 and 2001:db8:0:1::/64; optional client on 198.51.100.0/24 behind the router. */
export function buildLab(prefix: string, nodes: number, opts: { client?: boolean } = {}): Lab {
  const topo = new Topology(prefix);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  fs.chmodSync(dir, 0o755);
  const sw = topo.addNamespace('sw');
  topo.addBridge(sw);
  const router = topo.addNamespace('r');
  topo.plug(router, sw, 'eth0');
  topo.addAddress(router, 'eth0', `${ROUTER_V4}/24`);
  topo.addAddress(router, 'eth0', `${ROUTER_V6}/64`);
  topo.exec(router, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1', 'net.ipv4.fib_multipath_hash_policy=1']);
  const ns: string[] = [];
  for (let i = 0; i < nodes; i++) {
    const n = topo.addNamespace(`n${i}`);
    topo.plug(n, sw, 'eth0');
    topo.addAddress(n, 'eth0', `${nodeV4(i)}/24`);
    topo.addAddress(n, 'eth0', `${nodeV6(i)}/64`);
    ns.push(n);
  }
  let client: string | undefined;
  if (opts.client) {
    client = topo.addNamespace('c');
    const a = `${prefix}ca`;
    const b = `${prefix}cb`;
    topo.exec(client, 'ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    topo.exec(client, 'ip', ['link', 'set', b, 'netns', router]);
    topo.exec(client, 'ip', ['addr', 'add', '198.51.100.100/24', 'dev', a]);
    topo.exec(client, 'ip', ['link', 'set', a, 'up']);
    topo.exec(client, 'ip', ['route', 'add', 'default', 'via', '198.51.100.1']);
    topo.exec(router, 'ip', ['addr', 'add', '198.51.100.1/24', 'dev', b]);
    topo.exec(router, 'ip', ['link', 'set', b, 'up']);
  }
  return { topo, router, nodes: ns, dir, ...(client ? { client } : {}) };
}

export async function destroyLab(lab: Lab | undefined): Promise<void> {
  if (!lab) return;
  await lab.topo.destroy();
  fs.rmSync(lab.dir, { recursive: true, force: true });
}

export { until };

export interface SpeakerEvent {
  peer?: string;
  state?: string;
  bfd?: string;
  ready?: boolean;
  metrics?: string;
  t?: number;
}

/** Our speaker (the BGP part) running in a node namespace, driven over stdin/stdout. */
export class SpeakerProc {
  readonly events: SpeakerEvent[] = [];
  readonly logs: string[] = [];
  readonly proc: ChildProcess;

  /** `opts.nodeFlags`: options for node itself (V8 flags), before the script. */
  constructor(lab: Lab, ns: string, input: { peers: PeerSpec[]; routes: object[]; listenPort?: number; bfd?: BfdPeerSpec[] }, opts: { logLevel?: string; nodeFlags?: readonly string[] } = {}) {
    const repo = repoRoot();
    const file = path.join(lab.dir, `speaker-${ns}-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(input));
    this.proc = lab.topo.spawn(ns, process.execPath, [...(opts.nodeFlags ?? []), path.join(repo, 'test/bgp/run-ts.js'), path.join(repo, 'test/bgp/harness.ts'), `@${file}`], { stdio: ['pipe', 'pipe', 'pipe'], cwd: repo, ...(opts.logLevel ? { env: { ...process.env, LOG_LEVEL: opts.logLevel } } : {}) });
    const out = this.proc.stdout;
    const err = this.proc.stderr;
    if (out) readline.createInterface({ input: out }).on('line', (l) => { try { this.events.push(JSON.parse(l) as SpeakerEvent); } catch { this.logs.push(l); } });
    if (err) readline.createInterface({ input: err }).on('line', (l) => this.logs.push(l));
  }

  send(cmd: object): void {
    this.proc.stdin?.write(JSON.stringify(cmd) + '\n');
  }

  state(peer: string): string | undefined {
    return this.events.filter((e) => e.peer === peer && e.state).at(-1)?.state;
  }

  async metrics(): Promise<string> {
    const n = this.events.length;
    this.send({ metrics: true });
    const e = await until('metrics', () => this.events.slice(n).find((x) => x.metrics !== undefined), 15_000, 20);
    return e.metrics ?? '';
  }

  /** Stops the process: gracefully over stdin, or with SIGKILL. */
  async stop(how: 'graceful' | 'notify' | 'kill'): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    if (how === 'kill') this.proc.kill('SIGKILL');
    else this.send({ stop: true, graceful: how === 'graceful' });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => { timer = setTimeout(r, 5000); })]);
    clearTimeout(timer);
  }
}

/** The repository root (works from the sources and from dist/). */
export function repoRoot(): string {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
}

/** A peer spec for our speaker toward the lab router. */
export function peerToRouter(i: number, o: Partial<PeerSpec> = {}): PeerSpec {
  return {
    name: 'router', address: ROUTER_V4, port: 179, localAs: NODE_AS, peerAs: ROUTER_AS, routerId: nodeV4(i),
    holdTime: 90, connectTimeMs: 2000, passive: false, families: ['ipv4', 'ipv6'], nextHop6: [nodeV6(i)], ...o,
  };
}
