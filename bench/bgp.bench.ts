// SPDX-License-Identifier: Apache-2.0
/**
 * BGP figures, each against a reference measured in the same run:
 * - 10k host routes from our speaker until BIRD holds them all, vs GoBGP 3 sending the same 10k to the same BIRD;
 * - CPU time of our speaker process for that transfer and its RSS growth for 10k routes, vs gobgpd;
 * - the same transfer and CPU time with the V8 flags the speaker's image runs, vs the same speaker without them;
 * - ECMP failover (a frozen speaker leaves the router's route) with BFD 3 x 300 ms, vs hold timer 3 s without BFD.
 * 10k /128 in 2001:db8:0:2::/64 stand in for 10k /32: the IPv4 documentation ranges hold only 768 host routes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { result, summarize, type BenchResult } from './result.js';
import { netnsUnavailableReason, sh } from '../test/helpers/netns.js';
import { buildLab, destroyLab, NODE_AS, nodeV4, nodeV6, peerToRouter, ROUTER_AS, ROUTER_V4, ROUTER_V6, SpeakerProc, until, type Lab } from '../test/bgp/lab.js';
import { hostRoutesV6, mrtIpv6Dump } from '../test/bgp/mrt.js';
import { birdc, startRouter } from '../test/bgp/routers.js';
import { imageSpeakerNodeFlags } from './speaker-image.js';

const N = 10_000;
const ROUNDS = 3;

function birdBenchConfig(dir: string): string {
  const peer = (name: string, addr: string) => [
    `protocol bgp ${name} {`, `  local ${ROUTER_V6} as ${ROUTER_AS};`, `  neighbor ${addr} as ${NODE_AS};`, '  disabled;', '  connect delay time 0;',
    '  ipv6 { import all; export none; };', '}',
  ].join('\n');
  return [
    `router id ${ROUTER_V4};`, `log "${dir}/bird.log" { warning, error };`, 'protocol device { scan time 10; }',
    peer('ours', nodeV6(0)), peer('gobgp', nodeV6(1)), peer('flagged', nodeV6(2)),
  ].join('\n') + '\n';
}

function imported(lab: Lab, proto: string): number {
  const m = /Routes:\s+(\d+) imported/.exec(birdc(lab, `show protocols all ${proto}`));
  return Number(m?.[1] ?? 0);
}

/** ms from `birdc enable` until BIRD has imported all N routes of the protocol. */
async function timeToFull(lab: Lab, proto: string): Promise<number> {
  birdc(lab, `disable ${proto}`);
  await until(`${proto} empty`, () => imported(lab, proto) === 0, 30_000, 50);
  const t0 = performance.now();
  birdc(lab, `enable ${proto}`);
  await until(`${proto} full`, () => imported(lab, proto) >= N, 120_000, 20);
  return performance.now() - t0;
}

