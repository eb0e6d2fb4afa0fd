// SPDX-License-Identifier: Apache-2.0
/**
 * L2 figures, each against a reference in the same run and topology (two nodes, one client, UDP
 * every 10 ms): failover outage when the owning node's link goes down, vs keepalived VRRP with a
 * 1 s advert interval; ARP and NDP reply latency (median, p99) vs a kernel-owned address of the same
 * family, against MetalLB's own ARP and NDP loops on mdlayher/arp and mdlayher/ndp (bench/reference), and ARP vs the least a user-space responder does; the speaker's RSS vs an idle Node.js process. Trials: L2_BENCH_TRIALS (20),
 * L2_BENCH_VRRP_TRIALS (10); requests per latency figure: L2_BENCH_REQUESTS (200).
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { quantile, result, summarize, type BenchResult } from './result.js';
import { L2Lab, Prober, REPO, l2LabUnavailableReason, labInstances, sleep } from '../test/l2/lab.js';
import { until } from '../test/helpers/until.js';
import { buildMdlayherResponders, mdlayherUnavailableReason } from './reference/mdlayher.js';
import * as yaml from 'js-yaml';
import { MEMBER_LABEL } from '../lib/api/index.js';
import { startApiServer } from '../lab/apiserver/index.js';
import { imageSpeakerArgv, imageSpeakerNodeFlags } from './speaker-image.js';

const SPEAKER_IP = '192.0.2.220';
const SPEAKER_IP6 = '2001:db8:0:1::220';
const MINIMAL_IP = '192.0.2.231';
const MINIMAL_NODE_IP = '192.0.2.232';
/** Answered by MetalLB's own ARP and NDP loops on its libraries (bench/reference). */
const METALLB_IP = '192.0.2.233';
const METALLB_IP6 = '2001:db8:0:1::233';

// The least any user-space ARP responder does: wake up on a raw socket, copy, send (Python, no
// decoding). Its latency is the floor for a responder that is not the kernel itself.
const MINIMAL_RESPONDER = `import socket,sys
mac=bytes.fromhex(sys.argv[2].replace(':',''));ip=socket.inet_aton(sys.argv[3])
s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW,socket.htons(0x0806));s.bind((sys.argv[1],0))
while True:
  f=s.recv(128)
  if len(f)>=42 and f[20:22]==b'\\x00\\x01' and f[38:42]==ip: s.send(f[6:12]+mac+b'\\x08\\x06'+f[14:20]+b'\\x00\\x02'+mac+ip+f[22:32])
`;

// The same with Node.js and libpcap through cap: the floor for a responder that answers from JavaScript.
const MINIMAL_NODE_RESPONDER = `const { Cap } = require(process.argv[1]); const [, , name, m, a] = process.argv;
const mac = Buffer.from(m.replace(/:/g, ''), 'hex'), ip = Buffer.from(a.split('.').map(Number)), buf = Buffer.alloc(65536), out = Buffer.alloc(42);
const c = new Cap(); c.open(name, 'arp and arp[6:2] == 1 and arp[24:4] == 0x' + ip.toString('hex'), 1 << 20, buf);
c.on('packet', () => { buf.copy(out, 0, 6, 12); mac.copy(out, 6); out.writeUInt16BE(0x0806, 12); buf.copy(out, 14, 14, 20); out.writeUInt16BE(2, 20);
  mac.copy(out, 22); ip.copy(out, 28); buf.copy(out, 32, 22, 32); c.send(out, 42); });`;
const VRRP_IP = '192.0.2.230';

/** One failover: take node-1's link down, wait for traffic from node-2, bring it back and wait for node-1 again. Returns the outage (ms). */
async function trial(lab: L2Lab, prober: Prober, ip: string): Promise<number> {
  await until(`${ip} answered by node-1`, () => prober.replies.some((r) => r.ip === ip && r.node === 'node-1' && r.at > prober.now() - 50), 15_000, 20);
  await sleep(300);
  const t0 = prober.now();
  const ns = lab.node('node-1').ns;
  lab.topo.exec(ns, 'ip', ['link', 'set', 'eth0', 'down']);
  try {
    await until(`${ip} answered by node-2`, () => prober.replies.some((r) => r.ip === ip && r.node === 'node-2' && r.at > t0), 15_000, 20);
    await sleep(100);
    const s = prober.stats(ip, t0 - 100, prober.now());
    return s.maxGapMs;
  } finally {
    lab.topo.exec(ns, 'ip', ['link', 'set', 'eth0', 'up']);
  }
}

