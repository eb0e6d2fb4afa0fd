/**
 * GTSM (RFC 5082) against BIRD 2: with the annotation's hop count set, our speaker sends with TTL 255 and the kernel
 * drops the router's segments that arrive with less. BIRD with `ttl security on` comes up; BIRD without it sends
 * TTL 1 on a direct eBGP session, and that session never comes up.
 */
import { netnsUnavailableReason, sh } from '../helpers/netns.js';
import { buildLab, destroyLab, NODE_AS, peerToRouter, SpeakerProc, until, type Lab } from './lab.js';
import { birdc, routerEstablished, startRouter } from './routers.js';

const skip = netnsUnavailableReason() ?? (sh('which', ['bird'], { allowFail: true }) ? undefined : 'bird is not installed');
const suite = skip ? describe.skip : describe;

suite(`GTSM${skip ? ` (skipped: ${skip})` : ''}`, () => {
  jest.setTimeout(120_000);
  let lab: Lab | undefined;
  const speakers: SpeakerProc[] = [];
  afterAll(async () => {
    for (const s of speakers) await s.stop('kill');
    await destroyLab(lab);
  });

  test('a router that also runs GTSM comes up; one that sends TTL 1 never does', async () => {
    lab = buildLab('mlb-bgs', 2);
    const l = lab;
    await startRouter(l, 'bird', { nodes: [0, 1], peerAs: NODE_AS, ttlSecurity: [0] });
    for (const i of [0, 1]) speakers.push(new SpeakerProc(l, l.nodes[i] ?? '', { peers: [peerToRouter(i, { ttl: 255, minTtl: 255 })], routes: [] }));
    await until('the GTSM session up on both sides', () => speakers[0]?.state('router') === 'Established' && routerEstablished(l, 'bird', 0), 60_000);
    // Long enough for several connect attempts and the router's OPEN: none of its TTL-1 segments get through.
    await new Promise((r) => setTimeout(r, 8000));
    expect(speakers[1]?.events.some((e) => e.state === 'Established')).toBe(false);
    expect(routerEstablished(l, 'bird', 1)).toBe(false);
    // The same speaker without the check comes up at once: it was the TTL that kept the session down.
    // BIRD holds the half-open session (its OPEN never arrived) until its hold time runs out: restart it as an operator would.
    await speakers[1]?.stop('kill');
    birdc(l, 'restart spk1');
    const plain = new SpeakerProc(l, l.nodes[1] ?? '', { peers: [peerToRouter(1)], routes: [] });
    speakers.push(plain);
    await until('the session without GTSM up', () => plain.state('router') === 'Established', 60_000);
  });
});
