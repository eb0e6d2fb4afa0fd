// SPDX-License-Identifier: Apache-2.0
/**
 * One BGP session: the I/O shell around the pure FSM. Owns the connection, the timers and what was sent.
 * Public surface: start(), set(routes), accept(conn), bfdDown(), stop().
 */
import * as os from 'node:os';
import type { Clock, Timer } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import { BgpProtocolError, ErrorCode, handlingName } from './errors.js';
import { Fsm, reasonText, type FsmAction, type FsmConfig, type SessionState, type TimerName } from './fsm.js';
import { decodeMessage, splitMessages } from './messages/index.js';
import type { UpdateMessage } from './messages/update.js';
import type { BgpMetrics } from './metrics.js';
import type { Conn } from './tcp.js';
import { announceUpdates, diffRoutes, endOfRib, withdrawUpdates, type Route, type UpdateContext } from './updates.js';
import type { Family, Negotiated } from './validate.js';

export interface SessionOptions {
  readonly fsm: FsmConfig;
  /** "address:port" or a name, used as the metrics label and log subject. */
  readonly peer: string;
  readonly clock: Clock;
  /** Opens a connection to the peer (with TCP-MD5, TTL and the connect timeout). */
  readonly dial: () => Promise<Conn>;
  readonly log: Logger;
  readonly metrics?: BgpMetrics;
  /** Next hops to use instead of our session address (other family, or a fixed address). */
  readonly nextHop4?: string;
  readonly nextHop6?: readonly string[];
  /** Called on every state change. */
  readonly onState?: (to: SessionState, from: SessionState, reason: string) => void;
}

/** A running BGP session to one peer. */
export class Session {
  readonly #o: SessionOptions;
  readonly #fsm: Fsm;
  #conn: Conn | undefined;
  #buf: Buffer = Buffer.alloc(0);
  readonly #timers = new Map<TimerName, Timer>();
  /** prefix -> route we want announced */
  #want = new Map<string, Route>();
  /** prefix -> route the peer has from us */
  #sent = new Map<string, Route>();
  #ctx: UpdateContext | undefined;
  #dialing = 0;
  /** Texts of UPDATE errors already logged since the session came up. */
  readonly #reported = new Set<string>();

  constructor(o: SessionOptions) {
    this.#o = o;
    this.#fsm = new Fsm(o.fsm);
  }

  get state(): SessionState {
    return this.#fsm.state;
  }

  get negotiated(): Negotiated | undefined {
    return this.#fsm.negotiated;
  }

  /** Prefixes the peer currently has from us. */
  get announced(): number {
    return this.#sent.size;
  }

  start(): void {
    this.#run(this.#fsm.handle({ kind: 'start' }));
  }

  /** Stops; `graceful` keeps the peer's copy of our routes (graceful restart) by closing without a NOTIFICATION. */
  stop(graceful = false): void {
    this.#run(this.#fsm.handle({ kind: 'stop', graceful }));
    this.#o.metrics?.forget(this.#o.peer);
  }

  /** BFD reported the peer unreachable: tear the session down now. */
  bfdDown(): void {
    this.#run(this.#fsm.handle({ kind: 'bfdDown' }));
  }

