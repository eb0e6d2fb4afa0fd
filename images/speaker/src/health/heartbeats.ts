// SPDX-License-Identifier: Apache-2.0
/** The UDP shell around the heartbeat exchange: a beat round every interval, our changed state at once (`sendNow`). */
import * as dgram from 'node:dgram';
import { systemClock } from '../../../../lib/clock.js';
import { familyOf } from '../../../../lib/ip.js';
import type { Logger } from '../../../../lib/log.js';
import { HeartbeatExchange, type Datagram, type PeerAddress, type SelfReport } from './exchange.js';
import type { Liveness } from './liveness.js';

export type { PeerAddress } from './exchange.js';

export interface HeartbeatServiceOptions {
  readonly node: string;
  readonly key: Uint8Array;
  readonly port: number;
  readonly log: Logger;
  readonly liveness: Liveness;
  /** What we tell the others about ourselves, read at every send. */
  readonly self: () => SelfReport;
}

export class HeartbeatService {
  readonly #exchange: HeartbeatExchange;
  #timer: NodeJS.Timeout | undefined;
  readonly #sockets = new Map<4 | 6, dgram.Socket>();
  #lastErrorLog = 0;

  constructor(private readonly o: HeartbeatServiceOptions) {
    this.#exchange = new HeartbeatExchange({ node: o.node, key: o.key, clock: systemClock, liveness: o.liveness, self: o.self });
  }

  async start(): Promise<void> {
    await this.#bind(4, 'udp4', '0.0.0.0');
    await this.#bind(6, 'udp6', '::').catch((e: Error) => this.o.log.debug({ op: 'heartbeat', err: e.message }, 'no IPv6 heartbeat socket'));
    this.#timer = setInterval(() => this.#send(this.#exchange.tick()), this.o.liveness.intervalMs());
    this.#send(this.#exchange.tick());
  }

  #bind(family: 4 | 6, type: 'udp4' | 'udp6', host: string): Promise<void> {
    const s = dgram.createSocket({ type, ipv6Only: family === 6, reuseAddr: true });
    s.on('message', (msg, rinfo) => this.#receive(msg, rinfo.address));
    s.on('error', (e) => this.o.log.warn({ op: 'heartbeat', err: e.message }, 'heartbeat socket error'));
    return new Promise((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.o.port, host, () => {
        s.off('error', reject);
        this.#sockets.set(family, s);
        resolve();
      });
    });
  }

  /** The nodes' heartbeat addresses (only watched peers get heartbeats). */
  setAddresses(list: readonly PeerAddress[]): void {
    this.#exchange.setAddresses(list);
  }

  /** Sends our state now if it changed (a peer up or down, holding, links), besides the regular beats. */
  sendNow(): void {
    if (this.#sockets.size > 0) this.#send(this.#exchange.changed());
  }

  /** Whether every peer up now has read our current state. */
  acknowledged(): boolean {
    return this.#exchange.acknowledged();
  }

  #send(out: readonly Datagram[]): void {
    for (const d of out) {
      const fam = familyOf(d.address);
      const s = fam && this.#sockets.get(fam);
      s?.send(d.bytes, this.o.port, d.address);
    }
  }

  #receive(msg: Buffer, from: string): void {
    this.#exchange.receive(msg, from);
    const errors = this.#exchange.errors;
    if (errors.size === 0) return;
    const now = Date.now();
    if (now - this.#lastErrorLog > 60_000) {
      this.#lastErrorLog = now;
      this.o.log.warn({ op: 'heartbeat', errors: Object.fromEntries(errors) }, 'dropping heartbeats that fail to decode or authenticate, or come from nodes not watched (is METALLB_HEARTBEAT_KEY the same on every node, and every speaker of this release?)');
      errors.clear();
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const s of this.#sockets.values()) s.close();
    this.#sockets.clear();
  }
}