async function failovers(lab: L2Lab, ip: string, n: number): Promise<number[]> {
  const prober = new Prober(lab, [ip], 10);
  try {
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      try {
        out.push(await trial(lab, prober, ip));
      } catch (e) {
        const last = prober.replies.filter((r) => r.ip === ip).slice(-3);
        throw new Error(`${ip} trial ${i + 1}: ${(e as Error).message}; last replies ${JSON.stringify(last)}; client neighbour ${lab.clientNeighbor(ip) ?? 'none'}\n${lab.dump()}`, { cause: e });
      }
    }
    return out;
  } finally {
    prober.stop();
  }
}

function startKeepalived(lab: L2Lab): void {
  for (const [i, n] of lab.nodes.entries()) {
    const conf = path.join(lab.dir, `keepalived-${n.name}.conf`);
    fs.writeFileSync(conf, [
      `global_defs { router_id ${n.name} }`,
      'vrrp_instance bench {',
      '  state BACKUP', '  interface eth0', '  virtual_router_id 51', `  priority ${i === 0 ? 150 : 100}`, '  advert_int 1',
      `  virtual_ipaddress { ${VRRP_IP}/32 dev eth0 }`,
      '}', '',
    ].join('\n'));
    const pid = (k: string): string => path.join(lab.dir, `${n.name}-${k}.pid`);
    lab.topo.spawn(n.ns, 'keepalived', ['--dont-fork', '--log-console', '--vrrp', '-f', conf, '-p', pid('main'), '-r', pid('vrrp'), '-c', pid('check')]);
  }
}

/** Requests per block: the addresses compared take turns, so a load spike on the machine hits them alike. */
const BLOCK = 20;

/** ARP reply times (ms) as arping measures them from the client. */
function arpingMs(lab: L2Lab, ip: string, count: number): number[] {
  const out = lab.topo.exec(lab.client, 'arping', ['-c', String(count), '-W', '0.02', '-w', String(Math.ceil(count / 10) + 10), '-i', 'eth0', ip], { allowFail: true });
  return [...out.matchAll(/time=([\d.]+) (usec|msec)/g)].map((m) => Number(m[1]) / (m[2] === 'usec' ? 1000 : 1));
}

/** ARP reply times per address, after a few unrecorded requests each (warm only), in alternating blocks. */
function arpingTurns(lab: L2Lab, ips: readonly string[], count: number): number[][] {
  for (const ip of ips) arpingMs(lab, ip, 5);
  const out = ips.map((): number[] => []);
  for (let done = 0; done < count; done += BLOCK) ips.forEach((ip, i) => out[i]?.push(...arpingMs(lab, ip, Math.min(BLOCK, count - done))));
  return out;
}

/**
 * NS -> NA times (ms) per address on the client's wire: ndisc6 asks `count` times per address, in
 * alternating blocks, while tcpdump records with kernel timestamps (ndisc6 prints no times).
 */
