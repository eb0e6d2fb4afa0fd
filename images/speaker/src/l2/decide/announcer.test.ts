// SPDX-License-Identifier: Apache-2.0
import { ManualClock } from '../../../../../lib/clock.js';
import { Announcer, DEFEND_INTERVAL_MS, type AnnouncerEvent, type AnnouncerOptions } from './announcer.js';
import { decodeFrame, type L2Message } from '../wire/frame.js';

const US = '02:00:00:00:00:0b';
const PEER = '02:00:00:00:00:0c';
const STRANGER = '02:00:00:00:00:99';
const OPTS: AnnouncerOptions = { burstMs: [0, 50, 1100], probeWaitMs: 200, conflictRetryMs: 10_000, refreshMs: 0 };

function setup(opts = OPTS) {
  const clock = new ManualClock();
  const sent: Array<{ at: number; link: string; msg: L2Message }> = [];
  const events: AnnouncerEvent[] = [];
  const a = new Announcer(clock, opts, {
    links: () => [{ name: 'eth0', mac: US }],
    send: (link, frame) => {
      const d = decodeFrame(frame);
      if (!d.ok) throw new Error(`we sent a bad frame: ${d.error.reason}`);
      sent.push({ at: clock.now(), link, msg: d.value });
    },
    isSpeakerMac: (mac) => mac === PEER,
    event: (e) => events.push(e),
  });
  return { clock, sent, events, a };
}

const kinds = (sent: Array<{ at: number; msg: L2Message }>): string[] =>
  sent.map(({ at, msg }) => `${at}:${msg.kind}${msg.kind === 'arp' ? `${msg.arp.op}/${msg.arp.spa}` : ''}`);

