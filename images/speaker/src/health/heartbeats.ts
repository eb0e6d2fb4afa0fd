// SPDX-License-Identifier: Apache-2.0
/**
 * The UDP shell around heartbeats: send ours to every peer each interval, and at once when what we
 * report changes (`sendNow`); feed theirs to the liveness detector.
 */
import * as dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { familyOf } from '../../../../lib/ip.js';
import type { Logger } from '../../../../lib/log.js';
import { decodeHeartbeat, encodeHeartbeat, type HeartbeatError } from './heartbeat.js';
import type { Liveness } from './liveness.js';

export interface PeerAddress {
  readonly node: string;
  readonly address: string;
}

export interface HeartbeatServiceOptions {
  readonly node: string;
  readonly key: Uint8Array;
  readonly intervalMs: number;
  readonly port: number;
  readonly log: Logger;
  readonly liveness: Liveness;
  /** What we tell the others about ourselves, read at every send (our view comes from the liveness detector). */
  readonly self: () => { apiOk: boolean; links: readonly string[]; macs: readonly string[]; holding: boolean; cands: readonly string[] };
  readonly peers: () => readonly PeerAddress[];
}

export class HeartbeatService {
  readonly #boot = randomInt(1, 0xffffffff);
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #sockets = new Map<4 | 6, dgram.Socket>();
  // error -> count, logged at most once per error kind per minute
  readonly #errors = new Map<HeartbeatError, number>();
  #lastErrorLog = 0;

  constructor(private readonly o: HeartbeatServiceOptions) {}

  async start(): Promise<void> {
    await this.#bind(4, 'udp4', '0.0.0.0');
    await this.#bind(6, 'udp6', '::').catch((e: Error) => this.o.log.debug({ op: 'heartbeat', err: e.message }, 'no IPv6 heartbeat socket'));
    this.#timer = setInterval(() => this.#send(), this.o.intervalMs);
    this.#send();
  }

  #bind(family: 4 | 6, type: 'udp4' | 'udp6', host: string): Promise<void> {
    const s = dgram.createSocket({ type, ipv6Only: family === 6, reuseAddr: true });
    s.on('message', (msg) => this.#receive(msg));
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

  /** Sends one heartbeat now (our view or state changed), besides the regular ones. */
  sendNow(): void {
    if (this.#sockets.size > 0) this.#send();
  }

  #send(): void {
    const me = this.o.self();
    const msg = encodeHeartbeat({ node: this.o.node, boot: this.#boot, seq: ++this.#seq, intervalMs: this.o.intervalMs, ...me, view: this.o.liveness.view() }, this.o.key);
    for (const p of this.o.peers()) {
      if (p.node === this.o.node) continue;
      const fam = familyOf(p.address);
      const s = fam && this.#sockets.get(fam);
      s?.send(msg, this.o.port, p.address);
    }
  }

  #receive(msg: Buffer): void {
    const d = decodeHeartbeat(msg, this.o.key);
    if (!d.ok) {
      this.#errors.set(d.error, (this.#errors.get(d.error) ?? 0) + 1);
      const now = Date.now();
      if (now - this.#lastErrorLog > 60_000) {
        this.#lastErrorLog = now;
        this.o.log.warn({ op: 'heartbeat', errors: Object.fromEntries(this.#errors) }, 'dropping heartbeats that fail to decode or authenticate (is METALLB_HEARTBEAT_KEY the same on every node?)');
      }
      return;
    }
    if (d.value.node !== this.o.node) this.o.liveness.heard(d.value);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    for (const s of this.#sockets.values()) s.close();
    this.#sockets.clear();
  }
}
