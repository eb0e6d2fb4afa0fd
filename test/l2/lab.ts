// SPDX-License-Identifier: Apache-2.0
/**
 * A small L2 segment for the speaker's network tests and bench: a switch, N node namespaces each
 * running the speaker from a static description (no API server), a UDP echo backend on every node
 * behind a silent service-IP dummy, and a client. Everything is removed by exact name or PID.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { labMac } from '../../lab/topology/plan.js';
import { sleep, waitFor } from '../../lab/sys.js';
import { Topology, netnsUnavailableReason, sh } from '../helpers/netns.js';
import type { L2Instance } from '../../images/speaker/src/l2/decide/speaker.js';

/** The repository root, from the sources (test/l2) or from their build (dist/test/l2). */
export const REPO = ((): string => {
  let d = __dirname;
  while (!fs.existsSync(path.join(d, 'package.json')) && path.dirname(d) !== d) d = path.dirname(d);
  return d;
})();
/** The compiled runner; tests run against dist/, built by `make build`. */
export const STATIC_MAIN = path.join(REPO, 'dist/images/speaker/src/l2/static-main.js');
/** The real speaker entry point. */
export const SPEAKER_MAIN = path.join(REPO, 'dist/images/speaker/src/main.js');

/** Why the namespace tests cannot run here, or undefined. */
export function l2LabUnavailableReason(): string | undefined {
  const r = netnsUnavailableReason();
  if (r) return r;
  if (!fs.existsSync(STATIC_MAIN)) return 'dist/ is not built (make build)';
  for (const tool of ['arping', 'ndisc6', 'tshark']) if (!sh('sh', ['-c', `command -v ${tool} || true`]).trim()) return `${tool} is not installed`;
  return undefined;
}

export interface LabNode {
  readonly name: string;
  readonly ns: string;
  readonly ip4: string;
  readonly ip6: string;
  readonly mac: string;
  speaker?: ChildProcess;
  /** The speaker's log lines (pino JSON), parsed. */
  readonly log: Array<Record<string, unknown>>;
}

export interface LabOptions {
  readonly nodes: number;
  /** Heartbeat settings and timings passed as the speaker's environment. */
  readonly env?: Record<string, string>;
}

export const CLIENT_IP4 = '192.0.2.100';
export const CLIENT_IP6 = '2001:db8:0:1::100';
export const ECHO_PORT = 9000;
const DUMMY = 'kube-ipvs0';

// Replies "<node> <payload>" to every UDP datagram, on both families.
const ECHO = `const d=require('dgram');for(const t of ['udp4','udp6']){const s=d.createSocket({type:t,ipv6Only:t==='udp6'});s.on('message',(m,r)=>s.send(Buffer.concat([Buffer.from(process.argv[1]+' '),m]),r.port,r.address));s.bind(${ECHO_PORT});}`;

export class L2Lab {
  readonly topo: Topology;
  readonly nodes: LabNode[] = [];
  readonly client: string;
  readonly switchNs: string;
  readonly dir: string;
  #instances: readonly L2Instance[] = [];

