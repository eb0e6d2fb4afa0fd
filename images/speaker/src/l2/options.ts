// SPDX-License-Identifier: Apache-2.0
/** L2 timing settings from the environment, validated. Pure. */
import { HEARTBEAT_PORT } from '../health/heartbeat.js';
import { DEFAULT_LIVENESS, DEFAULT_RESTART_HOLD_MS, DEFAULT_SLOW_INTERVAL_MS, type LivenessOptions } from '../health/liveness.js';
import { DEFAULT_ANNOUNCER, type AnnouncerOptions } from './decide/announcer.js';
import { DEFAULT_RETURN_DELAY_MS } from './decide/speaker.js';
import { DEFAULT_BACKUPS } from './decide/topology.js';

export interface L2Options {
  readonly liveness: LivenessOptions;
  readonly announcer: AnnouncerOptions;
  readonly heartbeatPort: number;
  /** Nodes after the preferred one that may take an address over, and ring neighbours watched on each side (the same on every speaker). */
  readonly backups: number;
  /** How long a placed node must be back before an address taken over from it returns, when that is worth a move (ms). */
  readonly returnDelayMs: number;
}

function int(env: NodeJS.ProcessEnv, name: string, def: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}="${v}": expected a whole number from ${min} to ${max}`);
  return n;
}

function list(env: NodeJS.ProcessEnv, name: string, def: readonly number[]): readonly number[] {
  const v = env[name];
  if (v === undefined || v === '') return def;
  const parts = v.split(',').map((s) => s.trim());
  const ns = parts.map(Number);
  if (ns.some((n) => !Number.isInteger(n) || n < 0 || n > 600_000)) throw new Error(`${name}="${v}": expected comma-separated delays in ms, e.g. "0,50,1100"`);
  return ns;
}

/**
 * METALLB_HEARTBEAT_INTERVAL_MS (50), METALLB_HEARTBEAT_MULTIPLIER (3), METALLB_HEARTBEAT_PORT (7946), METALLB_L2_BACKUPS (3),
 * METALLB_HEARTBEAT_SLOW_INTERVAL_MS (300: the longest interval a speaker whose event loop ran late asks its peers to size
 * its detection time by, for 20 s after; at most the heartbeat interval turns that off),
 * METALLB_L2_RESTART_HOLD_MS (30000: how long peers hold the addresses of a speaker stopping to restart; 0 = never),
 * METALLB_L2_RETURN_DELAY_MS (30000: how long a placed node must be back before an address taken over from it returns),
 * METALLB_L2_GRATUITOUS_MS ("0,50,1100,2200,3300,4400"), METALLB_L2_PROBE_WAIT_MS (200; 0 = no probe),
 * METALLB_L2_CONFLICT_RETRY_MS (10000), METALLB_L2_REFRESH_MS (0 = off), METALLB_L2_ANNOUNCE_RATE (5000 probes and
 * announcements per second at most; 0 = unpaced). Throws a message naming the bad variable.
 */
export function l2OptionsFromEnv(env: NodeJS.ProcessEnv): L2Options {
  return {
    liveness: {
      intervalMs: int(env, 'METALLB_HEARTBEAT_INTERVAL_MS', DEFAULT_LIVENESS.intervalMs, 10, 60_000),
      multiplier: int(env, 'METALLB_HEARTBEAT_MULTIPLIER', DEFAULT_LIVENESS.multiplier, 2, 255),
      restartHoldMs: int(env, 'METALLB_L2_RESTART_HOLD_MS', DEFAULT_RESTART_HOLD_MS, 0, 600_000),
      slowIntervalMs: int(env, 'METALLB_HEARTBEAT_SLOW_INTERVAL_MS', DEFAULT_SLOW_INTERVAL_MS, 10, 60_000),
    },
    announcer: {
      burstMs: list(env, 'METALLB_L2_GRATUITOUS_MS', DEFAULT_ANNOUNCER.burstMs),
      probeWaitMs: int(env, 'METALLB_L2_PROBE_WAIT_MS', DEFAULT_ANNOUNCER.probeWaitMs, 0, 10_000),
      conflictRetryMs: int(env, 'METALLB_L2_CONFLICT_RETRY_MS', DEFAULT_ANNOUNCER.conflictRetryMs, 100, 3_600_000),
      refreshMs: int(env, 'METALLB_L2_REFRESH_MS', DEFAULT_ANNOUNCER.refreshMs, 0, 3_600_000),
      framesPerSecond: int(env, 'METALLB_L2_ANNOUNCE_RATE', DEFAULT_ANNOUNCER.framesPerSecond ?? 0, 0, 1_000_000),
    },
    heartbeatPort: int(env, 'METALLB_HEARTBEAT_PORT', HEARTBEAT_PORT, 1, 65535),
    backups: int(env, 'METALLB_L2_BACKUPS', DEFAULT_BACKUPS, 1, 64),
    returnDelayMs: int(env, 'METALLB_L2_RETURN_DELAY_MS', DEFAULT_RETURN_DELAY_MS, 0, 86_400_000),
  };
}
