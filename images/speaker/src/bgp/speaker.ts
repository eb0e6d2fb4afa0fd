// SPDX-License-Identifier: Apache-2.0
/**
 * The set of BGP sessions of one node: adds, replaces and removes sessions as peer specs change,
 * hands each its routes, and accepts incoming connections for passive peers on one listener.
 */
import * as net from 'node:net';
import { systemClock, type Clock } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import type { Family } from './validate.js';
import type { BgpMetrics } from './metrics.js';
import { Session } from './session.js';
import { connOf, dial, setListenerMd5 } from './tcp.js';
import type { Route } from './updates.js';
import type { SessionState } from './fsm.js';

/** Everything that defines one session; a change in any field replaces the session. */
export interface PeerSpec {
  /** Unique key, e.g. the BGPPeer name. */
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly localAs: number;
  readonly peerAs: number;
  readonly routerId: string;
  readonly holdTime: number;
  readonly keepaliveTime?: number;
  readonly connectTimeMs: number;
  readonly passive: boolean;
  /** TCP-MD5 key (from a Secret); never logged. */
  readonly password?: string;
  readonly sourceAddress?: string;
  /** TTL for eBGP multihop; unset uses the system default. */
  readonly ttl?: number;
  /** GTSM (RFC 5082): the peer's segments with a lower TTL are dropped by the kernel. */
  readonly minTtl?: number;
  readonly families: readonly Family[];
  readonly gracefulRestart?: { readonly restartTime: number };
  /** Next hops instead of our session address (the other family's by default: our address on the same interface). */
  readonly nextHop4?: string;
  readonly nextHop6?: readonly string[];
}

/** Peer address -> how long (ms) it keeps our routes across a restart: the restart time of its graceful-restart sessions. */
export function restartHoldsMs(peers: readonly PeerSpec[]): (address: string) => number | undefined {
  const ms = new Map(peers.flatMap((p) => (p.gracefulRestart ? [[p.address, p.gracefulRestart.restartTime * 1000] as const] : [])));
  return (address) => ms.get(address);
}

export interface SpeakerOptions {
  readonly log: Logger;
  readonly metrics?: BgpMetrics;
  readonly clock?: Clock;
  /** Port to accept connections of passive peers on (179); 0 picks any (tests); undefined: no listener. */
  readonly listenPort?: number;
  readonly onState?: (peer: PeerSpec, to: SessionState, from: SessionState, reason: string) => void;
}

interface Entry {
  readonly spec: PeerSpec;
  readonly key: string;
  readonly session: Session;
  routes: readonly Route[];
}

/** A spec's identity without the password (the password is compared separately, never printed). */
function keyOf(s: PeerSpec): string {
  return JSON.stringify({ ...s, password: s.password === undefined ? null : Buffer.from(s.password).toString('base64') });
}

function sameRouter(a: PeerSpec, b: PeerSpec): boolean {
  return a.address === b.address && a.port === b.port && a.peerAs === b.peerAs;
}

export class BgpSpeaker {
  readonly #o: SpeakerOptions;
  /** peer name -> session */
  readonly #peers = new Map<string, Entry>();
  #server: net.Server | undefined;
  #listening: Promise<void> | undefined;

  constructor(o: SpeakerOptions) {
    this.#o = o;
  }

