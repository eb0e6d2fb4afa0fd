// SPDX-License-Identifier: Apache-2.0
import { Registry } from 'prom-client';
import pino from 'pino';
import { ManualClock } from '../../../../../lib/clock.js';
import { addressId, nodeId } from '../../health/heartbeat.js';
import { Liveness } from '../../health/liveness.js';
import { ARP_REQUEST, arpFrame } from '../wire/arp.js';
import { decodeFrame } from '../wire/frame.js';
import type { LinkState } from './interfaces.js';
import { L2Metrics } from '../metrics.js';
import type { RawLink } from '../link/raw-link.js';
import { L2Speaker, type L2Instance, type SpeakerEvent } from './speaker.js';

const MAC_A = '02:00:00:00:00:0a';

/** A link that records what is sent and lets the test inject frames. */
class MemoryLink implements RawLink {
  sent: Uint8Array[] = [];
  closed = false;
  #fn: (f: Uint8Array) => void = () => undefined;
  constructor(readonly name: string, readonly mac: string) {}
  send(f: Uint8Array): void {
    this.sent.push(f);
  }
  onFrame(fn: (f: Uint8Array) => void): void {
    this.#fn = fn;
  }
  lost: (reason: string) => void = () => undefined;
  onClose(fn: (reason: string) => void): void {
    this.lost = fn;
  }
  inject(f: Uint8Array): void {
    this.#fn(f);
  }
  close(): void {
    this.closed = true;
  }
}

const inst = (ip: string, preferred?: string, interfaces: string[] = []): L2Instance => ({
  key: `default/web-c-${ip}`, service: { namespace: 'default', name: 'web' }, ip, preferred, eligible: ['node-a', 'node-b'], interfaces,
});

function setup(probeWaitMs = 0, returnDelayMs?: number) {
  const clock = new ManualClock();
  const reg = new Registry();
  const links = new Map<string, MemoryLink>();
  const events: SpeakerEvent[] = [];
  const ref: { sp?: L2Speaker } = {};
  const reports: number[] = [];
  const liveness = new Liveness(clock, { intervalMs: 100, multiplier: 3 }, () => ref.sp?.recompute(), (_n, changed) => ref.sp?.heard(changed));
  liveness.setPeers(['node-b']);
  const sp = new L2Speaker({
    node: 'node-a', clock, log: pino({ level: 'silent' }), metrics: new L2Metrics(reg, 'node-a'), liveness,
    announcer: { burstMs: [0], probeWaitMs, conflictRetryMs: 1000, refreshMs: 0 },
    openLink: (name, mac) => {
      const l = new MemoryLink(name, mac);
      links.set(name, l);
      return l;
    },
    onEvent: (e) => events.push(e),
    onReportChange: () => reports.push(clock.now()),
    ...(returnDelayMs !== undefined ? { returnDelayMs } : {}),
  });
  ref.sp = sp;
  const eth0: LinkState = { name: 'eth0', mac: MAC_A, up: true, enslaved: false, noArp: false };
  sp.setLinks([eth0]);
  sp.start();
  // node-b's heartbeat: by default it hears us and decides.
  const beat = (seq: number, links = ['eth0'], view = ['node-a'], holding = false): void => {
    const a = view.includes('node-a');
    const peers = [{ id: nodeId('node-a'), status: a ? ('live' as const) : ('silent' as const), accused: false, candidate: a && !holding }];
    void liveness.heard({ node: 'node-b', boot: 1, seq, stateVersion: seq, state: { maxVersion: 3, node: 'node-b', intervalMs: 100, apiOk: true, links, macs: ['02:00:00:00:00:0b'], holding, accused: false, candidate: !holding, peers } });
  };
  return { clock, reg, links, events, sp, liveness, beat, eth0, reports };
}

const whoHas = (ip: string): Uint8Array => arpFrame('ff:ff:ff:ff:ff:ff', { op: ARP_REQUEST, sha: '02:00:00:00:00:64', spa: '192.0.2.100', tha: '00:00:00:00:00:00', tpa: ip });

