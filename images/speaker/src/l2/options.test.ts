// SPDX-License-Identifier: Apache-2.0
import { l2OptionsFromEnv } from './options.js';

describe('l2 options', () => {
  test('defaults detect a dead peer within 150 ms, with 3 backups, and announce past the 1 s neighbour locktime', () => {
    const o = l2OptionsFromEnv({});
    expect(o.liveness.intervalMs * o.liveness.multiplier).toBeLessThanOrEqual(150);
    expect(o.backups).toBe(3);
    expect(o.announcer.burstMs[0]).toBe(0);
    expect(o.announcer.burstMs.some((ms) => ms > 1000)).toBe(true);
    expect(o.heartbeatPort).toBe(7946);
  });

  test('reads and checks the environment', () => {
    const o = l2OptionsFromEnv({ METALLB_HEARTBEAT_INTERVAL_MS: '100', METALLB_L2_GRATUITOUS_MS: '0, 500', METALLB_L2_BACKUPS: '5' });
    expect(o.liveness.intervalMs).toBe(100);
    expect(o.backups).toBe(5);
    expect(() => l2OptionsFromEnv({ METALLB_L2_BACKUPS: '0' })).toThrow(/METALLB_L2_BACKUPS="0"/);
    expect(o.announcer.burstMs).toEqual([0, 500]);
    expect(() => l2OptionsFromEnv({ METALLB_HEARTBEAT_MULTIPLIER: '1' })).toThrow(/METALLB_HEARTBEAT_MULTIPLIER="1"/);
    expect(() => l2OptionsFromEnv({ METALLB_L2_GRATUITOUS_MS: '0,soon' })).toThrow(/METALLB_L2_GRATUITOUS_MS/);
    expect(l2OptionsFromEnv({}).announcer.framesPerSecond).toBe(5000);
    expect(l2OptionsFromEnv({ METALLB_L2_ANNOUNCE_RATE: '0' }).announcer.framesPerSecond).toBe(0);
    expect(() => l2OptionsFromEnv({ METALLB_L2_ANNOUNCE_RATE: '-1' })).toThrow(/METALLB_L2_ANNOUNCE_RATE="-1"/);
    expect(l2OptionsFromEnv({}).liveness.slowIntervalMs).toBe(300);
    expect(l2OptionsFromEnv({ METALLB_HEARTBEAT_SLOW_INTERVAL_MS: '50' }).liveness.slowIntervalMs).toBe(50);
    expect(() => l2OptionsFromEnv({ METALLB_HEARTBEAT_SLOW_INTERVAL_MS: 'slow' })).toThrow(/METALLB_HEARTBEAT_SLOW_INTERVAL_MS="slow"/);
  });
});
