// SPDX-License-Identifier: Apache-2.0
/**
 * Which peer speakers are alive, from their heartbeats, and the state each last reported: a peer is
 * down once no heartbeat came for its interval × multiplier. A detection timer that fires late means
 * our own event loop stalled, and the peer's heartbeats may be waiting unread in the socket: then the
 * peer gets one more interval before it is declared down. A peer watched only for a short time and
 * not heard yet is reported as nothing (no opinion) rather than as silent, so a peer that other
 * speakers start watching a little later than we do is not accused meanwhile. A peer that says it is
 * stopping to restart is held: its addresses stay with it, down or not, until its next process decides
 * or the restart hold ends. Our own event loop running late (CPU starvation) is no death either: for a
 * while after it, our heartbeats ask the peers to wait longer for us (a longer interval in our state,
 * which every release sizes its detection time by), in proportion to how late we ran and at most the
 * slow interval; a speaker that is killed meanwhile is still taken over within that bounded time.
 * Pure: the clock is injected.
 */
import type { Clock, Timer } from '../../../../lib/clock.js';
import type { PeerStatus, SpeakerState } from './heartbeat.js';

export interface LivenessOptions {
  /** Heartbeat interval (ms). */
  readonly intervalMs: number;
  /** Missed heartbeats before a peer is down. */
  readonly multiplier: number;
  /** How long a newly watched peer that was never heard is no opinion rather than silent (ms). */
  readonly graceMs?: number;
  /** How long a peer that said it restarts is held (ms); 0: never (it is taken over when it stops). */
  readonly restartHoldMs?: number;
  /** The longest interval we ask peers to size our detection time by after our event loop ran late (ms); at least the interval. */
  readonly slowIntervalMs?: number;
  /** How long one late run of our event loop counts for that (ms). */
  readonly slowHoldMs?: number;
}

/** 50 ms × 3: a dead peer is noticed within 150 ms. */
export const DEFAULT_LIVENESS: LivenessOptions = { intervalMs: 50, multiplier: 3 };
const DEFAULT_GRACE_MS = 2000;
/** A rolling update replaces a speaker within seconds; clients keep a neighbour entry about as long without asking. */
export const DEFAULT_RESTART_HOLD_MS = 30_000;
/** 300 ms × 3: a starved speaker that dies meanwhile is still taken over within a second. */
export const DEFAULT_SLOW_INTERVAL_MS = 300;
/** A burst of work starves a speaker again and again for seconds: keep asking until it has been on time this long. */
export const DEFAULT_SLOW_HOLD_MS = 20_000;

/** A received heartbeat with its sender named (see heartbeat.ts). */
export interface Heard {
  readonly node: string;
  readonly boot: number;
  readonly seq: number;
  readonly stateVersion: number;
  readonly state?: SpeakerState | undefined;
}

export interface PeerState {
  readonly up: boolean;
  /** Its state of the current boot, when one arrived. */
  readonly state?: SpeakerState;
  /** The version of that state (0: none). */
  readonly stateVersion: number;
}

/** What a peer held for its restart had when it said so: its addresses stay with it on these. */
export interface Held {
  readonly links: readonly string[];
  /** The addresses it kept after takeovers (heartbeat.ts addressId). */
  readonly kept: readonly number[];
}

export type HeardResult = 'accepted' | 'replayed' | 'unknownPeer';

/** Called for every accepted heartbeat; `changed` when the peer restarted or what it reports differs from before. */
export type OnHeard = (node: string, changed: boolean) => void;

interface Peer {
  up: boolean;
  boot?: number;
  seq?: number;
  state?: SpeakerState;
  stateVersion: number;
  // clock time of the last accepted heartbeat
  at?: number;
  timer?: Timer;
  // a late timer already gave this peer its extra interval
  graced?: boolean;
  // clock time it was first watched, and whether it was heard since
  readonly since: number;
  heard: boolean;
  // it said it restarts: until when it is held, the boot that said so, and its links then
  held?: Held & { readonly boot: number; readonly timer: Timer };
}

