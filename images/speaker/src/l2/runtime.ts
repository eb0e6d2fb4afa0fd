// SPDX-License-Identifier: Apache-2.0
/** Wires one node's L2 pieces: liveness, heartbeats, link watch, and the speaker. */
import { systemClock } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import type { Registry } from 'prom-client';
import { HeartbeatService, type PeerAddress } from '../health/heartbeats.js';
import { DEFAULT_RESTART_HOLD_MS, Liveness } from '../health/liveness.js';
import { openPacketLink } from './link/packet-link.js';
import { LinkWatch } from './link/link-watch.js';
import { L2Metrics } from './metrics.js';
import type { L2Options } from './options.js';
import type { OpenLink } from './link/raw-link.js';
import { L2Speaker, type SpeakerEvent } from './decide/speaker.js';

export interface L2RuntimeOptions {
  readonly node: string;
  readonly key: Uint8Array;
  readonly options: L2Options;
  readonly log: Logger;
  readonly registry: Registry;
  readonly apiOk: () => boolean;
  readonly onEvent?: (e: SpeakerEvent) => void;
  readonly openLink?: OpenLink;
  readonly excluded?: readonly RegExp[];
}

/** Call `speaker.start()` once the plan and addresses are set: it starts the hold before the first decision. */
export interface L2Runtime {
  readonly speaker: L2Speaker;
  readonly liveness: Liveness;
  /** The nodes' heartbeat addresses (only the plan's peers get heartbeats). */
  setAddresses(list: readonly PeerAddress[]): void;
  /**
   * Stops. `restart` (SIGTERM for a rolling update: we come back): the peers are told first and hold our
   * addresses meanwhile; we answer for them until they have read it (at most two detection times), so nothing
   * moves (with METALLB_L2_RESTART_HOLD_MS=0 this is a plain stop). `handOff` (we go away for good): we stand
   * back now and the peers take our addresses over as soon as they read it. `stop` (plain): they take them
   * over once they stop hearing us, after the detection time.
   */
  stop(kind?: StopKind): Promise<void>;
}

/** How a speaker stops: see L2Runtime.stop. */
export type StopKind = 'restart' | 'handOff' | 'stop';

export async function startL2Runtime(o: L2RuntimeOptions): Promise<L2Runtime> {
  // Fail closed: unauthenticated heartbeats let any host on the segment pause or take our addresses.
  if (!o.key.length) throw new Error('METALLB_HEARTBEAT_KEY is empty: L2 does not run with unauthenticated heartbeats (the module\'s Secret speaker-heartbeat-key provides the key)');
  const metrics = new L2Metrics(o.registry, o.node);
  // The liveness callbacks need the speaker and the heartbeats, which need the liveness.
  const ref: { speaker?: L2Speaker; heartbeats?: HeartbeatService } = {};
  const liveness = new Liveness(systemClock, o.options.liveness, (peer, up) => {
    metrics.peer(peer, up);
    o.log[up ? 'info' : 'warn']({ op: 'liveness', peer, up }, up ? 'peer speaker up' : 'peer speaker down');
    // What we hear changed: tell the peers at once, so one we stopped hearing stands back now.
    ref.heartbeats?.sendNow();
    ref.speaker?.recompute();
  }, (_peer, changed) => {
    ref.speaker?.heard(changed);
    // A peer now holding or deciding changes our report of it: tell the others at once.
    if (changed) ref.heartbeats?.sendNow();
  });
  const s = new L2Speaker({
    node: o.node,
    clock: systemClock,
    log: o.log,
    metrics,
    liveness,
    announcer: o.options.announcer,
    // The links' fast paths answer only while this event loop renews them within the peers' detection time.
    openLink: o.openLink ?? ((name, mac) => openPacketLink(name, mac, o.options.liveness.intervalMs * o.options.liveness.multiplier)),
    ...(o.excluded ? { excluded: o.excluded } : {}),
    ...(o.onEvent ? { onEvent: o.onEvent } : {}),
    onReportChange: () => ref.heartbeats?.sendNow(),
    returnDelayMs: o.options.returnDelayMs,
  });
  ref.speaker = s;
  const heartbeats = new HeartbeatService({
    node: o.node,
    key: o.key,
    port: o.options.heartbeatPort,
    log: o.log,
    liveness,
    self: () => ({ apiOk: o.apiOk(), ...s.upLinks(), ...s.report() }),
  });
  ref.heartbeats = heartbeats;
  const links = new LinkWatch((ls) => s.setLinks(ls));
  links.start();
  await heartbeats.start();
  return {
    speaker: s,
    liveness,
    setAddresses: (list) => heartbeats.setAddresses(list),
    async stop(kind = 'stop') {
      const restart = kind === 'restart' && (o.options.liveness.restartHoldMs ?? DEFAULT_RESTART_HOLD_MS) > 0;
      if (restart || kind === 'handOff') {
        if (restart) s.leave();
        else s.handOff();
        heartbeats.sendNow();
        const deadline = Date.now() + 2 * liveness.detectionMs();
        while (!heartbeats.acknowledged() && Date.now() < deadline) await new Promise((r) => setTimeout(r, liveness.intervalMs() / 5));
        const ok = heartbeats.acknowledged();
        if (restart) o.log.info({ op: 'restart', acknowledged: ok }, ok ? 'peers read our restart notice' : 'not every peer read our restart notice: those take our addresses over');
        else o.log.info({ op: 'handOff', acknowledged: ok }, ok ? 'peers read our hand-off' : 'not every peer read our hand-off: those take our addresses over when they stop hearing us');
      }
      heartbeats.stop();
      links.stop();
      s.stop();
      liveness.stop();
    },
  };
}
