/**
 * What real routers send the speakers: BIRD 2, FRR 8 and GoBGP 3, each route reflector for two speakers and a feeder peer,
 * send default routes, an aggregate (ATOMIC_AGGREGATE, AGGREGATOR), communities, large and extended communities, and
 * reflected routes (ORIGINATOR_ID, CLUSTER_LIST). The speakers decode all of it, and every session comes up once and stays up.
 */
import * as path from 'node:path';
import { netnsUnavailableReason, sh } from '../helpers/netns.js';
import { buildLab, destroyLab, nodeV4, peerToRouter, repoRoot, ROUTER_AS, ROUTER_V4, SpeakerProc, until, type Lab, type RouterKind } from './lab.js';
import { ORIGINATED, routerEstablished, startRouter } from './routers.js';

const skip = netnsUnavailableReason() ?? (sh('which', ['gobgpd', 'bird', 'vtysh'], { allowFail: true }).split('\n').filter(Boolean).length < 3 ? 'gobgpd, bird and FRR are not all installed' : undefined);
const suite = skip ? describe.skip : describe;
const FED = '198.51.100.192/26';
const ours = (i: number) => `203.0.113.${20 + i}/32`;

interface Received {
  prefixes: Set<string>;
  kinds: Set<string>;
}

/** What a speaker logged as received (its debug lines "UPDATE received"). */
function received(s: SpeakerProc): Received {
  const r: Received = { prefixes: new Set(), kinds: new Set() };
  for (const line of s.logs) {
    if (!line.includes('"updateReceived"')) continue;
    const j = JSON.parse(line) as { nlri: string[]; attributes: string[] };
    for (const p of j.nlri) r.prefixes.add(p);
    for (const k of j.attributes) r.kinds.add(k);
  }
  return r;
}

suite(`routes from routers${skip ? ` (skipped: ${skip})` : ''}`, () => {
  jest.setTimeout(180_000);

  describe.each<[RouterKind, string]>([['gobgp', 'mlb-rfg'], ['bird', 'mlb-rfb'], ['frr', 'mlb-rff']])('%s', (kind, prefix) => {
    let lab: Lab | undefined;
    const speakers: SpeakerProc[] = [];
    afterAll(async () => {
      for (const s of speakers) await s.stop('kill');
      await destroyLab(lab);
    });

    test('defaults, an aggregate, every kind of community and reflected routes reach both speakers; no session resets', async () => {
      lab = buildLab(prefix, 3);
      const l = lab;
      await startRouter(l, kind, { nodes: [0, 1, 2], peerAs: ROUTER_AS, reflect: true, originate: true });
      for (const i of [0, 1]) {
        speakers.push(new SpeakerProc(l, l.nodes[i] ?? '', { peers: [peerToRouter(i, { peerAs: ROUTER_AS, localAs: ROUTER_AS })], routes: [{ prefix: ours(i) }] }, { logLevel: 'debug' }));
      }
      const feeder = l.topo.spawn(l.nodes[2] ?? '', process.execPath, [path.join(repoRoot(), 'test/bgp/run-ts.js'), path.join(repoRoot(), 'test/bgp/feeder.ts'), ROUTER_V4, String(ROUTER_AS), nodeV4(2), FED], { cwd: repoRoot() });
      let fed = '';
      feeder.stdout?.on('data', (b: Buffer) => { fed += b.toString(); });
      feeder.stderr?.on('data', (b: Buffer) => { fed += b.toString(); });
      await until('both speakers Established', () => speakers.every((s) => s.state('router') === 'Established'), 60_000);
      await until('the feeder is up', () => fed.includes('established'), 30_000);

      const want = [...ORIGINATED.defaults, ORIGINATED.tagged, FED, ...(kind === 'frr' ? [ORIGINATED.aggregate] : [])];
      const kinds = ['atomicAggregate', 'aggregator', 'communities', 'largeCommunities', 'extendedCommunities', 'originatorId', 'clusterList', 'localPref', 'mpReach'];
      for (const [i, s] of speakers.entries()) {
        const r = await until(`speaker ${i} received every route`, () => {
          const x = received(s);
          const missing = [...[...want, ours(1 - i)].filter((p) => !x.prefixes.has(p)), ...kinds.filter((k) => !x.kinds.has(k))];
          if (missing.length) throw new Error(`not yet: ${missing.join(', ')} (feeder: ${fed.trim()})`);
          return x;
        }, 60_000);
        expect([...r.prefixes].sort()).toEqual(expect.arrayContaining([...want, ours(1 - i)].sort()));
      }
      // Let a few more keepalive-less seconds pass: nothing may reset meanwhile.
      await new Promise((r) => setTimeout(r, 2000));
      for (const s of speakers) {
        expect(s.events.filter((e) => e.peer === 'router' && e.state).map((e) => e.state)).toEqual(['Connect', 'OpenSent', 'OpenConfirm', 'Established']);
        const m = await s.metrics();
        expect(m).not.toMatch(/metallb_bgp_notifications_sent\{/);
        expect(m).not.toMatch(/metallb_bgp_update_errors_total\{/);
      }
      expect(routerEstablished(l, kind, 0) && routerEstablished(l, kind, 1)).toBe(true);
    });
  });
});
