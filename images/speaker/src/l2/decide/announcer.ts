// SPDX-License-Identifier: Apache-2.0
/**
 * Per address: probe before a first announcement, announce with a burst of gratuitous ARP /
 * unsolicited NA, defend against conflicts, stop on release. Pure: clock and I/O are injected.
 * A conflict while probing means the address is in use: we do not announce it. While announcing we defend
 * (RFC 5227 §2.4): one announcement and one probe (a host that really holds the address answers it), and
 * we yield only when a second conflicting claim comes within DEFEND_INTERVAL. A lone forged frame changes nothing.
 */
import { familyOf } from '../../../../../lib/ip.js';
import type { Clock, Timer } from '../../../../../lib/clock.js';
import { arpProbeFrame, gratuitousArpFrame } from '../wire/arp.js';
import { unsolicitedNaFrame } from '../wire/ndp-na.js';
import { dadProbeFrame } from '../wire/ndp-ns.js';
import { Pacer } from './pacer.js';

export interface AnnouncerOptions {
  /** When to send gratuitous ARP / unsolicited NA after gaining an address (ms). Past Linux's 1 s neighbour locktime. */
  readonly burstMs: readonly number[];
  /** How long to listen after probing a new address before announcing it (ms). */
  readonly probeWaitMs: number;
  /** After a conflict, probe again after this long (ms). */
  readonly conflictRetryMs: number;
  /** Periodic re-announcement while announcing (ms); 0 = off. */
  readonly refreshMs: number;
  /** Probes and announcements sent per second at most, over all addresses (a tenth of it at once); 0 or absent = unpaced. */
  readonly framesPerSecond?: number;
}

/** After a conflict, listen this long for an answer to the new probe: RFC 5227's PROBE_WAIT, no failover is waiting. */
const RECHECK_WAIT_MS = 1000;
/**
 * Stale entries of another speaker are corrected at most this often per address: two speakers that
 * announce one address for a moment would otherwise answer each other's announcements in a loop (each
 * correction is two frames, each a claim to the other), flooding the segment and both event loops.
 */
const STALE_CORRECTION_MS = 1000;

/** RFC 5227 DEFEND_INTERVAL: one defence per interval; a second claim within it is a conflict that persists. */
export const DEFEND_INTERVAL_MS = 10_000;

export const DEFAULT_ANNOUNCER: AnnouncerOptions = { burstMs: [0, 50, 1100, 2200, 3300, 4400], probeWaitMs: 200, conflictRetryMs: 10_000, refreshMs: 0, framesPerSecond: 5000 };

export type AddressState = 'probing' | 'announcing' | 'conflict';

export type AnnouncerEvent =
  | { readonly type: 'state'; readonly ip: string; readonly state: AddressState | 'released' }
  | { readonly type: 'gratuitous'; readonly ip: string; readonly link: string }
  /**
   * A foreign station claims an address we probe or announce; `stale` when it is one of our own speakers (we re-announce).
   * `yielded`: we stopped announcing (a claim while probing, or one that persists); else we defended the address.
   */
  | { readonly type: 'conflict'; readonly ip: string; readonly mac: string; readonly phase: 'probe' | 'announce'; readonly stale: boolean; readonly yielded: boolean };

export interface AnnouncerIo {
  /** Links (name and our MAC) the address is announced on now. */
  links(ip: string): readonly { readonly name: string; readonly mac: string; readonly vlans?: readonly number[] }[];
  send(link: string, frame: Uint8Array): void;
  /** MACs of other speakers: a claim from one of them is our own stale entry, not a conflict. */
  isSpeakerMac(mac: string): boolean;
  event(e: AnnouncerEvent): void;
}

interface Entry {
  state: AddressState;
  // pending timers; each removes itself when it fires
  timers: Set<Timer>;
  // probes started: only the latest one's paced job may start its listening time
  probes: number;
  // when we last corrected another speaker's stale entry
  corrected?: number;
  // clock time of the last foreign claim we defended against
  defendedAt?: number | undefined;
}

export class Announcer {
  // ip -> state and pending timers
  readonly #entries = new Map<string, Entry>();
  readonly #pacer: Pacer;

  constructor(private readonly clock: Clock, private readonly opts: AnnouncerOptions, private readonly io: AnnouncerIo) {
    this.#pacer = new Pacer(clock, opts.framesPerSecond ?? 0);
  }

