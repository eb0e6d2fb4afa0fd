// SPDX-License-Identifier: Apache-2.0
/**
 * L2 speakers on one simulated segment, with the real heartbeat exchange (codec, liveness), topology
 * and election: datagrams with a per-direction delay or loss, event loops that stall, speakers that
 * die. Counts what each speaker sends and who announces each address. Time is a ManualClock.
 */
import { Registry } from 'prom-client';
import pino from 'pino';
import { ManualClock, type Clock } from '../../lib/clock.js';
import { formatMac } from '../../lib/mac.js';
import { HeartbeatExchange, type Datagram } from '../../images/speaker/src/health/exchange.js';
import { Liveness } from '../../images/speaker/src/health/liveness.js';
import { DEFAULT_ANNOUNCER } from '../../images/speaker/src/l2/decide/announcer.js';
import { L2Metrics } from '../../images/speaker/src/l2/metrics.js';
import type { RawLink } from '../../images/speaker/src/l2/link/raw-link.js';
import { L2Speaker } from '../../images/speaker/src/l2/decide/speaker.js';
import type { L2Topology } from '../../images/speaker/src/l2/decide/topology.js';

const KEY = Buffer.from('cluster-key');
/** Bytes a UDP datagram takes on an Ethernet wire besides its payload: Ethernet 14, IPv4 20, UDP 8. */
export const WIRE_OVERHEAD = 42;

/** A node's view of time: while frozen (a stalled event loop) nothing runs; on thaw, due timers first, then received datagrams, as libuv does. */
export class LoopClock implements Clock {
  frozen = false;
  #timers: (() => void)[] = [];
  #io: (() => void)[] = [];
  constructor(private readonly base: ManualClock) {}
  now(): number {
    return this.base.now();
  }
  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    let live = true;
    const t = this.base.setTimeout(() => (this.frozen ? this.#timers.push(() => live && fn()) : fn()), ms);
    return { cancel: () => ((live = false), t.cancel()) };
  }
  io(fn: () => void): void {
    if (this.frozen) this.#io.push(fn);
    else fn();
  }
  /** `beforeIo` runs between the late timers and the queued datagrams: where queued ARP requests would be answered too. */
  thaw(beforeIo: () => void = () => undefined): void {
    this.frozen = false;
    for (const fn of this.#timers.splice(0)) fn();
    beforeIo();
    for (const fn of this.#io.splice(0)) fn();
  }
}

const quietLink = (name: string, mac: string): RawLink => ({ name, mac, send: () => undefined, onFrame: () => undefined, onClose: () => undefined, close: () => undefined });

export interface ClusterOptions {
  readonly topology: L2Topology;
  readonly intervalMs: number;
  readonly multiplier: number;
  /** How long a member that said it restarts is held (ms); the default when absent. */
  readonly restartHoldMs?: number;
  /** How long a placed node must be back before an address taken over from it returns (ms); the default when absent. */
  readonly returnDelayMs?: number;
  /** How long a late run of a member's event loop makes its peers wait longer for it (ms); the default when absent. */
  readonly slowHoldMs?: number;
}

export class Member {
  readonly clock: LoopClock;
  readonly liveness: Liveness;
  readonly speaker: L2Speaker;
  readonly exchange: HeartbeatExchange;
  sent = 0;
  sentBytes = 0;
  largest = 0;
  #timer: { cancel(): void } | undefined;

  constructor(readonly name: string, boot: number, readonly net: SimNet, restartHoldMs = net.options.restartHoldMs) {
    const o = net.options;
    this.clock = new LoopClock(net.clock);
    this.liveness = new Liveness(this.clock, { intervalMs: o.intervalMs, multiplier: o.multiplier, ...(restartHoldMs !== undefined ? { restartHoldMs } : {}), ...(o.slowHoldMs !== undefined ? { slowHoldMs: o.slowHoldMs } : {}) }, () => {
      this.#send(this.exchange.changed());
      this.speaker.recompute();
    }, (_n, changed) => {
      this.speaker.heard(changed);
      if (changed) this.#send(this.exchange.changed());
    });
    const mac = formatMac(Uint8Array.of(2, 0, 0, boot & 0xff, 0, 1));
    this.speaker = new L2Speaker({
      node: name, clock: this.clock, log: pino({ level: 'silent' }), metrics: new L2Metrics(new Registry(), name), liveness: this.liveness,
      // New addresses are probed first, as by default: speakers that end their hold together learn of each other meanwhile.
      announcer: { ...DEFAULT_ANNOUNCER, burstMs: [0] },
      openLink: quietLink,
      onReportChange: () => this.#send(this.exchange.changed()),
      ...(o.returnDelayMs !== undefined ? { returnDelayMs: o.returnDelayMs } : {}),
      onEvent: (e) => e.type !== 'conflict' && net.announced(name, e.ip, e.type === 'announced'),
    });
    this.exchange = new HeartbeatExchange({ node: name, key: KEY, clock: this.clock, liveness: this.liveness, boot, self: () => ({ apiOk: true, links: ['eth0'], macs: [mac], ...this.speaker.report() }) });
    this.exchange.setAddresses(net.addresses);
    this.speaker.setLinks([{ name: 'eth0', mac, up: true, enslaved: false, noArp: false }]);
    this.speaker.setTopology(o.topology);
    this.speaker.start();
    this.#tick();
  }

  #tick(): void {
    this.#send(this.exchange.tick());
    this.#timer = this.clock.setTimeout(() => this.#tick(), this.net.options.intervalMs);
  }

  #send(out: readonly Datagram[]): void {
    for (const d of out) {
      this.sent++;
      this.sentBytes += d.bytes.length;
      this.largest = Math.max(this.largest, d.bytes.length);
      this.net.deliver(this.name, d);
    }
  }

  receive(d: Datagram, from: string): void {
    this.clock.io(() => this.exchange.receive(d.bytes, from));
  }

  stop(): void {
    this.#timer?.cancel();
    this.speaker.stop();
    this.liveness.stop();
  }
}

export class SimNet {
  readonly clock = new ManualClock();
  readonly members = new Map<string, Member>();
  readonly addresses: { node: string; address: string }[];
  /** Delay of a datagram from → to, ms; undefined drops it. */
  delay: (from: string, to: string) => number | undefined = () => 1;
  // ip -> members announcing it
  readonly #announcers = new Map<string, Set<string>>();
  // ip -> since when two running members announce it, and the longest such episode
  readonly #dualSince = new Map<string, number>();
  longestDual = 0;