  /** An incoming connection from this peer (passive side). */
  accept(conn: Conn): void {
    if (this.#conn) {
      // We dial active peers and accept only passive ones, so RFC 4271 §6.8 collisions cannot arise;
      // a second connection from a passive peer while one is up is refused.
      conn.close();
      return;
    }
    this.#attach(conn);
    this.#run(this.#fsm.handle({ kind: 'tcpConnected' }));
    if (!this.#conn) conn.close();
  }

  /** Sets the routes to announce; sends the difference when established. */
  set(routes: readonly Route[]): void {
    this.#want = new Map(routes.map((r) => [r.prefix, r]));
    if (this.#fsm.state === 'Established') this.#sync(false);
    this.#reportPrefixes();
  }

  #attach(conn: Conn): void {
    this.#conn = conn;
    this.#buf = Buffer.alloc(0);
    conn.onData((b) => this.#onData(conn, b));
    conn.onClose((detail) => {
      if (this.#conn !== conn) return;
      this.#conn = undefined;
      this.#run(this.#fsm.handle({ kind: 'tcpClosed', detail }));
    });
  }

  #onData(conn: Conn, b: Buffer): void {
    if (this.#conn !== conn) return;
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, b]) : b;
    try {
      const split = splitMessages(this.#buf);
      this.#buf = Buffer.from(this.#buf.subarray(split.bytes));
      for (const raw of split.messages) {
        if (this.#conn !== conn) return;
        const n = this.#fsm.negotiated;
        const d = decodeMessage(raw, { fourOctetAs: n?.fourOctetAs ?? true, ...(n ? { ebgp: !n.ibgp } : {}) });
        if (!d.ok) return this.#decodeError(d.error);
        const m = d.value;
        if (m.type === 'open') this.#o.metrics?.gotOpen(this.#o.peer);
        if (m.type === 'keepalive') this.#o.metrics?.gotKeepalive(this.#o.peer);
        if (m.type === 'update') this.#received(m);
        this.#run(this.#fsm.handle({ kind: 'message', message: m }));
      }
      // a bad header after whole messages: those came first
      if (split.error && this.#conn === conn) this.#decodeError(split.error);
    } catch (e) {
      this.#decodeError(e instanceof BgpProtocolError ? e : new BgpProtocolError(ErrorCode.MessageHeader, 0, String(e)));
    }
  }

  #decodeError(error: BgpProtocolError): void {
    this.#run(this.#fsm.handle({ kind: 'decodeError', error }));
  }

  /** An UPDATE from the peer: we only announce, so it is logged and counted, and its errors reported once each. */
  #received(m: UpdateMessage): void {
    const log = this.#o.log;
    if (log.isLevelEnabled('debug')) {
      log.debug({ event: 'updateReceived', nlri: [...m.nlri, ...m.attributes.flatMap((a) => (a.kind === 'mpReach' ? a.nlri : []))].slice(0, 16), withdrawn: m.withdrawn.length, attributes: m.attributes.map((a) => a.kind) }, 'UPDATE received');
    }
    for (const e of m.errors ?? []) {
      this.#o.metrics?.updateError(this.#o.peer, handlingName[e.handling]);
      if (this.#reported.has(e.message) || this.#reported.size >= 64) continue;
      this.#reported.add(e.message);
      log.warn({ event: 'updateError', err: e.message, handling: handlingName[e.handling] }, `peer sent an UPDATE with an error, handled by ${handlingName[e.handling]} (the session stays up): ${e.message}`);
    }
  }

  #run(actions: FsmAction[]): void {
    for (const a of actions) {
      switch (a.do) {
        case 'transition': this.#transition(a.from, a.to, reasonText(a.reason)); break;
        case 'connect': this.#connect(); break;
        case 'send': this.#send(a.bytes, a.what); break;
        case 'drop': this.#drop(); break;
        case 'timer': this.#timer(a.timer, a.ms); break;
        case 'established': this.#established(a.negotiated); break;
        case 'resend': this.#sync(true, a.family); break;
      }
    }
  }

  #transition(from: SessionState, to: SessionState, reason: string): void {
    const up = to === 'Established';
    const wasUp = from === 'Established';
    const event = up ? 'peerUp' : wasUp ? 'peerDown' : 'state';
    this.#o.log.info({ event, from, to, reason }, up ? 'BGP session established' : wasUp ? `BGP session down: ${reason}` : `BGP ${from} -> ${to}: ${reason}`);
    if (up !== wasUp) this.#o.metrics?.sessionUp(this.#o.peer, up);
    if (up) this.#reported.clear();
    if (wasUp) {
      this.#sent.clear();
      this.#ctx = undefined;
      this.#reportPrefixes();
    }
    this.#o.onState?.(to, from, reason);
  }

  #connect(): void {
    const attempt = ++this.#dialing;
    this.#o.dial().then(
      (conn) => {
        if (attempt !== this.#dialing || this.#fsm.state !== 'Connect' || this.#conn) {
          conn.close();
          return;
        }
        this.#attach(conn);
        this.#run(this.#fsm.handle({ kind: 'tcpConnected' }));
      },
      (e: Error & { reason?: string }) => {
        if (attempt !== this.#dialing || this.#fsm.state !== 'Connect') return;
        this.#o.metrics?.connectError(this.#o.peer, e.reason ?? 'error');
        this.#o.log.warn({ event: 'connectFailed', err: e.message }, `cannot connect to BGP peer: ${e.message}`);
        this.#run(this.#fsm.handle({ kind: 'tcpFailed', detail: e.message }));
      },
    );
  }