  /** Whether `e` is still the entry of `ip` in one of `states` (a paced frame is built only then). */
  #current(ip: string, e: Entry, ...states: AddressState[]): boolean {
    return this.#entries.get(ip) === e && states.includes(e.state);
  }

  /** Drops the probes and announcements still waiting to be sent. */
  stop(): void {
    this.#pacer.stop();
  }

  state(ip: string): AddressState | undefined {
    return this.#entries.get(ip)?.state;
  }

  /** Addresses we answer for. */
  announcing(ip: string): boolean {
    return this.#entries.get(ip)?.state === 'announcing';
  }

  /** Addresses on which a foreign claim matters. */
  watching(ip: string): boolean {
    const s = this.#entries.get(ip)?.state;
    return s === 'announcing' || s === 'probing';
  }

  addresses(): string[] {
    return [...this.#entries.keys()];
  }

  /** We own `ip` now. `probe`: it is new to the segment (not a takeover from a failed speaker), so check first. */
  acquire(ip: string, probe: boolean): void {
    if (this.#entries.has(ip)) return;
    const e: Entry = { state: 'probing', timers: new Set(), probes: 0 };
    this.#entries.set(ip, e);
    if (probe && this.opts.probeWaitMs > 0) this.#probe(ip, e);
    else {
      // A takeover is announced at once; the probe still goes out, so a foreign holder shows up as a conflict.
      this.#sendProbes(ip, e);
      this.#announce(ip, e);
    }
  }

  /** We no longer own `ip`: stop answering and announcing at once. */
  release(ip: string): void {
    const e = this.#entries.get(ip);
    if (!e) return;
    this.#cancel(e);
    this.#entries.delete(ip);
    this.io.event({ type: 'state', ip, state: 'released' });
  }

  /** Announce again on every link now (a link came up, or a stale entry was seen). */
  reannounce(ip: string): void {
    const e = this.#entries.get(ip);
    if (e?.state === 'announcing') this.#burst(ip, e, [0]);
  }

  /** Someone else said it is `ip`. */
  claim(ip: string, mac: string): void {
    const e = this.#entries.get(ip);
    if (!e || e.state === 'conflict') return;
    const phase = e.state === 'probing' ? 'probe' : 'announce';
    if (this.io.isSpeakerMac(mac)) {
      if (e.state === 'announcing') {
        const now = this.clock.now();
        if (e.corrected !== undefined && now - e.corrected < STALE_CORRECTION_MS) return;
        e.corrected = now;
      }
      // Our own old owner's entry lingers in caches: correct them and keep the address.
      this.io.event({ type: 'conflict', ip, mac, phase, stale: true, yielded: false });
      if (e.state === 'announcing') this.#burst(ip, e, [0]);
      return;
    }
    const now = this.clock.now();
    const persists = phase === 'probe' || (e.defendedAt !== undefined && now - e.defendedAt < DEFEND_INTERVAL_MS);
    this.io.event({ type: 'conflict', ip, mac, phase, stale: false, yielded: persists });
    if (!persists) {
      e.defendedAt = now;
      this.#gratuitous(ip, e);
      this.#sendProbes(ip, e);
      return;
    }
    e.defendedAt = undefined;
    this.#cancel(e);
    this.#set(ip, e, 'conflict');
    this.#after(e, this.opts.conflictRetryMs, () => this.#probe(ip, e, RECHECK_WAIT_MS));
  }

  #cancel(e: Entry): void {
    for (const t of e.timers) t.cancel();
    e.timers.clear();
  }

  #after(e: Entry, ms: number, fn: () => void): void {
    const t = this.clock.setTimeout(() => {
      e.timers.delete(t);
      fn();
    }, ms);
    e.timers.add(t);
  }

  #set(ip: string, e: Entry, state: AddressState): void {
    e.state = state;
    this.io.event({ type: 'state', ip, state });
  }

  #probe(ip: string, e: Entry, waitMs = this.opts.probeWaitMs): void {
    this.#cancel(e);
    this.#set(ip, e, 'probing');
    // The listening time starts when the probe goes out.
    const probe = ++e.probes;
    this.#pacer.submit(() => {
      if (!this.#current(ip, e, 'probing') || e.probes !== probe) return 0;
      this.#after(e, Math.max(waitMs, this.opts.probeWaitMs), () => this.#announce(ip, e));
      return this.#probeNow(ip);
    });
  }

  #sendProbes(ip: string, e: Entry): void {
    this.#pacer.submit(() => (this.#current(ip, e, 'probing', 'announcing') ? this.#probeNow(ip) : 0));
  }

  #probeNow(ip: string): number {
    let n = 0;
    for (const l of this.io.links(ip)) {
      this.io.send(l.name, familyOf(ip) === 6 ? dadProbeFrame(l.mac, ip, l.vlans) : arpProbeFrame(l.mac, ip, l.vlans));
      n++;
    }
    return n;
  }

  #announce(ip: string, e: Entry): void {
    this.#cancel(e);
    this.#set(ip, e, 'announcing');
    this.#burst(ip, e, this.opts.burstMs);
    if (this.opts.refreshMs > 0) this.#refresh(ip, e);
  }

  #refresh(ip: string, e: Entry): void {
    this.#after(e, this.opts.refreshMs, () => {
      this.#burst(ip, e, [0]);
      this.#refresh(ip, e);
    });
  }

  #burst(ip: string, e: Entry, delays: readonly number[]): void {
    for (const ms of delays) {
      if (ms <= 0) this.#gratuitous(ip, e);
      else this.#after(e, ms, () => this.#gratuitous(ip, e));
    }
  }

  /** Queues one round of gratuitous ARP / unsolicited NA; it goes out only if the address is still announced then. */
  #gratuitous(ip: string, e: Entry): void {
    this.#pacer.submit(() => {
      if (!this.#current(ip, e, 'announcing')) return 0;
      let n = 0;
      for (const l of this.io.links(ip)) {
        if (familyOf(ip) === 6) this.io.send(l.name, unsolicitedNaFrame(l.mac, ip, l.vlans));
        else {
          this.io.send(l.name, gratuitousArpFrame(l.mac, ip, 'request', l.vlans));
          this.io.send(l.name, gratuitousArpFrame(l.mac, ip, 'reply', l.vlans));
        }
        n += familyOf(ip) === 6 ? 1 : 2;
        this.io.event({ type: 'gratuitous', ip, link: l.name });
      }
      return n;
    });
  }
}
