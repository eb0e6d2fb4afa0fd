// SPDX-License-Identifier: Apache-2.0
/**
 * Which peer speakers are alive, from their heartbeats: a peer is down once no heartbeat came
 * for its interval × multiplier. Pure: the clock is injected.
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

interface Peer {
  up: boolean;
  last?: Heartbeat;
  timer?: Timer;
}

export class Liveness {
  // node name -> what we know of it
  readonly #peers = new Map<string, Peer>();

  constructor(
    private readonly clock: Clock,
    private readonly opts: LivenessOptions,
    private readonly onChange: (node: string, up: boolean) => void,
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
    p.last = h;
    p.timer?.cancel();
    const detect = Math.max(1, h.intervalMs || this.opts.intervalMs) * this.opts.multiplier;
    p.timer = this.clock.setTimeout(() => this.#down(h.node, p), detect);
    if (!p.up) {
      p.up = true;
      this.onChange(h.node, true);
    }
    return 'accepted';
  }

  #down(node: string, p: Peer): void {
    if (this.#peers.get(node) !== p || !p.up) return;
    p.up = false;
    this.onChange(node, false);
  }

  isUp(node: string): boolean {
    return this.#peers.get(node)?.up === true;
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

  /** The detection time for our own interval (ms). */
  detectionMs(): number {
    return this.opts.intervalMs * this.opts.multiplier;
  }

  stop(): void {
    for (const p of this.#peers.values()) p.timer?.cancel();
  }
}