async function ndiscTurns(lab: L2Lab, ips: readonly string[], count: number): Promise<number[][]> {
  const pcap = path.join(lab.dir, 'ndp.pcap');
  const dump = lab.topo.spawn(lab.client, 'tcpdump', ['-i', 'eth0', '-n', '-U', '--time-stamp-precision', 'nano', '-w', pcap, 'icmp6 and (ip6[40] == 135 or ip6[40] == 136)']);
  let err = '';
  dump.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  await until('tcpdump listening', () => err.includes('listening on'), 10_000, 20);
  const ask = (ip: string, n: number): string => `i=0; while [ $i -lt ${n} ]; do ndisc6 -q -n -r 1 -w 200 ${ip} eth0 >/dev/null 2>&1; sleep 0.01; i=$((i+1)); done`;
  for (const ip of ips) lab.topo.exec(lab.client, 'sh', ['-c', ask(ip, 3)]);
  const warm = Date.now() / 1000;
  for (let done = 0; done < count; done += BLOCK) for (const ip of ips) lab.topo.exec(lab.client, 'sh', ['-c', ask(ip, Math.min(BLOCK, count - done))]);
  await sleep(500);
  dump.kill('SIGINT');
  await new Promise((r) => dump.once('exit', r));
  const rows = lab.topo.exec(lab.client, 'tshark', ['-r', pcap, '-T', 'fields', '-E', 'separator=,', '-e', 'frame.time_epoch', '-e', 'icmpv6.type', '-e', 'icmpv6.nd.ns.target_address', '-e', 'icmpv6.nd.na.target_address']);
  const out = new Map(ips.map((ip): [string, number[]] => [ip, []]));
  const asked = new Map<string, number>();
  for (const line of rows.trim().split('\n')) {
    const [t, type, nsTarget = '', naTarget = ''] = line.split(',');
    if (Number(t) < warm) continue;
    if (type === '135') asked.set(nsTarget, Number(t));
    const at = asked.get(naTarget);
    if (type === '136' && at !== undefined) {
      out.get(naTarget)?.push((Number(t) - at) * 1000);
      asked.delete(naTarget);
    }
  }
  return ips.map((ip) => out.get(ip) ?? []);
}

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Median and p99 of ours against MetalLB's responder on the same node and wire. */
function metallbResults(what: 'ARP' | 'NDP', ours: readonly number[], theirs: readonly number[]): BenchResult[] {
  const o = sorted(ours);
  const m = sorted(theirs);
  const ref = `MetalLB's ${what} responder loop on mdlayher/${what.toLowerCase()} (Go), same node and wire (n=${m.length})`;
  return [
    result(`l2 ${what} reply latency, warm median, against MetalLB's responder`, quantile(o, 0.5), 'ms', quantile(m, 0.5), { referenceName: ref, samples: summarize(o) }),
    result(`l2 ${what} reply latency, warm p99, against MetalLB's responder`, quantile(o, 0.99), 'ms', quantile(m, 0.99), { referenceName: ref, samples: summarize(o) }),
  ];
}

/** Median and p99 of ours against the kernel's, as bench figures. */
function latencyResults(what: string, ours: readonly number[], kernel: readonly number[]): BenchResult[] {
  const o = sorted(ours);
  const k = sorted(kernel);
  const ref = `kernel-owned ${what === 'ARP' ? 'IPv4' : 'IPv6'} address (n=${k.length})`;
  return [
    result(`l2 ${what} reply latency, warm median`, quantile(o, 0.5), 'ms', quantile(k, 0.5), { referenceName: ref, samples: summarize(o) }),
    result(`l2 ${what} reply latency, warm p99`, quantile(o, 0.99), 'ms', quantile(k, 0.99), { referenceName: ref, samples: summarize(o) }),
  ];
}

/** RSS of a process and its children (the speaker's ip monitor), MiB. */
function rssMb(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  let kb = Number(line?.split(/\s+/)[1] ?? NaN);
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    const kids = fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim();
    for (const k of kids ? kids.split(' ') : []) kb += rssMb(Number(k)) * 1024;
  }
  return kb / 1024;
}

const REAL_IP = '192.0.2.234';

/** images/contents.yaml's speaker command, /app being this repository. */
const FORWARDER_PORT = 16443;

/**
 * The speaker as its image runs it (images/contents.yaml's command, /app being this repository) on
 * node-1, against an API server holding the lab's Nodes and one announced Service: its resident set,
 * its children included, once it announces and has run for a while. Call with the static speakers gone
 * (the heartbeat port is theirs). `argv` replaces the image's command (to compare variants).
 */
