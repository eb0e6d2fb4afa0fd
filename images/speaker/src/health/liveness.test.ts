// SPDX-License-Identifier: Apache-2.0
import { ManualClock } from '../../../../lib/clock.js';
import type { SpeakerState } from './heartbeat.js';
import { Liveness, type Heard } from './liveness.js';

const state = (node: string, extra: Partial<SpeakerState> = {}): SpeakerState => ({ maxVersion: 3, node, intervalMs: 100, apiOk: true, holding: false, accused: false, candidate: true, links: ['eth0'], macs: [], peers: [], ...extra });
const beat = (node: string, seq: number, boot = 1, s?: SpeakerState, stateVersion = s ? 1 : 0): Heard => ({ node, boot, seq, stateVersion, state: s });

function setup() {
  const clock = new ManualClock();
  const changes: string[] = [];
  const heard: string[] = [];
  const l = new Liveness(clock, { intervalMs: 100, multiplier: 3, graceMs: 1000 }, (n, up) => changes.push(`${clock.now()} ${n} ${up ? 'up' : 'down'}`), (n, changed) => heard.push(`${n} ${changed}`));
  l.setPeers(['node-b', 'node-c']);
  return { clock, changes, heard, l };
}

describe('liveness', () => {
  test('up on the first heartbeat, down after interval × multiplier of silence', () => {
    const { clock, changes, l } = setup();
    l.heard(beat('node-b', 1));
    for (let i = 2; i <= 5; i++) {
      clock.advance(100);
      l.heard(beat('node-b', i));
    }
    expect(l.isUp('node-b')).toBe(true);
    clock.advance(299);
    expect(l.isUp('node-b')).toBe(true);
    clock.advance(1);
    expect(l.isUp('node-b')).toBe(false);
    expect(changes).toEqual(['0 node-b up', '700 node-b down']);
    expect(l.counts()).toEqual({ expected: 2, up: 0 });
  });

  test("the peer's own interval sizes its detection time once its state says it", () => {
    const { clock, l } = setup();
    l.heard(beat('node-b', 1, 1, state('node-b', { intervalMs: 50 })));
    clock.advance(149);
    expect(l.isUp('node-b')).toBe(true);
    clock.advance(1);
    expect(l.isUp('node-b')).toBe(false);
  });

  test('replays and strangers are refused; a restart (new boot) is accepted and voids the state it had', () => {
    const { l } = setup();
    expect(l.heard(beat('node-b', 5, 1, state('node-b')))).toBe('accepted');
    expect(l.heard(beat('node-b', 5))).toBe('replayed');
    expect(l.heard(beat('node-b', 4))).toBe('replayed');
    expect(l.peer('node-b')).toEqual({ up: true, state: state('node-b'), stateVersion: 1 });
    expect(l.heard(beat('node-b', 1, 2))).toBe('accepted');
    expect(l.peer('node-b')).toEqual({ up: true, stateVersion: 0 });
    expect(l.heard(beat('node-x', 1))).toBe('unknownPeer');
  });

  test('a peer removed from the watched set goes down', () => {
    const { changes, l } = setup();
    l.heard(beat('node-c', 1));
    l.setPeers(['node-b']);
    expect(changes).toEqual(['0 node-c up', '0 node-c down']);
  });

  test('our own stall is no peer failure: a late timer gives the peer one more interval to be read', () => {
    const { clock, changes, l } = setup();
    l.heard(beat('node-b', 1));
    clock.stall(1000);
    // The timer fired 700 ms late: the heartbeats waiting in the socket are read before any verdict.
    expect(l.isUp('node-b')).toBe(true);
    l.heard(beat('node-b', 2));
    clock.advance(299);
    expect(l.isUp('node-b')).toBe(true);
    expect(changes).toEqual(['0 node-b up']);
  });

  test('a peer that is really gone goes down one interval after a late timer, even if every timer is late', () => {
    const { clock, changes, l } = setup();
    l.heard(beat('node-b', 1));
    clock.stall(1000);
    clock.stall(1000);
    expect(l.isUp('node-b')).toBe(false);
    expect(changes).toEqual(['0 node-b up', '2000 node-b down']);
  });

  test('a timer a little late (under half an interval) still declares the peer down', () => {
    const { clock, l } = setup();
    l.heard(beat('node-b', 1));
    clock.stall(340);
    expect(l.isUp('node-b')).toBe(false);
  });

  test('a new state version is flagged as a change, the same one sent again is not', () => {
    const { clock, heard, l } = setup();
    l.heard(beat('node-c', 1, 1, state('node-c', { holding: true })));
    l.heard(beat('node-c', 2));
    l.heard(beat('node-c', 3, 1, state('node-c', { holding: true }), 1));
    l.heard(beat('node-c', 4, 1, state('node-c'), 2));
    l.heard(beat('node-b', 1));
    expect(l.view()).toEqual(['node-b', 'node-c']);
    expect(heard).toEqual(['node-c true', 'node-c false', 'node-c false', 'node-c true', 'node-b false']);
    const t = clock.now() + 50;
    clock.advance(100);
    expect(l.allHeardSince(t)).toBe(false);
    l.heard(beat('node-b', 2));
    expect(l.allHeardSince(t)).toBe(false);
    l.heard(beat('node-c', 5));
    expect(l.allHeardSince(t)).toBe(true);
  });

  test('statuses: live, holding (or no state yet), silent once heard and lost; never heard is no opinion for the grace, then silent', () => {
    const { clock, l } = setup();
    l.heard(beat('node-b', 1, 1, state('node-b')));
    expect(l.status('node-b')).toBe('live');
    expect(l.status('node-c')).toBeUndefined();
    expect(l.status('node-x')).toBeUndefined();
    l.heard(beat('node-b', 2, 1, state('node-b', { holding: true }), 2));
    expect(l.status('node-b')).toBe('holding');
    l.heard(beat('node-b', 3, 2));
    expect(l.status('node-b')).toBe('holding');
    clock.advance(300);
    expect(l.status('node-b')).toBe('silent');
    expect(l.status('node-c')).toBeUndefined();
    clock.advance(700);
    expect(l.status('node-c')).toBe('silent');
  });

  test('our own late runs ask peers to wait longer, in proportion and at most the slow interval, for the slow hold after the latest', () => {
    const { clock, l } = setup();
    const asked: number[] = [];
    const ask = (late: number): void => {
      l.ranLate(late);
      asked.push(l.advertisedIntervalMs());
    };
    // Under an interval late: a gap the usual detection time covers.
    ask(0);
    ask(99);
    // 100 ms late: a 200 ms gap, which peers should wait twice for: 400 ms, 2 intervals of 100 × 3.
    ask(100);
    // 400 ms late: 1,000 ms wanted, the slow interval (300 by default) caps it at 900.
    ask(400);
    clock.advance(10_000);
    ask(100);
    expect(asked).toEqual([100, 100, 200, 300, 300]);
    // The 400 ms run is out of the hold, the later 100 ms one is not.
    clock.advance(10_001);
    expect(l.advertisedIntervalMs()).toBe(200);
    clock.advance(10_000);
    expect(l.advertisedIntervalMs()).toBe(100);
  });

  test('the slow interval and hold are bounded by the options, and never shorter than the interval', () => {
    const clock = new ManualClock();
    const l = new Liveness(clock, { intervalMs: 100, multiplier: 3, slowIntervalMs: 50, slowHoldMs: 1000 }, () => undefined);
    l.ranLate(5000);
    expect(l.advertisedIntervalMs()).toBe(100);
    const m = new Liveness(clock, { intervalMs: 50, multiplier: 3, slowIntervalMs: 150, slowHoldMs: 1000 }, () => undefined);
    m.ranLate(5000);
    expect(m.advertisedIntervalMs()).toBe(150);
    clock.advance(1001);
    expect(m.advertisedIntervalMs()).toBe(50);
  });
});
