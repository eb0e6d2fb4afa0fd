// SPDX-License-Identifier: Apache-2.0
import { ManualClock } from '../../../../lib/clock.js';
import type { Heartbeat } from './heartbeat.js';
import { Liveness } from './liveness.js';

const beat = (node: string, seq: number, boot = 1, view: string[] = []): Heartbeat => ({ node, boot, seq, intervalMs: 100, apiOk: true, links: ['eth0'], macs: [], holding: false, view, cands: [] });

function setup() {
  const clock = new ManualClock();
  const changes: string[] = [];
  const heard: string[] = [];
  const l = new Liveness(clock, { intervalMs: 100, multiplier: 3 }, (n, up) => changes.push(`${clock.now()} ${n} ${up ? 'up' : 'down'}`), (n, changed) => heard.push(`${n} ${changed}`));
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

  test('replays and strangers are refused; a restart (new boot) is accepted', () => {
    const { l } = setup();
    expect(l.heard(beat('node-b', 5))).toBe('accepted');
    expect(l.heard(beat('node-b', 5))).toBe('replayed');
    expect(l.heard(beat('node-b', 4))).toBe('replayed');
    expect(l.heard(beat('node-b', 1, 2))).toBe('accepted');
    expect(l.heard(beat('node-x', 1))).toBe('unknownPeer');
  });

  test('a peer removed from the node list goes down', () => {
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

  test('the view lists peers up; a changed report is flagged, a repeated one is not', () => {
    const { clock, heard, l } = setup();
    l.heard(beat('node-c', 1, 1, ['node-b']));
    l.heard(beat('node-c', 2, 1, ['node-b']));
    l.heard(beat('node-c', 3, 1, []));
    l.heard(beat('node-b', 1));
    expect(l.view()).toEqual(['node-b', 'node-c']);
    expect(heard).toEqual(['node-c true', 'node-c false', 'node-c true', 'node-b true']);
    const t = clock.now() + 50;
    clock.advance(100);
    expect(l.allHeardSince(t)).toBe(false);
    l.heard(beat('node-b', 2));
    expect(l.allHeardSince(t)).toBe(false);
    l.heard(beat('node-c', 4, 1, []));
    expect(l.allHeardSince(t)).toBe(true);
  });
});