  constructor(readonly options: ClusterOptions, nodes: readonly string[]) {
    this.addresses = nodes.map((n) => ({ node: n, address: n }));
  }

  /** `restartHoldMs`: this member's own hold of peers that restart (0: it takes them over, as a release without the hold). */
  start(name: string, boot = 1, restartHoldMs?: number): Member {
    this.kill(name);
    const m = new Member(name, boot, this, restartHoldMs);
    this.members.set(name, m);
    return m;
  }

  /** The member stops to restart: it tells its peers, and stops once they acknowledged (or after `maxMs`). */
  leave(name: string, maxMs = 300): void {
    this.#announcedStop(name, maxMs, (m) => m.speaker.leave());
  }

  /** The member stops for good: it hands its addresses over, and stops once the peers acknowledged (or after `maxMs`). */
  handOff(name: string, maxMs = 300): void {
    this.#announcedStop(name, maxMs, (m) => m.speaker.handOff());
  }

  #announcedStop(name: string, maxMs: number, announce: (m: Member) => void): void {
    const m = this.members.get(name);
    if (!m) return;
    announce(m);
    for (let t = 0; t < maxMs && !m.exchange.acknowledged(); t++) this.run(1);
    this.kill(name);
  }

  /** The member stops at once, as a node losing power: it sends and answers nothing. */
  kill(name: string): void {
    const m = this.members.get(name);
    if (!m) return;
    this.members.delete(name);
    m.stop();
    for (const [ip, s] of this.#announcers) if (s.delete(name)) this.#check(ip);
  }

  deliver(from: string, d: Datagram): void {
    const delay = this.delay(from, d.node);
    const to = this.members.get(d.node);
    if (delay === undefined || !to) return;
    this.clock.setTimeout(() => this.members.get(d.node) === to && to.receive(d, from), delay);
  }

  announced(name: string, ip: string, on: boolean): void {
    let s = this.#announcers.get(ip);
    if (!s) this.#announcers.set(ip, (s = new Set()));
    if (on) s.add(name);
    else s.delete(name);
    this.#check(ip);
  }

  /** Running (not stalled) members announcing `ip`. */
  announcers(ip: string): string[] {
    return [...(this.#announcers.get(ip) ?? [])].filter((n) => this.members.get(n)?.clock.frozen === false).sort();
  }

  #check(ip: string): void {
    const n = this.announcers(ip).length;
    const now = this.clock.now();
    const since = this.#dualSince.get(ip);
    if (n >= 2 && since === undefined) this.#dualSince.set(ip, now);
    if (since !== undefined) this.longestDual = Math.max(this.longestDual, now - since);
    if (n < 2) this.#dualSince.delete(ip);
  }

  /** Runs for `ms`, re-checking every millisecond whether stalled members changed who answers. */
  run(ms: number): void {
    for (let i = 0; i < ms; i++) {
      this.clock.advance(1);
      for (const ip of this.#announcers.keys()) this.#check(ip);
    }
  }

  /** Advances time in one go (no per-millisecond checks): for large clusters with no stalled member. */
  advance(ms: number): void {
    this.clock.advance(ms);
    for (const ip of [...this.#dualSince.keys()]) this.#check(ip);
  }

  /** For each address, the running members announcing it. */
  owners(ips: readonly string[]): Record<string, string[]> {
    return Object.fromEntries(ips.map((ip) => [ip, this.announcers(ip)]));
  }

  stop(): void {
    for (const m of this.members.values()) m.stop();
  }
}