describe('announcer', () => {
  test('takeover: a probe and gratuitous ARP request and reply at once, then on the schedule', () => {
    const { clock, sent, a } = setup();
    a.acquire('192.0.2.200', false);
    expect(a.announcing('192.0.2.200')).toBe(true);
    clock.advance(2000);
    expect(kinds(sent)).toEqual([
      '0:arp1/0.0.0.0',
      '0:arp1/192.0.2.200', '0:arp2/192.0.2.200',
      '50:arp1/192.0.2.200', '50:arp2/192.0.2.200',
      '1100:arp1/192.0.2.200', '1100:arp2/192.0.2.200',
    ]);
  });

  test('a new address is probed (sender 0.0.0.0) and announced only after the wait', () => {
    const { clock, sent, a } = setup();
    a.acquire('192.0.2.200', true);
    expect(a.announcing('192.0.2.200')).toBe(false);
    expect(a.watching('192.0.2.200')).toBe(true);
    expect(kinds(sent)).toEqual(['0:arp1/0.0.0.0']);
    clock.advance(199);
    expect(a.announcing('192.0.2.200')).toBe(false);
    clock.advance(1);
    expect(a.announcing('192.0.2.200')).toBe(true);
  });

  test('IPv6: DAD probe, then unsolicited NA with override', () => {
    const { clock, sent, a } = setup();
    a.acquire('2001:db8:0:1::200', true);
    clock.advance(200);
    expect(sent.map((s) => s.msg.kind)).toEqual(['ns', 'na']);
    const na = sent[1]?.msg;
    expect(na?.kind === 'na' && na.na.override && !na.na.solicited).toBe(true);
  });

  test('a foreign answer to the probe is a conflict: not announced, retried later', () => {
    const { clock, events, a } = setup();
    a.acquire('192.0.2.200', true);
    a.claim('192.0.2.200', STRANGER);
    expect(events).toContainEqual({ type: 'conflict', ip: '192.0.2.200', mac: STRANGER, phase: 'probe', stale: false, yielded: true });
    clock.advance(5000);
    expect(a.state('192.0.2.200')).toBe('conflict');
    expect(a.announcing('192.0.2.200')).toBe(false);
    clock.advance(5000 + 999);
    expect(a.state('192.0.2.200')).toBe('probing');
    clock.advance(1);
    expect(a.announcing('192.0.2.200')).toBe(true);
  });

  test('a host that really holds the address answers the defence probe too: then we yield (RFC 5227 §2.4)', () => {
    const { clock, sent, events, a } = setup();
    a.acquire('192.0.2.200', false);
    a.claim('192.0.2.200', STRANGER);
    // Defended: one announcement (request and reply) and one probe, still announcing.
    expect(a.announcing('192.0.2.200')).toBe(true);
    expect(sent.slice(-3).map((s) => s.msg.kind === 'arp' && s.msg.arp.spa)).toEqual(['192.0.2.200', '192.0.2.200', '0.0.0.0']);
    expect(events).toContainEqual({ type: 'conflict', ip: '192.0.2.200', mac: STRANGER, phase: 'announce', stale: false, yielded: false });
    clock.advance(5);
    a.claim('192.0.2.200', STRANGER);
    expect(a.announcing('192.0.2.200')).toBe(false);
    expect(events).toContainEqual({ type: 'conflict', ip: '192.0.2.200', mac: STRANGER, phase: 'announce', stale: false, yielded: true });
  });

  test('a lone forged claim is defended and changes nothing; one per DEFEND_INTERVAL is defended each time', () => {
    const { clock, sent, a } = setup();
    a.acquire('192.0.2.200', false);
    clock.advance(5000);
    for (let i = 0; i < 5; i++) {
      const n = sent.length;
      a.claim('192.0.2.200', STRANGER);
      expect(a.announcing('192.0.2.200')).toBe(true);
      expect(sent.length).toBe(n + 3);
      clock.advance(DEFEND_INTERVAL_MS);
    }
  });

  test('a claim from another speaker (our own stale entry) keeps the address and re-announces', () => {
    const { sent, events, a } = setup();
    a.acquire('192.0.2.200', false);
    const before = sent.length;
    a.claim('192.0.2.200', PEER);
    expect(a.announcing('192.0.2.200')).toBe(true);
    expect(sent.length).toBe(before + 2);
    expect(events).toContainEqual({ type: 'conflict', ip: '192.0.2.200', mac: PEER, phase: 'announce', stale: true, yielded: false });
  });

  test('stale entries are corrected at most once a second per address', () => {
    const { clock, sent, events, a } = setup();
    a.acquire('192.0.2.200', false);
    const before = sent.length;
    a.claim('192.0.2.200', PEER);
    a.claim('192.0.2.200', PEER);
    expect(sent.length).toBe(before + 2);
    expect(events.filter((e) => e.type === 'conflict')).toHaveLength(1);
    clock.advance(1000);
    const later = sent.length;
    a.claim('192.0.2.200', PEER);
    expect(sent.length).toBe(later + 2);
  });

  test('two speakers announcing one address at once do not answer each other in a loop', () => {
    const clock = new ManualClock();
    const sent = { a: 0, b: 0 };
    const pair: Record<'a' | 'b', Announcer> = {} as Record<'a' | 'b', Announcer>;
    const make = (self: 'a' | 'b', other: 'a' | 'b', mac: string, otherMac: string): Announcer =>
      new Announcer(clock, { ...OPTS, refreshMs: 0 }, {
        links: () => [{ name: 'eth0', mac }],
        // The segment: every gratuitous frame reaches the other speaker as a claim at once.
        send: (_link, frame) => {
          sent[self]++;
          const d = decodeFrame(frame);
          if (d.ok && d.value.kind === 'arp' && d.value.arp.spa === '192.0.2.200') pair[other].claim('192.0.2.200', mac);
        },
        isSpeakerMac: (m) => m === otherMac,
        event: () => undefined,
      });
    pair.a = make('a', 'b', US, PEER);
    pair.b = make('b', 'a', PEER, US);
    pair.a.acquire('192.0.2.200', false);
    pair.b.acquire('192.0.2.200', false);
    clock.advance(2000);
    // Each: a probe, its burst (3 times 2 frames) and at most one correction (2 frames) a second.
    expect(sent.a).toBeLessThanOrEqual(1 + 6 + 2 * 3);
    expect(sent.b).toBeLessThanOrEqual(1 + 6 + 2 * 3);
  });

  test('release stops at once: no more gratuitous frames, no answers', () => {
    const { clock, sent, a } = setup();
    a.acquire('192.0.2.200', false);
    a.release('192.0.2.200');
    const n = sent.length;
    clock.advance(10_000);
    expect(sent.length).toBe(n);
    expect(a.announcing('192.0.2.200')).toBe(false);
    expect(a.state('192.0.2.200')).toBeUndefined();
  });

  test('periodic re-announcement when configured', () => {
    const { clock, sent, a } = setup({ ...OPTS, burstMs: [0], refreshMs: 1000 });
    a.acquire('192.0.2.200', false);
    clock.advance(3500);
    expect(sent.length).toBe(1 + 2 * 4);
  });

  describe('paced', () => {
    const PACED: AnnouncerOptions = { ...OPTS, framesPerSecond: 1000 };
    const ip = (i: number) => `2001:db8:0:1::1:${i.toString(16)}`;

    test('a takeover of 1,000 addresses: a tenth of a second of frames at once, then at the rate, first rounds before second rounds', () => {
      const { clock, sent, a } = setup(PACED);
      for (let i = 0; i < 1000; i++) a.acquire(ip(i), false);
      // 100 frames at once: probes and announcements of the first addresses.
      expect(sent.length).toBe(100);
      clock.advance(5000);
      const nas = sent.filter((s) => s.msg.kind === 'na');
      expect(nas.length).toBe(3000);
      // Per 10 ms never more than the bucket refills, after the first burst.
      for (let t = 100; t < 4000; t += 10) expect(sent.filter((s) => s.at > t && s.at <= t + 10).length).toBeLessThanOrEqual(11);
      // Every address's first announcement went out before any address's second one.
      const firstOfLast = nas.findIndex((s) => s.msg.kind === 'na' && s.msg.na.target === ip(999));
      const targets = nas.slice(0, firstOfLast + 1).map((s) => (s.msg.kind === 'na' ? s.msg.na.target : ''));
      expect(new Set(targets).size).toBe(targets.length);
    });

    test('an address released while its frames wait sends none of them', () => {
      const { clock, sent, a } = setup(PACED);
      for (let i = 0; i < 200; i++) a.acquire(ip(i), false);
      a.release(ip(199));
      clock.advance(5000);
      expect(sent.filter((s) => (s.msg.kind === 'na' && s.msg.na.target === ip(199)) || (s.msg.kind === 'ns' && s.msg.ns.target === ip(199)))).toEqual([]);
    });

    test('the listening time after a probe starts when the probe goes out', () => {
      const { clock, sent, a } = setup(PACED);
      for (let i = 0; i < 300; i++) a.acquire(ip(i), true);
      clock.advance(250);
      // 100 probes at once, then one a millisecond: the last one near 200 ms.
      const probed = sent.find((s) => s.msg.kind === 'ns' && s.msg.ns.target === ip(299));
      expect(probed?.at).toBeGreaterThan(150);
      clock.advance(5000);
      const announced = sent.find((s) => s.msg.kind === 'na' && s.msg.na.target === ip(299));
      expect((announced?.at ?? 0) - (probed?.at ?? 0)).toBeGreaterThanOrEqual(200);
    });
  });
});
