// SPDX-License-Identifier: Apache-2.0
import { ManualClock } from '../../../../lib/clock.js';
import { Announcer, type AnnouncerEvent, type AnnouncerOptions } from './announcer.js';
import { decodeFrame, type L2Message } from './frame.js';

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
      if (!d.ok) throw new Error(`we sent a bad frame: ${d.reason}`);
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
    expect(events).toContainEqual({ type: 'conflict', ip: '192.0.2.200', mac: STRANGER, phase: 'probe', stale: false });
    clock.advance(5000);
    expect(a.state('192.0.2.200')).toBe('conflict');
    expect(a.announcing('192.0.2.200')).toBe(false);
    clock.advance(5000 + 999);
    expect(a.state('192.0.2.200')).toBe('probing');
    clock.advance(1);
    expect(a.announcing('192.0.2.200')).toBe(true);
  });

  test('a host answering the probe sent on takeover is a conflict', () => {
    const { events, a } = setup();
    a.acquire('192.0.2.200', false);
    a.claim('192.0.2.200', STRANGER);
    expect(a.announcing('192.0.2.200')).toBe(false);
    expect(events).toContainEqual({ type: 'conflict', ip: '192.0.2.200', mac: STRANGER, phase: 'announce', stale: false });
  });

  test('a claim from another speaker (our own stale entry) keeps the address and re-announces', () => {
    const { sent, events, a } = setup();
    a.acquire('192.0.2.200', false);
    const before = sent.length;
    a.claim('192.0.2.200', PEER);
    expect(a.announcing('192.0.2.200')).toBe(true);
    expect(sent.length).toBe(before + 2);
    expect(events).toContainEqual({ type: 'conflict', ip: '192.0.2.200', mac: PEER, phase: 'announce', stale: true });
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
});
