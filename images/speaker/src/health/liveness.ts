// SPDX-License-Identifier: Apache-2.0
/**
 * Which peer speakers are alive, from their heartbeats: a peer is down once no heartbeat came
 * for its interval × multiplier. A detection timer that fires late means our own event loop
 * stalled, and the peer's heartbeats may be waiting unread in the socket: then the peer gets one
 * more interval before it is declared down. Pure: the clock is injected.
 */
import type { Clock, Timer } from '../../../../lib/clock.js';
import type { Heartbeat } from './heartbeat.js';

export interface LivenessOptions {
  /** Heartbeat interval (ms). */
  readonly intervalMs: number;
  /** Missed heartbeats before a peer is down. */
  readonly multiplier: number;
}

/** 100 ms × 3: a dead peer is noticed within 300 ms. */
export const DEFAULT_LIVENESS: LivenessOptions = { intervalMs: 100, multiplier: 3 };

export interface PeerState {
  readonly up: boolean;
  readonly last?: Heartbeat;
}

export type HeardResult = 'accepted' | 'replayed' | 'unknownPeer';

/** Called for every accepted heartbeat; `changed` when what the peer reports (view, holding, links, API) differs from its previous one. */
export type OnHeard = (node: string, changed: boolean) => void;

interface Peer {
  up: boolean;
  last?: Heartbeat;
  // clock time of the last accepted heartbeat
  at?: number;
  timer?: Timer;
  // a late timer already gave this peer its extra interval
  graced?: boolean;
}

/** Whether two heartbeats of a peer report the same state (sequence numbers aside). */
function sameReport(a: Heartbeat | undefined, b: Heartbeat): boolean {
  if (!a) return false;
  const eq = (x: readonly string[], y: readonly string[]): boolean => x.length === y.length && x.every((v, i) => v === y[i]);
  return a.boot === b.boot && a.apiOk === b.apiOk && a.holding === b.holding && eq(a.links, b.links) && eq(a.macs, b.macs) && eq([...a.view].sort(), [...b.view].sort()) && eq([...a.cands].sort(), [...b.cands].sort());
}

export class Liveness {
  // node name -> what we know of it
  readonly #peers = new Map<string, Peer>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: LivenessOptions,
    private readonly onChange: (node: string, up: boolean) => void,
    private readonly onHeard: OnHeard = () => undefined,
  ) {}

  /** The peers to expect (every other node that may run a speaker); others are forgotten. */
  setPeers(nodes: Iterable<string>): void {
    const want = new Set(nodes);
    for (const [n, p] of this.#peers) {
      if (want.has(n)) continue;
      p.timer?.cancel();
      this.#peers.delete(n);
      if (p.up) this.onChange(n, false);
    }
    for (const n of want) if (!this.#peers.has(n)) this.#peers.set(n, { up: false });
  }

  heard(h: Heartbeat): HeardResult {
    const p = this.#peers.get(h.node);
    if (!p) return 'unknownPeer';
    if (p.last && p.last.boot === h.boot && h.seq <= p.last.seq) return 'replayed';
    const changed = !sameReport(p.last, h);
    p.last = h;
    p.at = this.clock.now();
    p.graced = false;
    const interval = Math.max(1, h.intervalMs || this.opts.intervalMs);
    this.#arm(h.node, p, interval * this.opts.multiplier, interval);
    if (!p.up) {
      p.up = true;
      this.onChange(h.node, true);
    }
    this.onHeard(h.node, changed);
    return 'accepted';
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

  /** Every expected peer, up or not. */
  names(): string[] {
    return [...this.#peers.keys()];
  }

  /** The peers up now, sorted: our view, which our heartbeats carry. */
  view(): string[] {
    return [...this.#peers].filter(([, p]) => p.up).map(([n]) => n).sort();
  }

  /** Whether every peer up now was heard at or after `t` (clock time). */
  allHeardSince(t: number): boolean {
    for (const p of this.#peers.values()) if (p.up && (p.at ?? -Infinity) < t) return false;
    return true;
  }

  peer(node: string): PeerState | undefined {
    const p = this.#peers.get(node);
    return p && (p.last ? { up: p.up, last: p.last } : { up: p.up });
  }

  /** Number of expected peers, and how many of them are up. */
  counts(): { expected: number; up: number } {
    let up = 0;
    for (const p of this.#peers.values()) if (p.up) up++;
    return { expected: this.#peers.size, up };
  }

  /** MACs the peers reported in their latest heartbeats: our own speakers' stations. */
  macs(): Set<string> {
    const out = new Set<string>();
    for (const p of this.#peers.values()) for (const m of p.last?.macs ?? []) out.add(m);
    return out;
  }

  /** Our heartbeat interval (ms). */
  intervalMs(): number {
    return this.opts.intervalMs;
  }

  /** The detection time for our own interval (ms). */
  detectionMs(): number {
    return this.opts.intervalMs * this.opts.multiplier;
  }

  stop(): void {
    for (const p of this.#peers.values()) p.timer?.cancel();
  }
}
