/**
 * Our speaker against GoBGP 3, BIRD 2 and FRR 8 in network namespaces: TCP-MD5, IPv4 + IPv6 prefixes with
 * communities, large communities and local-pref checked in each router's RIB; wrong password; withdrawal.
 * Messages the routers send are captured and decoded (and kept as fixtures with BGP_CAPTURE=1).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { netnsUnavailableReason, sh } from '../helpers/netns.js';
import { decodeMessage, splitMessages } from '../../images/speaker/src/bgp/messages/index.js';
import { decodedValue } from '../helpers/codec.js';
import { buildLab, destroyLab, NODE_AS, nodeV4, peerToRouter, ROUTER_AS, ROUTER_V6, SpeakerProc, until, type Lab, type RouterKind } from './lab.js';
import { readRib, routerEstablished, startRouter } from './routers.js';

const skip = netnsUnavailableReason() ?? (sh('which', ['gobgpd', 'bird', 'vtysh'], { allowFail: true }).split('\n').filter(Boolean).length < 3 ? 'gobgpd, bird and FRR are not all installed' : undefined);
const suite = skip ? describe.skip : describe;
const FIXTURES = path.resolve(__dirname, '../fixtures/bgp');

const routes = [
  { prefix: '203.0.113.5/32', localPref: 150, communities: ['64512:100', 'no-export'], largeCommunities: ['64512:1:2'] },
  { prefix: '203.0.113.6/32', localPref: 150, communities: ['64512:100', 'no-export'], largeCommunities: ['64512:1:2'] },
  { prefix: '2001:db8:0:2::5/128', localPref: 120, communities: ['64512:200'], largeCommunities: ['64512:3:4'] },
];

suite(`BGP interop${skip ? ` (skipped: ${skip})` : ''}`, () => {
  jest.setTimeout(180_000);

  describe.each<[RouterKind, string]>([['gobgp', 'mlb-bgg'], ['bird', 'mlb-bgb'], ['frr', 'mlb-bgf']])('%s', (kind, prefix) => {
    let lab: Lab | undefined;
    let speaker: SpeakerProc | undefined;

    afterAll(async () => {
      await speaker?.stop('kill');
      await destroyLab(lab);
    });

    test('iBGP with TCP-MD5 reaches Established and carries IPv4 and IPv6 with communities, large communities and local-pref', async () => {
      lab = buildLab(prefix, 1);
      const pcap = path.join(lab.dir, 'bgp.pcap');
      const dump = lab.topo.spawn(lab.router, 'tcpdump', ['-i', 'eth0', '-U', '-n', '-w', pcap, 'tcp port 179']);
      // Start the router only once tcpdump says it listens, so the capture holds the router's OPEN.
      await new Promise<void>((resolve) => {
        let seen = '';
        const t = setTimeout(resolve, 10_000);
        dump.stderr?.on('data', (c: Buffer) => {
          seen += c.toString();
          if (seen.includes('listening on')) { clearTimeout(t); resolve(); }
        });
      });
      await startRouter(lab, kind, { nodes: [0], peerAs: ROUTER_AS, password: 's3cret-md5', exportRoute: true });
      speaker = new SpeakerProc(lab, lab.nodes[0] ?? '', { peers: [peerToRouter(0, { peerAs: ROUTER_AS, localAs: ROUTER_AS, password: 's3cret-md5' })], routes });
      await until('session Established on our side', () => speaker?.state('router') === 'Established', 60_000);
      await until('router sees Established', () => lab && routerEstablished(lab, kind, 0), 30_000);
      const rib = await until('3 prefixes in the router RIB', () => {
        const r = lab ? readRib(lab, kind).filter((e) => e.prefix !== '198.51.100.0/24') : [];
        return r.length >= 3 ? r : undefined;
      }, 30_000);
      const v4 = rib.find((e) => e.prefix === '203.0.113.5/32');
      expect(v4).toMatchObject({ nextHops: [nodeV4(0)], localPref: 150 });
      expect([...(v4?.communities ?? [])].sort()).toEqual(['64512:100', 'no-export']);
      expect(v4?.largeCommunities).toEqual(['64512:1:2']);
      const v6 = rib.find((e) => e.prefix === '2001:db8:0:2::5/128');
      expect(v6).toMatchObject({ localPref: 120, communities: ['64512:200'], largeCommunities: ['64512:3:4'] });
      expect(v6?.nextHops[0]).toBe('2001:db8:0:1::11');
      // The router's own route reached us and was ignored: the session is still up.
      await new Promise((r) => setTimeout(r, 500));
      expect(speaker.state('router')).toBe('Established');
      const m = await speaker.metrics();
      expect(m).toMatch(/metallb_bgp_session_up\{peer="192.0.2.1"\} 1/);
      expect(m).toMatch(/metallb_bgp_announced_prefixes_total\{peer="192.0.2.1"\} 3/);
      expect(m).toMatch(/metallb_bgp_opens_received\{peer="192.0.2.1"\} [1-9]/);
      // Everything the router sent decodes; keep it as fixtures when asked to.
      dump.kill('SIGINT');
      await new Promise((r) => dump.once('exit', r));
      const fromRouter = routerMessages(lab, pcap);
      // Our speaker counted the router's OPEN (metric above); on a loaded machine the capture can miss
      // segments, so here every captured message must decode, and the stored fixtures cover each router's OPEN.
      for (const b of fromRouter) expect(decodeMessage(b, { fourOctetAs: true })).toMatchObject({ ok: true });
      if (process.env.BGP_CAPTURE === '1') {
        fromRouter.forEach((b, i) => {
          const t = decodedValue(decodeMessage(b, { fourOctetAs: true })).type;
          if (t === 'open' || t === 'update') fs.writeFileSync(path.join(FIXTURES, `${t}-${kind}-${i}.bin`), b);
        });
      }
    });

    test('withdrawal removes the prefixes from the router', async () => {
      if (!lab || !speaker) throw new Error('previous test did not set up the lab');
      speaker.send({ routes: routes.slice(0, 1) });
      await until('router RIB shrinks to one of ours', () => lab && readRib(lab, kind).filter((e) => e.prefix !== '198.51.100.0/24').length === 1, 30_000);
    });

    test('a wrong TCP-MD5 password gives a clear log line and a metric instead of a hang', async () => {
      if (!lab) throw new Error('previous test did not set up the lab');
      await speaker?.stop('notify');
      speaker = new SpeakerProc(lab, lab.nodes[0] ?? '', { peers: [peerToRouter(0, { peerAs: ROUTER_AS, localAs: ROUTER_AS, password: 'wrong', connectTimeMs: 1000 })], routes });
      await until('connect timeout in the log', () => speaker?.logs.some((l) => l.includes('TCP-MD5 password')), 45_000);
      const m = await speaker.metrics();
      expect(m).toMatch(/metallb_bgp_connect_errors_total\{peer="192.0.2.1",reason="timeout"\} [1-9]/);
      expect(speaker.logs.join('\n')).not.toContain('wrong');
      expect(speaker.state('router')).not.toBe('Established');
    });
  });
});

suite(`BGP interop, listening side${skip ? ` (skipped: ${skip})` : ''}`, () => {
  jest.setTimeout(180_000);

  describe.each<[RouterKind, string]>([['bird', 'mlb-bgl'], ['frr', 'mlb-bgm']])('%s connects to our passive speaker over IPv6 with TCP-MD5', (kind, prefix) => {
    let lab: Lab | undefined;
    let speaker: SpeakerProc | undefined;
    afterAll(async () => {
      await speaker?.stop('kill');
      await destroyLab(lab);
    });

    test('Established through our listener, IPv4 and IPv6 prefixes in the RIB', async () => {
      lab = buildLab(prefix, 1);
      speaker = new SpeakerProc(lab, lab.nodes[0] ?? '', {
        peers: [peerToRouter(0, { address: ROUTER_V6, passive: true, password: 'listen-md5', nextHop4: nodeV4(0) })],
        routes: [{ prefix: '203.0.113.7/32', communities: ['64512:7'] }, { prefix: '2001:db8:0:2::7/128', largeCommunities: ['64512:7:7'] }],
        listenPort: 179,
      });
      await until('speaker listening', () => speaker?.events.some((e) => e.ready), 60_000);
      await startRouter(lab, kind, { nodes: [0], peerAs: NODE_AS, password: 'listen-md5', ipv6Session: true, active: true });
      await until('Established on both sides', () => speaker?.state('router') === 'Established' && lab && routerEstablished(lab, kind, 0, true), 60_000);
      const rib = await until('2 prefixes', () => { const r = lab ? readRib(lab, kind) : []; return r.length >= 2 ? r : undefined; }, 30_000);
      expect(rib.find((e) => e.prefix === '203.0.113.7/32')).toMatchObject({ nextHops: [nodeV4(0)], communities: ['64512:7'] });
      expect(rib.find((e) => e.prefix === '2001:db8:0:2::7/128')).toMatchObject({ largeCommunities: ['64512:7:7'] });
    });
  });
});

/** BGP messages the router sent (source port 179), from a pcap, via tshark. */
function routerMessages(lab: Lab, pcap: string): Buffer[] {
  const hex = sh('tshark', ['-r', pcap, '-Y', 'tcp.srcport == 179 && tcp.len > 0', '-T', 'fields', '-e', 'tcp.payload']);
  void lab;
  const stream = Buffer.from(hex.split('\n').map((l) => l.trim().replace(/:/g, '')).join(''), 'hex');
  return splitMessages(stream).messages.map((m) => Buffer.from(m));
}