function cpuMs(pid: number): number {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime + stime, in clock ticks of 10 ms
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

async function prefixTransfer(): Promise<BenchResult[]> {
  const lab = buildLab('mlb-bgk', 3);
  try {
    const d = path.join(lab.dir, 'bird');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'bird.conf'), birdBenchConfig(d));
    const bird = lab.topo.spawn(lab.router, 'bird', ['-f', '-c', path.join(d, 'bird.conf'), '-s', path.join(d, 'bird.ctl')]);
    bird.stdout?.resume();
    bird.stderr?.resume();
    await until('bird', () => fs.existsSync(path.join(d, 'bird.ctl')));

    const routes = hostRoutesV6(N);
    const speakerOn = (i: number, nodeFlags: readonly string[]) => new SpeakerProc(lab, lab.nodes[i] ?? '', {
      peers: [{ ...peerToRouter(i, { address: ROUTER_V6, passive: true, families: ['ipv6'] }), nextHop6: [nodeV6(i)] }],
      routes: [],
      listenPort: 179,
    }, { nodeFlags });
    const ours = speakerOn(0, []);
    // The same speaker with the V8 flags its image runs (images/contents.yaml), in the same rounds.
    const flags = imageSpeakerNodeFlags();
    const flagged = speakerOn(2, flags);
    await until('our speakers ready', () => ours.events.some((e) => e.ready) && flagged.events.some((e) => e.ready), 30_000);
    await new Promise((r) => setTimeout(r, 500));
    const oursRss0 = rssMiB(ours.proc.pid ?? 0);
    ours.send({ routes: routes.map((prefix) => ({ prefix })) });
    flagged.send({ routes: routes.map((prefix) => ({ prefix })) });

    const g = path.join(lab.dir, 'gobgp');
    fs.mkdirSync(g);
    fs.writeFileSync(path.join(g, 'gobgpd.toml'), [
      '[global.config]', `  as = ${NODE_AS}`, `  router-id = "${nodeV4(1)}"`,
      '[[neighbors]]', '  [neighbors.config]', `    neighbor-address = "${ROUTER_V6}"`, `    peer-as = ${ROUTER_AS}`,
      '  [neighbors.transport.config]', '    passive-mode = true',
      '  [[neighbors.afi-safis]]', '    [neighbors.afi-safis.config]', '      afi-safi-name = "ipv6-unicast"',
    ].join('\n') + '\n');
    const gobgpd = lab.topo.spawn(lab.nodes[1] ?? '', 'gobgpd', ['-f', path.join(g, 'gobgpd.toml'), '--api-hosts=127.0.0.1:50051', '--log-level=warn']);
    gobgpd.stdout?.resume();
    gobgpd.stderr?.resume();
    await until('gobgpd API', () => lab.topo.exec(lab.nodes[1] ?? '', 'gobgp', ['global'], { allowFail: true }).includes('AS'));
    const refRss0 = rssMiB(gobgpd.pid ?? 0);
    // gobgp's injector drops its last unflushed batch: repeat the first 3000 routes (same destinations) as a tail.
    fs.writeFileSync(path.join(g, 'routes.mrt'), mrtIpv6Dump([...routes, ...routes.slice(0, 3000)], nodeV4(1), nodeV6(1), 65000));
    lab.topo.exec(lab.nodes[1] ?? '', 'gobgp', ['mrt', 'inject', 'global', path.join(g, 'routes.mrt')]);
    await until('gobgpd holds 10k', () => lab.topo.exec(lab.nodes[1] ?? '', 'gobgp', ['global', 'rib', '-a', 'ipv6', 'summary']).includes(`Destination: ${N},`), 60_000, 200);

    const oursMs: number[] = [];
    const refMs: number[] = [];
    const oursCpu: number[] = [];
    const refCpu: number[] = [];
    const flaggedMs: number[] = [];
    const flaggedCpu: number[] = [];
    const oursPid = ours.proc.pid ?? 0;
    const flaggedPid = flagged.proc.pid ?? 0;
    const gobgpPid = gobgpd.pid ?? 0;
    for (let i = 0; i < ROUNDS; i++) {
      let c = cpuMs(oursPid);
      oursMs.push(await timeToFull(lab, 'ours'));
      oursCpu.push(cpuMs(oursPid) - c);
      birdc(lab, 'disable ours');
      c = cpuMs(flaggedPid);
      flaggedMs.push(await timeToFull(lab, 'flagged'));
      flaggedCpu.push(cpuMs(flaggedPid) - c);
      birdc(lab, 'disable flagged');
      c = cpuMs(gobgpPid);
      refMs.push(await timeToFull(lab, 'gobgp'));
      refCpu.push(cpuMs(gobgpPid) - c);
      birdc(lab, 'disable gobgp');
    }
    birdc(lab, 'enable ours');
    birdc(lab, 'enable gobgp');
    await until('both full', () => imported(lab, 'ours') >= N && imported(lab, 'gobgp') >= N, 60_000, 50);
    const oursRss = rssMiB(oursPid);
    const refRss = rssMiB(gobgpPid);
    console.log(`  RSS: ours ${oursRss0.toFixed(1)} -> ${oursRss.toFixed(1)} MiB (the test process loads the TypeScript compiler too), gobgpd ${refRss0.toFixed(1)} -> ${refRss.toFixed(1)} MiB`);
    const so = summarize(oursMs);
    const sr = summarize(refMs);
    const co = summarize(oursCpu);
    const cr = summarize(refCpu);
    const sf = summarize(flaggedMs);
    const cf = summarize(flaggedCpu);
    await ours.stop('kill');
    await flagged.stop('kill');
    const plain = `the same speaker without them (image: node ${flags.join(' ')})`;
    return [
      result('bgp 10k host routes until BIRD holds them all', so.median, 'ms', sr.median, { referenceName: 'GoBGP 3 sending the same 10k to the same BIRD', samples: so }),
      result('bgp speaker CPU time for a 10k-route sync', co.median, 'ms', cr.median, { referenceName: 'gobgpd CPU time for the same sync', samples: co }),
      result('bgp speaker RSS growth for 10k routes', oursRss - oursRss0, 'MiB', refRss - refRss0, { referenceName: 'gobgpd RSS growth for the same 10k' }),
      result('bgp 10k host routes until BIRD holds them all, speaker with its image\'s V8 flags', sf.median, 'ms', so.median, { referenceName: plain, samples: sf }),
      result('bgp speaker CPU time for a 10k-route sync, with its image\'s V8 flags', cf.median, 'ms', co.median, { referenceName: plain, samples: cf }),
    ];
  } finally {
    await destroyLab(lab);
  }
}

