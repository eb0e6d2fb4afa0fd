/**
 * Graceful restart (RFC 4724, restarting speaker): a client pings the service IP through BIRD while the
 * node's speaker stops and starts again; BIRD and FRR keep the route until End-of-RIB, so no packet is lost.
 * Without graceful restart the same restart drops the route (the control case).
 */
import { netnsUnavailableReason, sh } from '../helpers/netns.js';
import { buildLab, destroyLab, NODE_AS, peerToRouter, SpeakerProc, until, type Lab, type RouterKind } from './lab.js';
import { startRouter } from './routers.js';

const skip = netnsUnavailableReason() ?? (sh('which', ['bird', 'vtysh', 'ping'], { allowFail: true }).split('\n').filter(Boolean).length < 3 ? 'bird, FRR and ping are not installed' : undefined);
const suite = skip ? describe.skip : describe;
const SERVICE = '203.0.113.20';

function routePresent(lab: Lab): boolean {
  return lab.topo.exec(lab.router, 'ip', ['route', 'show', SERVICE]).includes(SERVICE);
}

suite(`graceful restart${skip ? ` (skipped: ${skip})` : ''}`, () => describe.each<[RouterKind, string]>([['bird', 'mlb-bgr'], ['frr', 'mlb-bgq']])('%s', (kind, prefix) => {
  jest.setTimeout(180_000);
  let lab: Lab | undefined;
  const speakers: SpeakerProc[] = [];
  afterAll(async () => {
    for (const s of speakers) await s.stop('kill');
    await destroyLab(lab);
  });

  test('0 lost pings to the service IP across a speaker restart', async () => {
    lab = buildLab(prefix, 1, { client: true });
    const node = lab.nodes[0] ?? '';
    lab.topo.exec(node, 'ip', ['addr', 'add', `${SERVICE}/32`, 'dev', 'lo']);
    lab.topo.exec(node, 'ip', ['route', 'add', '198.51.100.0/24', 'via', '192.0.2.1']);
    await startRouter(lab, kind, { nodes: [0], peerAs: NODE_AS, gracefulRestart: true });
    const input = { peers: [peerToRouter(0, { gracefulRestart: { restartTime: 120 } })], routes: [{ prefix: `${SERVICE}/32` }] };
    const first = new SpeakerProc(lab, node, input);
    speakers.push(first);
    await until('route on the router', () => lab && routePresent(lab), 60_000);
    const ping = lab.topo.spawn(lab.client ?? '', 'ping', ['-n', '-i', '0.01', '-W', '1', SERVICE]);
    let out = '';
    ping.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
    await new Promise((r) => setTimeout(r, 500));
    await first.stop('graceful');
    const second = new SpeakerProc(lab, node, input);
    speakers.push(second);
    await until('speaker back up', () => second.state('router') === 'Established', 60_000);
    await new Promise((r) => setTimeout(r, 1000));
    ping.kill('SIGINT');
    await new Promise((r) => ping.once('exit', r));
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    expect(m).not.toBeNull();
    const sent = Number(m?.[1]);
    const got = Number(m?.[2]);
    console.log(`graceful restart through ${kind}: ${sent} pings sent, ${got} received`);
    expect(sent).toBeGreaterThan(50);
    expect(got).toBe(sent);
    expect(routePresent(lab)).toBe(true);
  });

  test('control: a non-graceful stop withdraws the route at once', async () => {
    if (!lab) throw new Error('previous test did not set up the lab');
    await speakers.at(-1)?.stop('notify');
    await until('route gone', () => lab && !routePresent(lab), 5000, 20);
  });
}));
