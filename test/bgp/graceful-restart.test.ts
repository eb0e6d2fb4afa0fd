/**
 * Graceful restart (RFC 4724), our speaker as the restarting speaker, against BIRD, FRR and GoBGP as helpers:
 * - a graceful stop closes TCP without a NOTIFICATION; the router keeps the routes (stale) and, for BIRD and FRR,
 *   keeps forwarding: a client pinging the service IP through the router loses nothing;
 * - the new process opens with R and F set, sends its routes, then End-of-RIB: the stale mark goes, and a route the
 *   new process no longer announces is removed at End-of-RIB, not when the helper's own stale timer runs out;
 * - SIGKILL looks the same to the router (the kernel closes the socket);
 * - a speaker that does not come back within its restart time loses its routes;
 * - a non-graceful stop (Cease) withdraws at once (the control case);
 * - with BFD (BIRD and FRR as `bfd on`, no `bfd graceful`), a graceful stop asks the router's BFD to wait for the
 *   restart time and the next process resumes the BFD session: the router sees no BFD Down (BIRD would take even an
 *   AdminDown for a failure and flush the routes), while a frozen speaker still loses its routes within the BFD
 *   detection time.
 * A withdrawal is caught as it happens: `ip monitor route` in the router for BIRD and FRR (they install into the
 * kernel), `gobgp monitor global rib` for GoBGP.
 */
import type { ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { netnsUnavailableReason, sh } from '../helpers/netns.js';
import { buildLab, destroyLab, NODE_AS, peerToRouter, ROUTER_V4, SpeakerProc, until, type Lab, type RouterKind } from './lab.js';
import { birdc, readRib, routerEstablished, startRouter, vtysh } from './routers.js';

const tools = ['bird', 'vtysh', 'gobgpd', 'ping'];
const skip = netnsUnavailableReason() ?? (sh('which', tools, { allowFail: true }).split('\n').filter(Boolean).length < tools.length ? `${tools.join(', ')} are not all installed` : undefined);
const suite = skip ? describe.skip : describe;
const SERVICE = '203.0.113.20';
const OLD = '203.0.113.21';

/** Withdrawals of our prefixes seen by the router, as they happen. */
class WithdrawalWatch {
  readonly lines: string[] = [];
  readonly #proc: ChildProcess;

  constructor(lab: Lab, readonly kind: RouterKind) {
    this.#proc = kind === 'gobgp'
      ? lab.topo.spawn(lab.router, 'gobgp', ['monitor', 'global', 'rib', '-j'])
      : lab.topo.spawn(lab.router, 'ip', ['-4', 'monitor', 'route']);
    let rest = '';
    this.#proc.stdout?.on('data', (b: Buffer) => {
      const all = rest + b.toString();
      const parts = all.split('\n');
      rest = parts.pop() ?? '';
      this.lines.push(...parts.filter(Boolean));
    });
  }

  /** Withdrawals (GoBGP) or kernel route deletions (BIRD, FRR) of `ip`. */
  withdrawn(ip: string): string[] {
    if (this.kind === 'gobgp') return this.lines.filter((l) => l.includes(`"${ip}/32"`) && /"withdrawal":\s*true/.test(l));
    return this.lines.filter((l) => l.startsWith('Deleted') && l.split(' ')[1] === ip);
  }

  stop(): void {
    this.#proc.kill('SIGKILL');
  }
}

/** Whether the router holds `ip/32` from our speaker, and whether it is marked stale (a graceful restart in progress). */
function routeState(lab: Lab, kind: RouterKind, ip: string): 'absent' | 'stale' | 'fresh' {
  const prefix = `${ip}/32`;
  if (kind === 'gobgp') {
    const j = JSON.parse(lab.topo.exec(lab.router, 'gobgp', ['global', 'rib', '-a', 'ipv4', '-j']) || '{}') as Record<string, Array<{ stale?: boolean }>>;
    const paths = j[prefix];
    return !paths?.length ? 'absent' : paths.some((p) => p.stale) ? 'stale' : 'fresh';
  }
  if (kind === 'frr') {
    const j = JSON.parse(vtysh(lab, [`show bgp ipv4 unicast ${prefix} json`]) || '{}') as { paths?: Array<{ stale?: boolean }> };
    return !j.paths?.length ? 'absent' : j.paths.some((p) => p.stale) ? 'stale' : 'fresh';
  }
  // birdc fails ("Network not found") for a route it does not have.
  if (!lab.topo.exec(lab.router, 'birdc', ['-s', path.join(lab.dir, 'bird', 'bird.ctl'), 'show', 'route', prefix], { allowFail: true }).includes(prefix)) return 'absent';
  // BIRD marks no route; the protocol says its neighbour's graceful restart is on until End-of-RIB.
  return /Neighbor graceful restart active|Neighbor GR:/.test(birdc(lab, 'show protocols all spk0')) ? 'stale' : 'fresh';
}

function hasRoute(lab: Lab, kind: RouterKind, ip: string): boolean {
  return readRib(lab, kind).some((r) => r.prefix === `${ip}/32`);
}