/** ms from freezing one of 3 ECMP speakers until the router's kernel route has 2 next hops. */
async function failover(bfd: boolean): Promise<number[]> {
  const lab = buildLab(bfd ? 'mlb-bgy' : 'mlb-bgz', 3);
  const speakers: SpeakerProc[] = [];
  const service = '203.0.113.10';
  const hops = () => (JSON.parse(lab.topo.exec(lab.router, 'ip', ['-j', 'route', 'show', service]) || '[]') as Array<{ gateway?: string; nexthops?: unknown[] }>)
    .map((r) => r.nexthops?.length ?? (r.gateway ? 1 : 0))[0] ?? 0;
  try {
    await startRouter(lab, 'bird', { nodes: [0, 1, 2], peerAs: NODE_AS, bfd });
    const out: number[] = [];
    const bfdPeers = bfd ? [{ address: ROUTER_V4, receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3, passive: false }] : [];
    for (let i = 0; i < 3; i++) {
      speakers.push(new SpeakerProc(lab, lab.nodes[i] ?? '', { peers: [peerToRouter(i, { holdTime: 3 })], routes: [{ prefix: `${service}/32` }], bfd: bfdPeers }));
    }
    for (let round = 0; round < ROUNDS; round++) {
      const victim = speakers[round % 3];
      await until('3 next hops', () => hops() === 3, 60_000, 20);
      if (bfd) await new Promise((r) => setTimeout(r, 1500)); // BFD at its fast rate after the poll sequence
      const t0 = performance.now();
      victim?.proc.kill('SIGSTOP');
      await until('2 next hops', () => hops() === 2, 20_000, 5);
      out.push(performance.now() - t0);
      victim?.proc.kill('SIGCONT');
    }
    return out;
  } finally {
    for (const s of speakers) await s.stop('kill');
    await destroyLab(lab);
  }
}

export async function run(): Promise<BenchResult[]> {
  const why = netnsUnavailableReason() ?? (sh('which', ['bird', 'gobgpd'], { allowFail: true }).split('\n').filter(Boolean).length < 2 ? 'bird and gobgpd are needed' : undefined);
  if (why) throw new Error(`bgp bench cannot run: ${why}`);
  const out = await prefixTransfer();
  for (const r of out) console.log(`  ${r.name}: ${r.value.toFixed(1)} ${r.unit} vs ${r.reference.toFixed(1)}`);
  const withBfd = summarize(await failover(true));
  const without = summarize(await failover(false));
  out.push(result('bgp ECMP failover with BFD 3 x 300 ms', withBfd.median, 'ms', without.median, { referenceName: 'the same failover without BFD (hold time 3 s)', samples: withBfd }));
  return out;
}