  /** Reconciles sessions with the specs. */
  async setPeers(specs: readonly PeerSpec[]): Promise<void> {
    const wanted = new Map(specs.map((s) => [s.name, s]));
    for (const [name, e] of this.#peers) {
      const s = wanted.get(name);
      if (!s || keyOf(s) !== e.key) {
        // A changed session to the same router restarts gracefully, so the router keeps our routes meanwhile;
        // a peer that is gone gets a Cease and drops them.
        e.session.stop(s !== undefined && sameRouter(s, e.spec) && !!s.gracefulRestart);
        this.#peers.delete(name);
        if (e.spec.password !== undefined && this.#server) this.#md5(e.spec.address, '');
      }
    }
    if (specs.some((s) => s.passive) && this.#o.listenPort !== undefined) await this.#listen(this.#o.listenPort);
    for (const s of specs) {
      if (this.#peers.has(s.name)) continue;
      const log = this.#o.log.child({ peer: `${s.address}:${s.port}` });
      const session = new Session({
        fsm: {
          localAs: s.localAs, peerAs: s.peerAs, routerId: s.routerId, holdTime: s.holdTime, families: s.families,
          passive: s.passive, retryMs: 1000, maxRetryMs: 120_000,
          ...(s.keepaliveTime !== undefined ? { keepaliveTime: s.keepaliveTime } : {}),
          ...(s.gracefulRestart ? { gracefulRestart: s.gracefulRestart } : {}),
        },
        peer: s.address,
        clock: this.#o.clock ?? systemClock,
        dial: () => dial({
          host: s.address, port: s.port, timeoutMs: s.connectTimeMs,
          ...(s.sourceAddress ? { localAddress: s.sourceAddress } : {}),
          ...(s.password !== undefined ? { password: s.password } : {}),
          ...(s.ttl !== undefined ? { ttl: s.ttl } : {}),
          ...(s.minTtl !== undefined ? { minTtl: s.minTtl } : {}),
        }),
        log,
        ...(this.#o.metrics ? { metrics: this.#o.metrics } : {}),
        ...(s.nextHop4 ? { nextHop4: s.nextHop4 } : {}),
        ...(s.nextHop6 ? { nextHop6: s.nextHop6 } : {}),
        onState: (to, from, reason) => this.#o.onState?.(s, to, from, reason),
      });
      if (s.password !== undefined && this.#server) this.#md5(s.address, s.password);
      this.#peers.set(s.name, { spec: s, key: keyOf(s), session, routes: [] });
      session.start();
    }
  }

  /** The routes a peer should carry. */
  setRoutes(peer: string, routes: readonly Route[]): void {
    const e = this.#peers.get(peer);
    if (!e) return;
    e.routes = routes;
    e.session.set(routes);
  }

  session(peer: string): Session | undefined {
    return this.#peers.get(peer)?.session;
  }

  /** Tears down the sessions to a peer address now (BFD said it is gone). */
  peerUnreachable(address: string): void {
    for (const e of this.#peers.values()) if (e.spec.address === address) e.session.bfdDown();
  }

  /** Address the listener is bound to (tests). */
  get listenAddress(): net.AddressInfo | undefined {
    const a = this.#server?.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** Stops every session; `graceful` keeps routes at graceful-restart peers. */
  async stop(graceful = false): Promise<void> {
    for (const e of this.#peers.values()) e.session.stop(graceful);
    this.#peers.clear();
    const srv = this.#server;
    this.#server = undefined;
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  }

  #md5(address: string, password: string): void {
    if (!this.#server) return;
    try {
      setListenerMd5(this.#server, address, password);
    } catch (e) {
      this.#o.log.error({ event: 'md5Failed', peer: address, err: (e as Error).message }, 'cannot set the TCP-MD5 key on the listening socket');
    }
  }

  #listen(port: number): Promise<void> {
    this.#listening ??= new Promise<void>((resolve, reject) => {
      const srv = net.createServer((sock) => {
        const conn = connOf(sock);
        const e = [...this.#peers.values()].find((p) => p.spec.address === conn.remoteAddress && p.spec.passive);
        if (!e) {
          this.#o.log.debug({ event: 'refused', peer: conn.remoteAddress }, 'connection from an address that is no passive peer');
          conn.close();
          return;
        }
        sock.setNoDelay(true);
        e.session.accept(conn);
      });
      srv.once('error', reject);
      srv.listen({ port, host: '::', ipv6Only: false }, () => {
        this.#server = srv;
        for (const e of this.#peers.values()) if (e.spec.password !== undefined) this.#md5(e.spec.address, e.spec.password);
        resolve();
      });
    });
    return this.#listening;
  }
}