/** Pings through the router (BIRD and FRR forward by their kernel routes); the result when stopped. */
function pinger(lab: Lab): () => Promise<{ sent: number; got: number }> {
  const ping = lab.topo.spawn(lab.client ?? '', 'ping', ['-n', '-i', '0.01', '-W', '1', SERVICE]);
  let out = '';
  ping.stdout?.on('data', (b: Buffer) => { out += b.toString(); });
  return async () => {
    ping.kill('SIGINT');
    await new Promise((r) => ping.once('exit', r));
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    if (!m) throw new Error(`no ping summary in: ${out.slice(-300)}`);
    return { sent: Number(m[1]), got: Number(m[2]) };
  };
}

const ROUTERS: Array<[RouterKind, string]> = [['bird', 'mlb-bgr'], ['frr', 'mlb-bgq'], ['gobgp', 'mlb-bgg']];

suite(`graceful restart${skip ? ` (skipped: ${skip})` : ''}`, () => describe.each(ROUTERS)('%s', (kind, prefix) => {
  jest.setTimeout(180_000);
  let lab: Lab | undefined;
  let watch: WithdrawalWatch | undefined;
  const speakers: SpeakerProc[] = [];
  const forwards = kind !== 'gobgp';
  const peer = (restartTime = 120) => peerToRouter(0, { gracefulRestart: { restartTime } });
  const start = (routes: string[], restartTime?: number): SpeakerProc => {
    if (!lab) throw new Error('no lab');
    const s = new SpeakerProc(lab, lab.nodes[0] ?? '', { peers: [peer(restartTime)], routes: routes.map((ip) => ({ prefix: `${ip}/32` })) });
    speakers.push(s);
    return s;
  };
  afterAll(async () => {
    watch?.stop();
    for (const s of speakers) await s.stop('kill');
    await destroyLab(lab);
  });

  test('a graceful restart keeps the route (stale meanwhile) and loses no packet; End-of-RIB clears the mark and removes what the new process dropped', async () => {
    lab = buildLab(prefix, 1, { client: true });
    const l = lab;
    const node = l.nodes[0] ?? '';
    l.topo.exec(node, 'ip', ['addr', 'add', `${SERVICE}/32`, 'dev', 'lo']);
    l.topo.exec(node, 'ip', ['route', 'add', '198.51.100.0/24', 'via', '192.0.2.1']);
    await startRouter(l, kind, { nodes: [0], peerAs: NODE_AS, gracefulRestart: true });
    watch = new WithdrawalWatch(l, kind);
    const first = start([SERVICE, OLD]);
    await until('routes on the router', () => hasRoute(l, kind, SERVICE) && hasRoute(l, kind, OLD), 60_000);
    const ping = forwards ? pinger(l) : undefined;
    await new Promise((r) => setTimeout(r, 300));

    await first.stop('graceful');
    await until('the router notices the session went', () => !routerEstablished(l, kind, 0), 10_000, 50);
    expect(routeState(l, kind, SERVICE)).toBe('stale');
    expect(routeState(l, kind, OLD)).toBe('stale');

    // The new process no longer has OLD: End-of-RIB must take it away.
    const second = start([SERVICE]);
    await until('speaker back up', () => second.state('router') === 'Established', 60_000);
    await until('End-of-RIB: the stale mark goes', () => routeState(l, kind, SERVICE) === 'fresh', 10_000, 50);
    await until('End-of-RIB: the dropped route goes', () => routeState(l, kind, OLD) === 'absent', 10_000, 50);
    await new Promise((r) => setTimeout(r, 300));
    expect(watch.withdrawn(SERVICE)).toEqual([]);
    expect(watch.withdrawn(OLD).length).toBeGreaterThan(0);
    if (ping) {
      const { sent, got } = await ping();
      console.log(`graceful restart through ${kind}: ${sent} pings sent, ${got} received`);
      expect(sent).toBeGreaterThan(50);
      expect(got).toBe(sent);
    }
  });

  test('SIGKILL: the router keeps the routes as well (the node still forwards), and the next process takes them over', async () => {
    const l = lab;
    if (!l || !watch) throw new Error('previous test did not set up the lab');
    const before = watch.withdrawn(SERVICE).length;
    await speakers.at(-1)?.stop('kill');
    await until('the router notices the session went', () => !routerEstablished(l, kind, 0), 10_000, 50);
    expect(routeState(l, kind, SERVICE)).toBe('stale');
    const next = start([SERVICE]);
    await until('speaker back up', () => next.state('router') === 'Established', 60_000);
    await until('End-of-RIB', () => routeState(l, kind, SERVICE) === 'fresh', 10_000, 50);
    expect(watch.withdrawn(SERVICE).length).toBe(before);
  });

  test('a changed session (another hold time) restarts gracefully: the route stays', async () => {
    const l = lab;
    if (!l || !watch) throw new Error('previous test did not set up the lab');
    const s = speakers.at(-1);
    const before = watch.withdrawn(SERVICE).length;
    const ups = s?.events.filter((e) => e.state === 'Established').length ?? 0;
    s?.send({ peers: [peerToRouter(0, { gracefulRestart: { restartTime: 120 }, holdTime: 60 })] });
    await until('the new session is up', () => (s?.events.filter((e) => e.state === 'Established').length ?? 0) > ups, 60_000);
    await until('End-of-RIB', () => routeState(l, kind, SERVICE) === 'fresh', 10_000, 50);
    expect(watch.withdrawn(SERVICE).length).toBe(before);
  });

  test('a speaker that does not come back within its restart time loses its routes', async () => {
    const l = lab;
    if (!l || !watch) throw new Error('previous test did not set up the lab');
    await speakers.at(-1)?.stop('notify');
    await until('route gone', () => !hasRoute(l, kind, SERVICE), 10_000, 50);
    const short = start([SERVICE], 3);
    await until('speaker up with a 3 s restart time', () => short.state('router') === 'Established' && hasRoute(l, kind, SERVICE), 60_000);
    const stopped = Date.now();
    await short.stop('graceful');
    await until('the router notices the session went', () => !routerEstablished(l, kind, 0), 10_000, 50);
    expect(hasRoute(l, kind, SERVICE)).toBe(true);
    await until('routes gone after the restart time', () => !hasRoute(l, kind, SERVICE), 30_000, 100);
    const held = Date.now() - stopped;
    console.log(`${kind} kept the routes of a speaker that stayed away for ${held} ms (restart time 3 s)`);
    expect(held).toBeGreaterThanOrEqual(2500);
  });

  test('control: a non-graceful stop (Cease) withdraws the route at once', async () => {
    const l = lab;
    if (!l) throw new Error('previous test did not set up the lab');
    const s = start([SERVICE]);
    await until('speaker up', () => s.state('router') === 'Established' && routeState(l, kind, SERVICE) === 'fresh', 60_000);
    await s.stop('notify');
    await until('route gone', () => !hasRoute(l, kind, SERVICE), 5000, 20);
  });
}));