  /** `prefix`: unique per test file, at most 8 characters (e.g. "mlb-l2a-"). Call build() next. */
  constructor(readonly prefix: string, private readonly opts: LabOptions) {
    this.topo = new Topology(prefix);
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}`));
    const tag = prefix.replace(/[^a-z0-9]/g, '').slice(-3);
    this.switchNs = this.topo.name('sw');
    this.client = this.topo.name(`${tag}c`);
  }

  /** Creates the namespaces; on failure removes what it made and rethrows. */
  async build(): Promise<void> {
    try {
      this.#build();
    } catch (e) {
      await this.destroy();
      throw e;
    }
  }

  #build(): void {
    const opts = this.opts;
    const prefix = this.prefix;
    this.topo.addNamespace('sw');
    this.topo.addBridge(this.switchNs);
    this.topo.exec(this.switchNs, 'ip', ['link', 'set', 'br0', 'type', 'bridge', 'mcast_snooping', '0', 'forward_delay', '0']);
    // Short names that carry the prefix's tag, so the temporary host-side veth names never collide with other tests.
    const tag = prefix.replace(/[^a-z0-9]/g, '').slice(-3);
    this.topo.addNamespace(`${tag}c`);
    this.topo.plug(this.client, this.switchNs, 'eth0', { mac: '02:00:00:00:00:64' });
    this.topo.addAddress(this.client, 'eth0', `${CLIENT_IP4}/24`);
    this.topo.addAddress(this.client, 'eth0', `${CLIENT_IP6}/64`);
    for (let i = 1; i <= opts.nodes; i++) {
      const name = `node-${i}`;
      const ns = this.topo.addNamespace(`${tag}${i}`);
      const mac = labMac(1, 10 + i);
      this.topo.plug(ns, this.switchNs, 'eth0', { mac });
      const ip4 = `192.0.2.${10 + i}`;
      const ip6 = `2001:db8:0:1::${10 + i}`;
      this.topo.addAddress(ns, 'eth0', `${ip4}/24`);
      this.topo.addAddress(ns, 'eth0', `${ip6}/64`);
      // kube-proxy (IPVS) style: service IPs on a dummy, never answered by the kernel's ARP.
      for (const k of ['all', 'default', 'eth0']) this.topo.exec(ns, 'sysctl', ['-q', '-w', `net.ipv4.conf.${k}.arp_ignore=1`, `net.ipv4.conf.${k}.arp_announce=2`]);
      this.#addDummy(ns);
      this.topo.spawn(ns, 'node', ['-e', ECHO, name]);
      this.nodes.push({ name, ns, ip4, ip6, mac, log: [] });
    }
  }

  /** A dummy interface; where the kernel lacks the driver, a veth pair kept inside the namespace. Its name is on the exclusion list. */
  #addDummy(ns: string): void {
    try {
      this.topo.exec(ns, 'ip', ['link', 'add', DUMMY, 'type', 'dummy']);
    } catch {
      this.topo.exec(ns, 'ip', ['link', 'add', DUMMY, 'type', 'veth', 'peer', 'name', `${DUMMY}p`]);
      this.topo.exec(ns, 'ip', ['link', 'set', `${DUMMY}p`, 'up']);
    }
    this.topo.exec(ns, 'ip', ['link', 'set', DUMMY, 'up']);
  }

  node(name: string): LabNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Puts the service addresses on every node's dummy (as kube-proxy would) and tells the speakers. */
  setInstances(list: readonly L2Instance[]): void {
    const old = new Set(this.#instances.map((i) => i.ip));
    this.#instances = list;
    for (const n of this.nodes) {
      for (const i of list) {
        if (old.has(i.ip)) continue;
        this.topo.exec(n.ns, 'ip', ['addr', 'add', i.ip.includes(':') ? `${i.ip}/128` : `${i.ip}/32`, 'dev', DUMMY, ...(i.ip.includes(':') ? ['nodad'] : [])]);
      }
      this.#writeConfig(n);
      if (n.speaker && n.speaker.exitCode === null) n.speaker.kill('SIGHUP');
    }
  }

  #configPath(n: LabNode): string {
    return path.join(this.dir, `${n.name}.json`);
  }

  #writeConfig(n: LabNode, extra: Record<string, unknown> = {}): void {
    const peers = this.nodes.map((p) => ({ node: p.name, address: p.ip4 }));
    fs.writeFileSync(this.#configPath(n), JSON.stringify({ node: n.name, peers, instances: this.#instances, ...extra }));
  }

  /**
   * Starts a node's speaker: by default the static runner with this lab's instances; with `real`,
   * the real entry point (main.js, or `argv`, e.g. the image's command) with the given extra
   * environment (KUBECONFIG and the like). `staticMain`: another build of the static runner (the previous release).
   */
  startSpeaker(name: string, real?: { env: Record<string, string>; argv?: readonly string[] }, staticMain = STATIC_MAIN): void {
    const n = this.node(name);
    n.log.length = 0;
    this.#writeConfig(n);
    const env = { ...process.env, METALLB_HEARTBEAT_KEY: 'lab-heartbeat-key', LOG_LEVEL: 'info', NODE_NAME: name, ...(this.opts.env ?? {}), ...(real?.env ?? {}) };
    const [cmd = 'node', ...args] = real?.argv ?? ['node', ...(real ? [SPEAKER_MAIN] : [staticMain, this.#configPath(n)])];
    const p = this.topo.spawn(n.ns, cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    p.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          n.log.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          n.log.push({ msg: line });
        }
      }
    });
    p.stderr?.on('data', (d: Buffer) => n.log.push({ msg: d.toString(), stderr: true }));
    n.speaker = p;
  }

  /** Kills a node's speaker (SIGKILL by default) and waits for it to exit. */
  async killSpeaker(name: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.node(name).speaker;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await exited;
  }

  /** Waits until every IP is announced by exactly one running speaker; returns ip -> node. */
  waitAnnounced(ips: readonly string[], timeoutMs = 10_000): Promise<Map<string, string>> {
    return this.#waitOwned('every IP announced by one speaker', (owners) => (ips.every((ip) => owners.get(ip)?.length === 1) ? new Map(ips.map((ip) => [ip, owners.get(ip)?.[0] ?? ''])) : undefined), timeoutMs, 50);
  }

  /** Waits until each IP is announced by exactly the given node (speakers start one after another, so the first may hold everything for a while). */
  async waitOwners(want: ReadonlyMap<string, string>, timeoutMs = 60_000): Promise<void> {
    await this.#waitOwned('the expected owners', (owners) => [...want].every(([ip, node]) => owners.get(ip)?.join() === node) || undefined, timeoutMs, 100);
  }

  /** The lab's waitFor over `owners()`; a timeout also prints the owners and the speakers' last log lines. */
  async #waitOwned<T>(what: string, ok: (owners: Map<string, string[]>) => T | undefined, timeoutMs: number, everyMs: number): Promise<T> {
    try {
      return await waitFor(what, () => ok(this.owners()), timeoutMs, everyMs);
    } catch (e) {
      throw new Error(`${(e as Error).message}: ${JSON.stringify(Object.fromEntries(this.owners()))}\n${this.dump()}`);
    }
  }

  /** ip -> nodes whose running speaker last logged "announce" (and no "release" since). */
  owners(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const n of this.nodes) {
      if (!n.speaker || n.speaker.exitCode !== null || n.speaker.signalCode !== null) continue;
      const state = new Map<string, boolean>();
      for (const l of n.log) {
        if (typeof l.ip !== 'string') continue;
        if (l.op === 'announce') state.set(l.ip, true);
        if (l.op === 'release' || (l.op === 'conflict' && l.level === 50)) state.set(l.ip, false);
      }
      for (const [ip, on] of state) if (on) out.set(ip, [...(out.get(ip) ?? []), n.name]);
    }
    return out;
  }

  dump(): string {
    return this.nodes.map((n) => `${n.name}:\n${n.log.slice(-30).map((l) => JSON.stringify(l)).join('\n')}`).join('\n');
  }

  /** The client's neighbour entry for `ip`: its MAC, or undefined. */
  clientNeighbor(ip: string): string | undefined {
    const j = JSON.parse(this.topo.exec(this.client, 'ip', ['-j', ...(ip.includes(':') ? ['-6'] : []), 'neigh', 'show', ip]) || '[]') as Array<{ lladdr?: string }>;
    return j[0]?.lladdr;
  }

  async destroy(): Promise<void> {
    await this.topo.destroy();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export { sleep };

/** Instances for `ips`, preferred round-robin on the lab's nodes, every node eligible. */
export function labInstances(lab: L2Lab, ips: readonly string[], svc = 'web'): L2Instance[] {
  const names = lab.nodes.map((n) => n.name);
  return ips.map((ip, i) => ({
    key: `default/${svc}-lab-${i}`,
    service: { namespace: 'default', name: svc },
    ip,
    preferred: names[i % names.length],
    eligible: names,
    interfaces: [],
  }));
}

/** One reply seen by the prober. */
export interface Reply {
  readonly ip: string;
  readonly seq: number;
  readonly node: string;
  /** Client clock, ms. */
  readonly at: number;
}

// Sends "<ip> <seq>" to every target every `interval` ms and prints "<ip> <seq> <node> <ms>" for each echo
// (the payload names the target: the echo's source address is the node's own, not the service IP).
const PROBER = `const d=require('dgram');const [,iv,...ips]=process.argv;const t0=performance.now();
const s4=d.createSocket('udp4'),s6=d.createSocket('udp6');
for(const s of [s4,s6])s.on('message',(m)=>{const [node,ip,seq]=m.toString().split(' ');process.stdout.write(ip+' '+seq+' '+node+' '+(performance.now()-t0).toFixed(1)+'\\n')});
let seq=0;setInterval(()=>{seq++;for(const ip of ips)(ip.includes(':')?s6:s4).send(ip+' '+seq,${ECHO_PORT},ip)},Number(iv));`;

/** UDP traffic from the client to each IP every `intervalMs`, with every echo recorded. */
export class Prober {
  readonly replies: Reply[] = [];
  readonly #proc: ChildProcess;

  constructor(lab: L2Lab, readonly ips: readonly string[], readonly intervalMs = 10) {
    this.#proc = lab.topo.spawn(lab.client, 'node', ['-e', PROBER, String(intervalMs), ...ips]);
    let buf = '';
    this.#proc.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [ip, seq, node, at] = buf.slice(0, nl).split(' ');
        buf = buf.slice(nl + 1);
        if (ip && seq && node && at) this.replies.push({ ip, seq: Number(seq), node, at: Number(at) });
      }
    });
  }

  /** Milliseconds on the prober's clock (the time of its latest reply). */
  now(): number {
    return this.replies.at(-1)?.at ?? 0;
  }

  /** Per IP, over replies in [from, to): lost sequence numbers, longest gap between replies, nodes that answered. */
  stats(ip: string, from: number, to: number): { lost: number; maxGapMs: number; nodes: string[]; received: number } {
    const rs = this.replies.filter((r) => r.ip === ip && r.at >= from && r.at < to);
    const seqs = new Set(rs.map((r) => r.seq));
    const lo = Math.min(...seqs);
    const hi = Math.max(...seqs);
    let lost = 0;
    for (let s = lo; s <= hi; s++) if (!seqs.has(s)) lost++;
    let maxGapMs = 0;
    for (let i = 1; i < rs.length; i++) maxGapMs = Math.max(maxGapMs, (rs[i]?.at ?? 0) - (rs[i - 1]?.at ?? 0));
    return { lost, maxGapMs, nodes: [...new Set(rs.map((r) => r.node))], received: rs.length };
  }

  stop(): void {
    if (this.#proc.exitCode === null) this.#proc.kill('SIGKILL');
  }
}
