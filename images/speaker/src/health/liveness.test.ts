// SPDX-License-Identifier: Apache-2.0
import { ManualClock } from '../../../../lib/clock.js';
import type { Heartbeat } from './heartbeat.js';
import { Liveness } from './liveness.js';

const beat = (node: string, seq: number, boot = 1): Heartbeat => ({ node, boot, seq, intervalMs: 100, apiOk: true, links: ['eth0'], macs: [] });

function setup() {
  const clock = new ManualClock();
  const changes: string[] = [];
  const l = new Liveness(clock, { intervalMs: 100, multiplier: 3 }, (n, up) => changes.push(`${clock.now()} ${n} ${up ? 'up' : 'down'}`));
  l.setPeers(['node-b', 'node-c']);
  return { clock, changes, l };
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
});