const BFD = [{ address: ROUTER_V4, receiveIntervalMs: 300, transmitIntervalMs: 300, detectMultiplier: 3, passive: false }];

suite(`graceful restart with BFD${skip ? ` (skipped: ${skip})` : ''}`, () => describe.each<[RouterKind, string]>([['frr', 'mlb-bgf'], ['bird', 'mlb-bgb']])('%s', (kind, prefix) => {
  jest.setTimeout(180_000);
  let lab: Lab | undefined;
  const speakers: SpeakerProc[] = [];
  const start = (): SpeakerProc => {
    if (!lab) throw new Error('no lab');
    const s = new SpeakerProc(lab, lab.nodes[0] ?? '', { peers: [peerToRouter(0, { gracefulRestart: { restartTime: 120 } })], routes: [{ prefix: `${SERVICE}/32` }], bfd: BFD });
    speakers.push(s);
    return s;
  };
  const up = async (s: SpeakerProc): Promise<void> => {
    await until('BGP and BFD up', () => s.state('router') === 'Established' && s.events.some((e) => e.bfd && e.state === 'up'), 60_000);
  };
  afterAll(async () => {
    for (const s of speakers) {
      s.proc.kill('SIGCONT');
      await s.stop('kill');
    }
    await destroyLab(lab);
  });

  test('a graceful restart keeps the route and the BFD session: the router sees no BFD Down', async () => {
    lab = buildLab(prefix, 1);
    const l = lab;
    await startRouter(l, kind, { nodes: [0], peerAs: NODE_AS, gracefulRestart: true, bfd: true });
    const watch = new WithdrawalWatch(l, kind);
    try {
      const first = start();
      await up(first);
      await until('route', () => hasRoute(l, kind, SERVICE), 10_000);
      await first.stop('graceful');
      // Past the router's usual BFD detection time (900 ms) with nobody answering its BFD packets.
      await new Promise((r) => setTimeout(r, 1500));
      expect(hasRoute(l, kind, SERVICE)).toBe(true);
      const second = start();
      await up(second);
      await until('End-of-RIB', () => routeState(l, kind, SERVICE) === 'fresh', 10_000, 50);
      expect(watch.withdrawn(SERVICE)).toEqual([]);
    } finally {
      watch.stop();
    }
  });

  test('a frozen speaker (BGP open, BFD silent) still loses its routes within the BFD detection time', async () => {
    const l = lab;
    const s = speakers.at(-1);
    if (!l || !s) throw new Error('previous test did not set up the lab');
    const t0 = Date.now();
    s.proc.kill('SIGSTOP');
    await until('route withdrawn', () => !hasRoute(l, kind, SERVICE), 10_000, 50);
    console.log(`${kind}: a frozen speaker's route withdrawn ${Date.now() - t0} ms after SIGSTOP (BFD 300 ms x 3)`);
    expect(Date.now() - t0).toBeLessThan(3000);
  });
}));