describe('L2Speaker', () => {
  test('waits one detection time before announcing, then owns what its live peers do not', () => {
    const { clock, sp } = setup();
    sp.setInstances([inst('192.0.2.200', 'node-a'), inst('192.0.2.201', 'node-b')]);
    expect(sp.announced()).toEqual([]);
    clock.advance(300);
    // node-b never sent a heartbeat: node-a takes both.
    expect(sp.announced().sort()).toEqual(['192.0.2.200', '192.0.2.201']);
  });

  test('answers who-has only for owned addresses', () => {
    const { clock, sp, links, beat } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.200', 'node-a'), inst('192.0.2.201', 'node-b')]);
    clock.advance(250);
    beat(2);
    clock.advance(100);
    expect(sp.announced()).toEqual(['192.0.2.200']);
    const eth0 = links.get('eth0');
    if (!eth0) throw new Error('eth0 not opened');
    eth0.sent = [];
    eth0.inject(whoHas('192.0.2.200'));
    eth0.inject(whoHas('192.0.2.201'));
    expect(eth0.sent.length).toBe(1);
    const r = decodeFrame(eth0.sent[0] ?? new Uint8Array());
    expect(r.ok && r.value.kind === 'arp' && r.value.arp.spa).toBe('192.0.2.200');
  });

  test('a peer that goes silent hands its address over; back, it does not take it again (not worth a move) and we list it as kept', () => {
    const { clock, sp, beat, events } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.201', 'node-b')]);
    clock.advance(250);
    beat(2);
    clock.advance(100);
    expect(sp.announced()).toEqual([]);
    clock.advance(300);
    expect(sp.announced()).toEqual(['192.0.2.201']);
    expect(events.at(-1)).toMatchObject({ type: 'announced', ip: '192.0.2.201', links: ['eth0'] });
    for (let seq = 3; seq < 40; seq++) {
      beat(seq);
      clock.advance(100);
    }
    expect(sp.announced()).toEqual(['192.0.2.201']);
    expect(sp.report().kept).toEqual([addressId('192.0.2.201')]);
  });

  test('two addresses of one Service on our node: the one taken over goes back once its node is back for the return delay', () => {
    const { clock, sp, beat } = setup(0, 1000);
    beat(1);
    sp.setInstances([inst('192.0.2.200', 'node-a'), inst('192.0.2.201', 'node-b')]);
    clock.advance(300);
    beat(2);
    clock.advance(300);
    expect(sp.announced().sort()).toEqual(['192.0.2.200', '192.0.2.201']);
    const back = clock.now();
    let seq = 3;
    while (clock.now() - back < 900) {
      beat(seq++);
      clock.advance(100);
    }
    expect(sp.announced().sort()).toEqual(['192.0.2.200', '192.0.2.201']);
    while (clock.now() - back < 1200) {
      beat(seq++);
      clock.advance(100);
    }
    expect(sp.announced()).toEqual(['192.0.2.200']);
    expect(sp.report().kept).toBeUndefined();
  });

  test('a keep ends when the address is placed on another node (its chain starts elsewhere)', () => {
    const { clock, sp, beat } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.201', 'node-b')]);
    clock.advance(300);
    beat(2);
    clock.advance(300);
    expect(sp.report().kept).toEqual([addressId('192.0.2.201')]);
    sp.setInstances([inst('192.0.2.201', 'node-a')]);
    expect(sp.report().kept).toBeUndefined();
    expect(sp.announced()).toEqual(['192.0.2.201']);
  });

  test('a peer whose L2 interface is down is not usable for the address', () => {
    const { clock, sp, beat } = setup();
    beat(1, []);
    sp.setInstances([inst('192.0.2.201', 'node-b')]);
    clock.advance(250);
    beat(2, []);
    clock.advance(60);
    expect(sp.announced()).toEqual(['192.0.2.201']);
  });

  test('our own link going down releases the address', () => {
    const { clock, sp, links, eth0 } = setup();
    sp.setInstances([inst('192.0.2.200', 'node-a')]);
    clock.advance(300);
    expect(sp.announced()).toEqual(['192.0.2.200']);
    sp.setLinks([{ ...eth0, up: false }]);
    expect(links.get('eth0')?.closed).toBe(true);
    expect(sp.announced()).toEqual([]);
  });

  test('a capture that dies (link down) releases the address; the next scan opens the link again', () => {
    const { clock, sp, links, eth0 } = setup();
    sp.setInstances([inst('192.0.2.200', 'node-a')]);
    clock.advance(300);
    const first = links.get('eth0');
    first?.lost('capture on eth0 ended');
    expect(sp.announced()).toEqual([]);
    sp.setLinks([eth0]);
    expect(links.get('eth0')).not.toBe(first);
    clock.advance(300);
    expect(sp.announced()).toEqual(['192.0.2.200']);
  });

  test('class interfaces: an address of a class limited to eth1 is not announced on eth0', () => {
    const { clock, sp } = setup();
    sp.setInstances([inst('192.0.2.200', 'node-a', ['eth1'])]);
    clock.advance(300);
    expect(sp.announced()).toEqual([]);
  });

  test('split-brain guard: no peers and no API server means no announcements', async () => {
    const { clock, sp, beat, reg } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.200', 'node-a')]);
    clock.advance(250);
    beat(2);
    clock.advance(100);
    expect(sp.announced()).toEqual(['192.0.2.200']);
    sp.setApiOk(false);
    // node-b still alive: keep announcing without the API server.
    expect(sp.announced()).toEqual(['192.0.2.200']);
    clock.advance(300);
    expect(sp.announced()).toEqual([]);
    expect(await reg.getSingleMetricAsString('metallb_layer2_isolated')).toMatch(/metallb_layer2_isolated 1/);
    sp.setApiOk(true);
    expect(sp.announced()).toEqual(['192.0.2.200']);
  });

  test('metrics: announced gauge and request/response counters', async () => {
    const { clock, sp, reg, links } = setup();
    sp.setInstances([inst('192.0.2.200', 'node-a')]);
    clock.advance(300);
    links.get('eth0')?.inject(whoHas('192.0.2.200'));
    const text = await reg.metrics();
    expect(text).toMatch(/metallb_speaker_announced\{ip="192.0.2.200",node="node-a",protocol="layer2",service="default\/web"\} 1/);
    expect(text).toMatch(/metallb_layer2_requests_received\{ip="192.0.2.200"\} 1/);
    expect(text).toMatch(/metallb_layer2_responses_sent\{ip="192.0.2.200"\} 1/);
    expect(text).toMatch(/metallb_layer2_gratuitous_sent\{ip="192.0.2.200"\} 1/);
  });
});