export async function realSpeakerRss(lab: L2Lab, argv = imageSpeakerArgv()): Promise<number> {
  const dir = fs.mkdtempSync(path.join(lab.dir, 'api-'));
  const server = await startApiServer({ port: 0, kubeconfigPath: path.join(dir, 'kubeconfig'), socketPath: path.join(dir, 'api.sock') });
  let forwarder: ChildProcess | undefined;
  try {
    const api = server.api;
    const type = (g: string, v: string, r: string) => {
      const t = api.find(g, v, r);
      if (!t) throw new Error(`the API server has no ${r}`);
      return { type: t, version: v };
    };
    const crds = type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    for (const f of ['crds/internal/l2lbservices.yaml', 'crds/native/l2advertisements.yaml', 'crds/native/servicel2statuses.yaml']) {
      api.create(crds, yaml.load(fs.readFileSync(path.join(REPO, f), 'utf8')), {});
    }
    api.create(type('', 'v1', 'namespaces'), { metadata: { name: 'd8-metallb' } }, {});
    const member = { [MEMBER_LABEL]: '' };
    for (const n of lab.nodes) {
      const nodes = type('', 'v1', 'nodes');
      const o = api.create(nodes, { metadata: { name: n.name, labels: member } }, {}).object;
      api.update({ ...nodes, name: n.name, subresource: 'status' }, { ...o, status: { addresses: [{ type: 'InternalIP', address: n.ip4 }] } }, {});
    }
    api.create({ ...type('', 'v1', 'services'), namespace: 'default' }, { metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io', ports: [{ port: 80 }] } }, {});
    api.create({ ...type('metallb.io', 'v1beta1', 'l2advertisements'), namespace: 'd8-metallb' }, { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'bench', namespace: 'd8-metallb' }, spec: { ipAddressPools: ['bench'], nodeSelectors: [{ matchLabels: member }] } }, {});
    const inst = { ...type('internal.network.deckhouse.io', 'v1alpha1', 'sdninternall2lbservices'), namespace: 'default' };
    const o = api.create(inst, {
      apiVersion: 'internal.network.deckhouse.io/v1alpha1', kind: 'SDNInternalL2LBService',
      metadata: { name: 'web-bench-0', namespace: 'default', labels: { 'parent-service': 'web' }, annotations: { 'metallb.io/address-pool': 'bench', 'metallb.io/preferredL2SpeakerNode': 'node-1' } },
      spec: { type: 'LoadBalancer', loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io', serviceRef: { namespace: 'default', name: 'web' }, ports: [{ port: 80, protocol: 'TCP' }], externalTrafficPolicy: 'Cluster' },
    }, {}).object;
    api.update({ ...inst, name: 'web-bench-0', subresource: 'status' }, { ...o, status: { loadBalancer: { ingress: [{ ip: REAL_IP }] } } }, {});
    const node = lab.node('node-1');
    lab.topo.exec(node.ns, 'ip', ['addr', 'replace', `${REAL_IP}/32`, 'dev', 'kube-ipvs0']);
    forwarder = lab.topo.spawn(node.ns, 'node', [path.join(REPO, 'dist/lab/agent/forwarder.js'), String(FORWARDER_PORT), path.join(dir, 'api.sock')]);
    const inner = path.join(dir, 'kubeconfig-inner');
    fs.writeFileSync(inner, fs.readFileSync(path.join(dir, 'kubeconfig'), 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${FORWARDER_PORT}`));
    lab.startSpeaker('node-1', { argv, env: { KUBECONFIG: inner, POD_NAMESPACE: 'd8-metallb', METRICS_HOST: '127.0.0.1' } });
    await until(`${REAL_IP} announced by the speaker as its image runs it`, () => node.log.some((l) => l.op === 'announce' && l.ip === REAL_IP), 90_000, 100);
    await sleep(5000);
    return rssMb(node.speaker?.pid);
  } finally {
    await lab.killSpeaker('node-1');
    forwarder?.kill('SIGKILL');
    await server.close();
  }
}

export async function run(): Promise<BenchResult[]> {
  const reason = l2LabUnavailableReason() ?? mdlayherUnavailableReason();
  if (reason) throw new Error(`l2 bench cannot run: ${reason}`);
  const trials = Number(process.env.L2_BENCH_TRIALS ?? 20);
  const vrrpTrials = Number(process.env.L2_BENCH_VRRP_TRIALS ?? 10);
  // Each trial starts from node-1: its address goes back to it a second after it is back (two addresses of one Service on node-2).
  const lab = new L2Lab('mlb-l2x-', { nodes: 2, env: { METALLB_L2_RETURN_DELAY_MS: '1000' } });
  await lab.build();
  try {
    lab.setInstances(labInstances(lab, [SPEAKER_IP, SPEAKER_IP6]));
    for (const n of lab.nodes) lab.startSpeaker(n.name);
    await lab.waitAnnounced([SPEAKER_IP, SPEAKER_IP6], 30_000);
    startKeepalived(lab);

    const ours = await failovers(lab, SPEAKER_IP, trials);
    const vrrp = await failovers(lab, VRRP_IP, vrrpTrials);
    const o = [...ours].sort((a, b) => a - b);
    const v = [...vrrp].sort((a, b) => a - b);
    const ref = 'keepalived VRRP, advert_int 1';

    // The kernel reference is the node that answers ours now: the same hops on the same segment.
    const requests = Number(process.env.L2_BENCH_REQUESTS ?? 200);
    const owners = await lab.waitAnnounced([SPEAKER_IP, SPEAKER_IP6], 30_000);
    const owner = lab.node(owners.get(SPEAKER_IP) ?? 'node-1');
    const owner6 = lab.node(owners.get(SPEAKER_IP6) ?? 'node-1');
    lab.topo.spawn(owner.ns, 'python3', ['-c', MINIMAL_RESPONDER, 'eth0', owner.mac, MINIMAL_IP]);
    lab.topo.spawn(owner.ns, 'node', ['-e', MINIMAL_NODE_RESPONDER, path.join(REPO, 'node_modules/cap'), 'eth0', owner.mac, MINIMAL_NODE_IP]);
    const go = buildMdlayherResponders(lab.dir);
    lab.topo.spawn(owner.ns, go.arp, ['eth0', METALLB_IP]);
    lab.topo.spawn(owner6.ns, go.ndp, ['eth0', METALLB_IP6]);
    await sleep(1500);
    const [arp = [], kernel = [], minimal = [], minimalNode = [], metallb = []] = arpingTurns(lab, [SPEAKER_IP, owner.ip4, MINIMAL_IP, MINIMAL_NODE_IP, METALLB_IP], requests);
    const [ndp = [], kernel6 = [], metallb6 = []] = await ndiscTurns(lab, [SPEAKER_IP6, owner6.ip6, METALLB_IP6], Math.min(requests, 100));

    const speakerRss = rssMb(lab.node('node-1').speaker?.pid);
    const idle = lab.topo.spawn(lab.node('node-1').ns, 'node', ['-e', 'setInterval(() => {}, 1000)']);
    await sleep(1500);
    const idleRss = rssMb(idle.pid);
    for (const n of lab.nodes) await lab.killSpeaker(n.name);
    const realRss = await realSpeakerRss(lab);
    const plainArgv = imageSpeakerArgv().filter((a) => !imageSpeakerNodeFlags().includes(a));
    const plainRss = await realSpeakerRss(lab, plainArgv);

    return [
      result('l2 failover outage p50 (link down)', quantile(o, 0.5), 'ms', quantile(v, 0.5), { referenceName: ref, samples: summarize(ours) }),
      result('l2 failover outage p99 (link down)', quantile(o, 0.99), 'ms', quantile(v, 0.99), { referenceName: `${ref} (n=${vrrp.length}, min ${v[0]?.toFixed(0)} / max ${v.at(-1)?.toFixed(0)} ms)`, samples: summarize(ours) }),
      ...latencyResults('ARP', arp, kernel),
      ...latencyResults('NDP', ndp, kernel6),
      ...metallbResults('ARP', arp, metallb),
      ...metallbResults('NDP', ndp, metallb6),
      result('l2 ARP reply latency, warm median, against the least a user-space responder does', quantile(sorted(arp), 0.5), 'ms', quantile(sorted(minimal), 0.5), {
        referenceName: `raw-socket copy-and-send responder in Python (n=${minimal.length}, p99 ${quantile(sorted(minimal), 0.99).toFixed(3)} ms)`,
        samples: summarize(arp),
      }),
      result('l2 ARP reply latency, warm median, against the least a Node.js + libpcap responder does', quantile(sorted(arp), 0.5), 'ms', quantile(sorted(minimalNode), 0.5), {
        referenceName: `copy-and-send responder on cap, no decoding (n=${minimalNode.length}, p99 ${quantile(sorted(minimalNode), 0.99).toFixed(3)} ms)`,
        samples: summarize(arp),
      }),
      result('l2 static speaker RSS (with its capture process)', speakerRss, 'MiB', idleRss, { referenceName: 'idle Node.js process' }),
      result('l2 speaker RSS as its image runs it, against the API server, one Service announced', realRss, 'MiB', idleRss, { referenceName: 'idle Node.js process' }),
      result('l2 speaker RSS as its image runs it, against the same speaker without its V8 flags', realRss, 'MiB', plainRss, { referenceName: `${plainArgv.map((a) => path.basename(a)).join(' ')} (image: ${imageSpeakerNodeFlags().join(' ')})` }),
    ];
  } finally {
    await lab.destroy();
  }
}