export class Liveness {
  // node name -> what we know of it
  readonly #peers = new Map<string, Peer>();
  // our own late runs within the slow hold, each later one less late than the one before (a sliding maximum)
  readonly #late: { at: number; ms: number }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly opts: LivenessOptions,
    private readonly onChange: (node: string, up: boolean) => void,
    private readonly onHeard: OnHeard = () => undefined,
  ) {}

  /** The peers to watch (see topology.ts); others are forgotten. */
  setPeers(nodes: Iterable<string>): void {
    const want = new Set(nodes);
    for (const [n, p] of this.#peers) {
      if (want.has(n)) continue;
      p.timer?.cancel();
      p.held?.timer.cancel();
      this.#peers.delete(n);
      if (p.up) this.onChange(n, false);
    }
    for (const n of want) if (!this.#peers.has(n)) this.#peers.set(n, { up: false, stateVersion: 0, since: this.clock.now(), heard: false });
  }

  heard(h: Heard): HeardResult {
    const p = this.#peers.get(h.node);
    if (!p) return 'unknownPeer';
    if (p.boot === h.boot && p.seq !== undefined && h.seq <= p.seq) return 'replayed';
    let changed = false;
    if (p.boot !== h.boot) {
      // Restarted: what it said before is void.
      changed = p.boot !== undefined || p.state !== undefined;
      p.boot = h.boot;
      delete p.state;
      p.stateVersion = 0;
    }
    p.seq = h.seq;
    if (h.state) {
      // Within a boot a sender numbers each new state: the same version is the same state, sent again.
      if (!p.state || p.stateVersion !== h.stateVersion) changed = true;
      p.state = h.state;
      p.stateVersion = h.stateVersion;
    }
    this.#restart(h.node, p, h.boot);
    p.at = this.clock.now();
    p.heard = true;
    p.graced = false;
    const interval = Math.max(1, p.state?.intervalMs || this.opts.intervalMs);
    this.#arm(h.node, p, interval * this.opts.multiplier, interval);
    if (!p.up) {
      p.up = true;
      this.onChange(h.node, true);
    }
    this.onHeard(h.node, changed);
    return 'accepted';
  }

  /** Starts holding a peer that says it restarts; ends once its next process decides (holds no more). */
  #restart(node: string, p: Peer, boot: number): void {
    const holdMs = this.opts.restartHoldMs ?? DEFAULT_RESTART_HOLD_MS;
    if (p.state?.restarting && !p.held && holdMs > 0) {
      p.held = { boot, links: p.state.links, kept: p.state.kept ?? [], timer: this.clock.setTimeout(() => this.#unhold(node, p), holdMs) };
    } else if (p.held && p.held.boot !== boot && p.state && !p.state.holding) {
      p.held.timer.cancel();
      delete p.held;
    }
  }

  /** The restart hold ended without the peer back: what it held is free. */
  #unhold(node: string, p: Peer): void {
    if (this.#peers.get(node) !== p || !p.held) return;
    delete p.held;
    if (!p.up) this.onChange(node, false);
  }

  /** What a peer held for its restart had (its addresses stay with it), or undefined. */
  held(node: string): Held | undefined {
    return this.#peers.get(node)?.held;
  }

  #arm(node: string, p: Peer, ms: number, interval: number): void {
    p.timer?.cancel();
    const due = this.clock.now() + ms;
    p.timer = this.clock.setTimeout(() => this.#expired(node, p, due, interval), ms);
  }

  #expired(node: string, p: Peer, due: number, interval: number): void {
    if (this.#peers.get(node) !== p || !p.up) return;
    // Fired late: we were not running, so its heartbeats may sit unread. Read them first.
    if (!p.graced && this.clock.now() - due > interval / 2) {
      p.graced = true;
      this.#arm(node, p, interval, interval);
      return;
    }
    p.up = false;
    this.onChange(node, false);
  }

  isUp(node: string): boolean {
    return this.#peers.get(node)?.up === true;
  }

  /** Every watched peer, up or not. */
  names(): string[] {
    return [...this.#peers.keys()];
  }

  /** The peers up now, sorted. */
  view(): string[] {
    return [...this.#peers].filter(([, p]) => p.up).map(([n]) => n).sort();
  }

  /**
   * What we report of a node: heard and deciding, heard but holding (or its state not in yet), not
   * heard; undefined when we do not watch it, or watch it since less than the grace and never heard it.
   */
  status(node: string): PeerStatus | undefined {
    const p = this.#peers.get(node);
    if (!p) return undefined;
    if (p.up) return p.state && !p.state.holding ? 'live' : 'holding';
    if (!p.heard && this.clock.now() - p.since < (this.opts.graceMs ?? DEFAULT_GRACE_MS)) return undefined;
    return 'silent';
  }

  /** Whether every peer up now was heard at or after `t` (clock time). */
  allHeardSince(t: number): boolean {
    for (const p of this.#peers.values()) if (p.up && (p.at ?? -Infinity) < t) return false;
    return true;
  }

  peer(node: string): PeerState | undefined {
    const p = this.#peers.get(node);
    return p && (p.state ? { up: p.up, state: p.state, stateVersion: p.stateVersion } : { up: p.up, stateVersion: p.stateVersion });
  }

  /** Number of watched peers, and how many of them are up. */
  counts(): { expected: number; up: number } {
    let up = 0;
    for (const p of this.#peers.values()) if (p.up) up++;
    return { expected: this.#peers.size, up };
  }

  /** MACs the peers reported in their latest states: our own speakers' stations. */
  macs(): Set<string> {
    const out = new Set<string>();
    for (const p of this.#peers.values()) for (const m of p.state?.macs ?? []) out.add(m);
    return out;
  }

  /** Our heartbeat interval (ms). */
  intervalMs(): number {
    return this.opts.intervalMs;
  }

  /** Our event loop ran `lateMs` late (a timer of ours fired that much after it was due). */
  ranLate(lateMs: number): void {
    if (lateMs < this.opts.intervalMs) return;
    const now = this.clock.now();
    while ((this.#late.at(-1)?.ms ?? Infinity) <= lateMs) this.#late.pop();
    this.#late.push({ at: now, ms: lateMs });
  }

  /**
   * The interval our heartbeats say, which peers size our detection time by: our interval, or within the slow
   * hold after our event loop ran late, one that lets the peers wait twice the longest gap in our heartbeats
   * since (that lateness and an interval), in steps of our interval, at most the slow interval.
   */
  advertisedIntervalMs(): number {
    const { intervalMs: every, multiplier } = this.opts;
    const since = this.clock.now() - (this.opts.slowHoldMs ?? DEFAULT_SLOW_HOLD_MS);
    while (this.#late.length && (this.#late[0]?.at ?? 0) < since) this.#late.shift();
    const late = this.#late[0]?.ms;
    if (late === undefined) return every;
    const want = Math.ceil((2 * (late + every)) / multiplier / every) * every;
    return Math.max(every, Math.min(want, this.opts.slowIntervalMs ?? Math.max(DEFAULT_SLOW_INTERVAL_MS, every)));
  }

  /** The detection time for our own interval (ms). */
  detectionMs(): number {
    return this.opts.intervalMs * this.opts.multiplier;
  }

  /** How long a newly watched peer may stay unheard before we report it silent (ms). */
  graceMs(): number {
    return this.opts.graceMs ?? DEFAULT_GRACE_MS;
  }

  stop(): void {
    for (const p of this.#peers.values()) {
      p.timer?.cancel();
      p.held?.timer.cancel();
    }
  }
}
