// SPDX-License-Identifier: Apache-2.0
/** The speaker with links that answer by themselves (the packet link's fast path). */
import { Registry } from 'prom-client';
import pino from 'pino';
import { ManualClock } from '../../../../../lib/clock.js';
import { Liveness } from '../../health/liveness.js';
import { ARP_REQUEST, arpFrame } from '../wire/arp.js';
import type { LinkState } from './interfaces.js';
import { L2Metrics } from '../metrics.js';
import type { RawLink } from '../link/raw-link.js';
import { L2Speaker, type L2Instance, type SpeakerEvent } from './speaker.js';

/** Records the changes it is told and the addresses it answers then; the test confirms each change when it likes. */
class DelegatingLink implements RawLink {
  sent: Uint8Array[] = [];
  changes: { add: string[]; remove: string[] }[] = [];
  readonly #answers = new Set<string>();
  closed = false;
  readonly #confirm: (() => void)[] = [];
  #frame: (f: Uint8Array) => void = () => undefined;
  #answered: (ip: string) => void = () => undefined;
  constructor(readonly name: string, readonly mac: string) {}
  send(f: Uint8Array): void {
    this.sent.push(f);
  }
  onFrame(fn: (f: Uint8Array) => void): void {
    this.#frame = fn;
  }
  lost: (reason: string) => void = () => undefined;
  onClose(fn: (reason: string) => void): void {
    this.lost = fn;
  }
  onAnswered(fn: (ip: string) => void): void {
    this.#answered = fn;
  }
  answerChange(add: readonly string[], remove: readonly string[]): Promise<void> {
    this.changes.push({ add: [...add], remove: [...remove] });
    for (const ip of remove) this.#answers.delete(ip);
    for (const ip of add) this.#answers.add(ip);
    return new Promise((done) => this.#confirm.push(done));
  }
  /** What it answers now. */
  get answers(): string[] {
    return [...this.#answers].sort();
  }
  /** The link applied everything it was told so far. */
  confirm(): void {
    for (const c of this.#confirm.splice(0)) c();
  }
  answered(ip: string): void {
    this.#answered(ip);
  }
  inject(f: Uint8Array): void {
    this.#frame(f);
  }
  close(): void {
    this.closed = true;
    this.confirm();
  }
}

const inst = (ip: string, interfaces: string[] = []): L2Instance => ({
  key: `default/web-c-${ip}`, service: { namespace: 'default', name: 'web' }, ip, eligible: ['node-a'], interfaces,
});

const state = (name: string, mac: string): LinkState => ({ name, mac, up: true, enslaved: false, noArp: false });

/** Lets promise callbacks run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup() {
  const clock = new ManualClock();
  const reg = new Registry();
  const links = new Map<string, DelegatingLink>();
  const events: SpeakerEvent[] = [];
  const ref: { sp?: L2Speaker } = {};
  const liveness = new Liveness(clock, { intervalMs: 100, multiplier: 3 }, () => ref.sp?.recompute());
  liveness.setPeers([]);
  const sp = new L2Speaker({
    node: 'node-a', clock, log: pino({ level: 'silent' }), metrics: new L2Metrics(reg, 'node-a'), liveness,
    announcer: { burstMs: [0], probeWaitMs: 0, conflictRetryMs: 1000, refreshMs: 0 },
    openLink: (name, mac) => {
      const l = new DelegatingLink(name, mac);
      links.set(name, l);
      return l;
    },
    onEvent: (e) => events.push(e),
  });
  ref.sp = sp;
  sp.setLinks([state('eth0', '02:00:00:00:00:0a'), state('eth1', '02:00:00:00:00:1a')]);
  sp.start();
  const link = (name: string): DelegatingLink => {
    const l = links.get(name);
    if (!l) throw new Error(`no link ${name}`);
    return l;
  };
  return { clock, reg, events, sp, link };
}

const whoHas = (ip: string): Uint8Array => arpFrame('ff:ff:ff:ff:ff:ff', { op: ARP_REQUEST, sha: '02:00:00:00:00:64', spa: '192.0.2.100', tha: '00:00:00:00:00:00', tpa: ip });

describe('L2Speaker with links that answer by themselves', () => {
  test('each link is told exactly the announced addresses its interface may answer', () => {
    const { clock, sp, link } = setup();
    sp.setInstances([inst('192.0.2.200'), inst('192.0.2.201', ['eth1']), inst('2001:db8:0:1::200')]);
    expect(link('eth0').changes).toEqual([]);
    clock.advance(300);
    expect(sp.announced().sort()).toEqual(['192.0.2.200', '192.0.2.201', '2001:db8:0:1::200']);
    expect(link('eth0').answers).toEqual(['192.0.2.200', '2001:db8:0:1::200']);
    expect(link('eth1').answers).toEqual(['192.0.2.200', '192.0.2.201', '2001:db8:0:1::200']);
  });

  test('only changes are sent: nothing for an unchanged set, one address for one address that moves', () => {
    const { clock, sp, link } = setup();
    const many = Array.from({ length: 50 }, (_, i) => inst(`192.0.2.${100 + i}`));
    sp.setInstances(many);
    clock.advance(300);
    expect(link('eth0').answers).toHaveLength(50);
    const n = link('eth0').changes.length;
    sp.recompute();
    sp.setInstances(many);
    expect(link('eth0').changes.length).toBe(n);
    sp.setInstances(many.slice(1));
    expect(link('eth0').changes.slice(n)).toEqual([{ add: [], remove: ['192.0.2.100'] }]);
    sp.setInstances([...many.slice(1), inst('192.0.2.200')]);
    clock.advance(300);
    expect(link('eth0').changes.slice(n + 1)).toEqual([{ add: ['192.0.2.200'], remove: [] }]);
    expect(link('eth0').answers).toHaveLength(50);
  });

  test('a release is reported only once every link stopped answering the address', async () => {
    const { clock, sp, events, link } = setup();
    sp.setInstances([inst('192.0.2.200'), inst('192.0.2.201')]);
    clock.advance(300);
    link('eth0').confirm();
    link('eth1').confirm();
    await settle();
    events.length = 0;

    sp.setInstances([inst('192.0.2.201')]);
    // Stopped at once here, and the links are told at once ...
    expect(sp.announced()).toEqual(['192.0.2.201']);
    expect(link('eth0').answers).toEqual(['192.0.2.201']);
    expect(link('eth1').answers).toEqual(['192.0.2.201']);
    // ... but reported only when both confirmed.
    await settle();
    expect(events).toEqual([]);
    link('eth0').confirm();
    await settle();
    expect(events).toEqual([]);
    link('eth1').confirm();
    await settle();
    expect(events).toMatchObject([{ type: 'released', ip: '192.0.2.200' }]);
  });

  test('reports keep their order: an announcement waits behind a release not yet confirmed', async () => {
    const { clock, sp, events, link } = setup();
    sp.setInstances([inst('192.0.2.200')]);
    clock.advance(300);
    events.length = 0;
    sp.setInstances([]);
    sp.setInstances([inst('192.0.2.201')]);
    clock.advance(300);
    expect(sp.announced()).toEqual(['192.0.2.201']);
    await settle();
    expect(events).toEqual([]);
    link('eth0').confirm();
    link('eth1').confirm();
    await settle();
    expect(events.map((e) => `${e.type} ${e.ip}`)).toEqual(['released 192.0.2.200', 'announced 192.0.2.201']);
  });

  test('answers the link gave count in the metrics as requests and responses', async () => {
    const { clock, sp, reg, link } = setup();
    sp.setInstances([inst('192.0.2.200')]);
    clock.advance(300);
    link('eth0').answered('192.0.2.200');
    link('eth1').answered('192.0.2.200');
    const value = async (name: string): Promise<number | undefined> => (await reg.getSingleMetric(name)?.get())?.values.find((v) => v.labels.ip === '192.0.2.200')?.value;
    expect(await value('metallb_layer2_requests_received')).toBe(2);
    expect(await value('metallb_layer2_responses_sent')).toBe(2);
  });

  test('a request the link passes on anyway (before it learnt the address) is still answered', () => {
    const { clock, sp, link } = setup();
    sp.setInstances([inst('192.0.2.200')]);
    clock.advance(300);
    const before = link('eth0').sent.length;
    link('eth0').inject(whoHas('192.0.2.200'));
    expect(link('eth0').sent.length).toBe(before + 1);
  });

  test('a capture that ended is replaced by one that is told the current addresses', () => {
    const { clock, sp, link } = setup();
    sp.setInstances([inst('192.0.2.200')]);
    clock.advance(300);
    const old = link('eth0');
    old.lost('capture on eth0 ended (SIGKILL)');
    // The next scan opens the link again; the new capture starts from nothing and must be told.
    sp.setLinks([state('eth0', '02:00:00:00:00:0a'), state('eth1', '02:00:00:00:00:1a')]);
    expect(link('eth0')).not.toBe(old);
    expect(link('eth0').answers).toEqual(['192.0.2.200']);
  });

  test('stop closes the links and reports every release at once', () => {
    const { clock, sp, events, link } = setup();
    sp.setInstances([inst('192.0.2.200')]);
    clock.advance(300);
    events.length = 0;
    sp.stop();
    expect(link('eth0').closed && link('eth1').closed).toBe(true);
    expect(events).toMatchObject([{ type: 'released', ip: '192.0.2.200' }]);
  });
});