describe('L2Speaker after an outage of its own link', () => {
  test('hears its peers for one detection time before acquiring anything', () => {
    const { clock, sp, beat, eth0 } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.201', 'node-b')]);
    clock.advance(300);
    beat(2);
    sp.setLinks([{ ...eth0, up: false }]);
    // Our link is down: we miss node-b's heartbeats and think it is dead.
    clock.advance(400);
    sp.setLinks([eth0]);
    expect(sp.announced()).toEqual([]);
    clock.advance(100);
    beat(3);
    clock.advance(250);
    expect(sp.announced()).toEqual([]);
  });
});

describe('L2Speaker agreement with the peers\' views', () => {
  test('a peer that stopped hearing us took our address: we stand back at its first heartbeat, and resume once it hears us again', () => {
    const { clock, sp, beat, events } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.200', 'node-a')]);
    clock.advance(250);
    beat(2);
    clock.advance(50);
    expect(sp.announced()).toEqual(['192.0.2.200']);
    beat(3, ['eth0'], []);
    expect(sp.announced()).toEqual([]);
    expect(events.at(-1)).toMatchObject({ type: 'released', ip: '192.0.2.200' });
    beat(4);
    expect(sp.announced()).toEqual(['192.0.2.200']);
  });

  test('a holding peer (starting) is not elected and its empty view does not count', () => {
    const { clock, sp, beat } = setup();
    beat(1, ['eth0'], [], true);
    sp.setInstances([inst('192.0.2.201', 'node-b')]);
    clock.advance(250);
    beat(2, ['eth0'], [], true);
    clock.advance(50);
    expect(sp.announced()).toEqual(['192.0.2.201']);
    beat(3, ['eth0'], ['node-a'], false);
    expect(sp.announced()).toEqual([]);
  });

  test('we hold at start and say so: our report changes when the hold begins and ends', () => {
    const { clock, sp, reports } = setup();
    expect(sp.holding()).toBe(true);
    const before = reports.length;
    clock.advance(300);
    expect(sp.holding()).toBe(false);
    expect(reports.slice(before)).toEqual([300]);
  });

  test('after our own stall we keep what we hold, and take nothing new until the peers are heard again', () => {
    const { clock, sp, beat, reg } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.200', 'node-a')]);
    clock.advance(250);
    beat(2);
    clock.advance(300);
    beat(3);
    expect(sp.announced()).toEqual(['192.0.2.200']);
    clock.stall(500);
    expect(sp.announced()).toEqual(['192.0.2.200']);
    // A new address of ours, decided on what we knew before the stall: it waits.
    sp.setInstances([inst('192.0.2.200', 'node-a'), inst('192.0.2.202', 'node-a')]);
    expect(sp.announced()).toEqual(['192.0.2.200']);
    beat(4);
    // New to the segment: probed first (for 0 ms here), then announced.
    clock.advance(1);
    expect(sp.announced().sort()).toEqual(['192.0.2.200', '192.0.2.202']);
    return expect(reg.getSingleMetricAsString('metallb_layer2_stalls')).resolves.toMatch(/metallb_layer2_stalls 1/);
  });

  test('after our own stall, a peer that took our address says so in its next heartbeat and we release it', () => {
    const { clock, sp, beat } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.200', 'node-a')]);
    clock.advance(250);
    beat(2);
    clock.advance(50);
    clock.stall(600);
    beat(3, ['eth0'], []);
    expect(sp.announced()).toEqual([]);
    beat(4);
    expect(sp.announced()).toEqual(['192.0.2.200']);
  });

  test('after our own stall, a peer that died meanwhile goes down one interval later and we decide again', () => {
    const { clock, sp, beat } = setup();
    beat(1);
    sp.setInstances([inst('192.0.2.201', 'node-b')]);
    clock.advance(250);
    beat(2);
    clock.advance(50);
    expect(sp.announced()).toEqual([]);
    clock.stall(500);
    expect(sp.announced()).toEqual([]);
    clock.advance(100);
    expect(sp.announced()).toEqual(['192.0.2.201']);
  });
});