  #send(bytes: Buffer, what: 'open' | 'keepalive' | 'notification' | 'update'): void {
    const c = this.#conn;
    if (!c) return;
    c.write(bytes);
    const m = this.#o.metrics;
    if (what === 'open') m?.sentOpen(this.#o.peer);
    if (what === 'keepalive') m?.sentKeepalive(this.#o.peer);
    if (what === 'notification') m?.sentNotification(this.#o.peer);
  }

  #drop(): void {
    const c = this.#conn;
    this.#conn = undefined;
    c?.close();
  }

  #timer(name: TimerName, ms: number): void {
    this.#timers.get(name)?.cancel();
    this.#timers.delete(name);
    if (ms > 0) this.#timers.set(name, this.#o.clock.setTimeout(() => {
      this.#timers.delete(name);
      this.#run(this.#fsm.handle({ kind: 'timer', timer: name }));
    }, ms));
  }

  #established(n: Negotiated): void {
    const local = this.#conn?.localAddress;
    const nextHop4 = this.#o.nextHop4 ?? (local && !local.includes(':') ? local : siblingAddress(local, 4));
    const nextHop6 = this.#o.nextHop6 ?? (local?.includes(':') ? [local] : maybe(siblingAddress(local, 6)));
    this.#ctx = {
      fourOctetAs: n.fourOctetAs,
      localAs: this.#o.fsm.localAs,
      ibgp: n.ibgp,
      ...(nextHop4 ? { nextHop4 } : {}),
      ...(nextHop6.length ? { nextHop6 } : {}),
    };
    this.#sync(true);
  }

  /**
   * Sends the difference between what the peer has and what we want (all of it when `full`), then End-of-RIB on a
   * full sync; `only` limits both to one family (the peer's ROUTE-REFRESH).
   */
  #sync(full: boolean, only?: Family): void {
    const c = this.#ctx;
    const n = this.#fsm.negotiated;
    if (!c || !n) return;
    const families = new Set(only ? [only] : n.families);
    const mine = ([p]: [string, Route]): boolean => families.has(p.includes(':') ? 'ipv6' : 'ipv4');
    if (full) for (const entry of [...this.#sent]) if (mine(entry)) this.#sent.delete(entry[0]);
    const want = new Map([...this.#want].filter(mine));
    const { announce, withdraw } = diffRoutes(new Map([...this.#sent].filter(mine)), want);
    const msgs = [...withdrawUpdates(withdraw, c), ...announceUpdates(announce, c)];
    if (full) for (const f of families) msgs.push(endOfRib(f, c));
    if (msgs.length && this.#conn) this.#conn.write(msgs.length === 1 ? msgs[0] ?? Buffer.alloc(0) : Buffer.concat(msgs));
    this.#o.metrics?.sentUpdates(this.#o.peer, msgs.length);
    for (const p of withdraw) this.#sent.delete(p);
    for (const r of announce) this.#sent.set(r.prefix, r);
    this.#reportPrefixes();
  }

  #reportPrefixes(): void {
    const pending = [...this.#want.keys()].filter((p) => !this.#sent.has(p)).length;
    this.#o.metrics?.prefixes(this.#o.peer, this.#sent.size, pending);
  }
}

function maybe(a: string | undefined): string[] {
  return a ? [a] : [];
}

/** An address of the other family on the interface that holds `local` (global scope only). */
export function siblingAddress(local: string | undefined, family: 4 | 6): string | undefined {
  if (!local) return undefined;
  for (const addrs of Object.values(os.networkInterfaces())) {
    if (!addrs?.some((a) => a.address === local)) continue;
    const hit = addrs.find((a) => a.family === (family === 4 ? 'IPv4' : 'IPv6') && !a.internal && !a.address.startsWith('fe80'));
    if (hit) return hit.address;
  }
  return undefined;
}
