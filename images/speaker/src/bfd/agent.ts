// SPDX-License-Identifier: Apache-2.0
/**
 * BFD over UDP (single hop, port 3784, TTL 255): one receive socket per family, one send socket per session.
 * Packets that arrive with a TTL below 255 are dropped by the kernel: they crossed a router, or were forged off-link.
 * Reports Up and Down per peer address; the BGP speaker tears sessions down on Down.
 * @see RFC 5881 §4 (ports), §5 (TTL)
 */
import * as dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { familyOf } from '../../../../lib/ip.js';
import { systemClock, type Clock } from '../../../../lib/clock.js';
import type { Logger } from '../../../../lib/log.js';
import { BfdState, decodeControl } from './packet.js';
import type { BfdMetrics } from './metrics.js';
import { BfdSession } from './session.js';
import { filterMinTtl } from '../bgp/tcp.js';

/** One BFD peer, from a BGPPeer and its BFDProfile. */
export interface BfdPeerSpec {
  readonly address: string;
  readonly localAddress?: string;
  readonly receiveIntervalMs: number;
  readonly transmitIntervalMs: number;
  readonly detectMultiplier: number;
  readonly passive: boolean;
}

export interface BfdAgentOptions {
  readonly log: Logger;
  readonly onDown: (address: string) => void;
  readonly onUp?: (address: string) => void;
  readonly clock?: Clock;
  /** 3784 unless a test says otherwise. */
  readonly port?: number;
  readonly metrics?: BfdMetrics;
}

const stateName = ['AdminDown', 'Down', 'Init', 'Up'] as const;

/** A new session listens this long (at least) before its first packet, to hear a session a previous process left Up. */
const LISTEN_MS = 1000;
/** How long a restarting process waits for the peer to confirm (Final) that it will hold the session. */
const HOLD_CONFIRM_MS = 1000;

/** Single-hop BFD is sent with TTL 255 and accepted only with TTL 255 (RFC 5881 §5, the GTSM of RFC 5082). */
const SINGLE_HOP_TTL = 255;

interface Entry {
  readonly spec: BfdPeerSpec;
  readonly session: BfdSession;
  readonly tx: dgram.Socket;
  /** Datagrams handed to the socket and not yet sent: closing the socket would drop them. */
  readonly sending: Set<Promise<void>>;
}

export class BfdAgent {
  readonly #o: BfdAgentOptions;
  /** peer address -> session */
  readonly #peers = new Map<string, Entry>();
  /** family -> receive socket */
  readonly #rx = new Map<4 | 6, dgram.Socket>();

  constructor(o: BfdAgentOptions) {
    this.#o = o;
  }

  get port(): number {
    return this.#o.port ?? 3784;
  }

  /** State of the session to a peer (tests, metrics). */
  stateOf(address: string): string | undefined {
    const e = this.#peers.get(address);
    return e ? stateName[e.session.state] : undefined;
  }

  async setPeers(specs: readonly BfdPeerSpec[]): Promise<void> {
    const want = new Map(specs.map((s) => [s.address, s]));
    for (const [addr, e] of this.#peers) {
      if (JSON.stringify(want.get(addr)) !== JSON.stringify(e.spec)) this.#remove(addr);
    }
    for (const s of specs) {
      if (this.#peers.has(s.address)) continue;
      const fam = familyOf(s.address) ?? 4;
      await this.#rxSocket(fam);
      const tx = dgram.createSocket(fam === 4 ? 'udp4' : 'udp6');
      await this.#bindTx(tx, s.localAddress);
      tx.setTTL(SINGLE_HOP_TTL);
      const log = this.#o.log.child({ peer: s.address });
      const sending = new Set<Promise<void>>();
      const session = new BfdSession(
        { localDiscriminator: randomInt(1, 0xffffffff), transmitIntervalMs: s.transmitIntervalMs, receiveIntervalMs: s.receiveIntervalMs, detectMultiplier: s.detectMultiplier, passive: s.passive },
        this.#o.clock ?? systemClock,
        (b) => {
          const sent = new Promise<void>((done) => tx.send(b, this.port, s.address, () => done()));
          sending.add(sent);
          void sent.then(() => sending.delete(sent));
          this.#o.metrics?.sent(s.address);
        },
        (to, from, diag) => {
          log.info({ event: 'bfdState', from: stateName[from], to: stateName[to], diag }, `BFD ${stateName[from]} -> ${stateName[to]}`);
          if (to === BfdState.Up) {
            this.#o.metrics?.up(s.address);
            this.#o.onUp?.(s.address);
          }
          if (from === BfdState.Up && to === BfdState.Down) {
            this.#o.metrics?.down(s.address);
            this.#o.onDown(s.address);
          }
        },
      );
      this.#peers.set(s.address, { spec: s, session, tx, sending });
      session.start(Math.max(LISTEN_MS, s.detectMultiplier * s.receiveIntervalMs));
    }
  }

  /**
   * Stops every session. `planned`: the peers hear AdminDown, which is no failure to them (RFC 5882 §3.2), except
   * where `holdMsOf` gives a time to hold for (a restart): there the peer is asked to wait that long for the next
   * process, which resumes the session, so the peer reports no Down at all; AdminDown if it does not confirm.
   */
  async stop(planned = false, holdMsOf: (address: string) => number | undefined = () => undefined): Promise<void> {
    if (planned) {
      await Promise.all([...this.#peers.values()].map(async (e) => {
        const holdMs = holdMsOf(e.spec.address);
        const held = holdMs !== undefined && await e.session.holdFor(holdMs, HOLD_CONFIRM_MS);
        if (held) this.#o.log.info({ event: 'bfdHold', peer: e.spec.address, holdMs }, `BFD peer waits ${holdMs} ms for the next process`);
        else e.session.stopAdminDown();
      }));
      await Promise.all([...this.#peers.values()].flatMap((e) => [...e.sending]));
    }
    for (const a of [...this.#peers.keys()]) this.#remove(a);
    for (const s of this.#rx.values()) s.close();
    this.#rx.clear();
  }

  #remove(addr: string): void {
    const e = this.#peers.get(addr);
    if (!e) return;
    e.session.stop();
    e.tx.close();
    this.#peers.delete(addr);
    this.#o.metrics?.forget(addr);
  }

  /** Binds a send socket to a source port in 49152–65535 (RFC 5881 §4). */
  async #bindTx(s: dgram.Socket, address: string | undefined): Promise<void> {
    for (let i = 0; ; i++) {
      try {
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.bind({ port: randomInt(49152, 65536), ...(address ? { address } : {}) }, () => { s.removeListener('error', reject); resolve(); });
        });
        return;
      } catch (e) {
        if (i >= 20) throw new Error('binding a BFD source port', { cause: e });
      }
    }
  }

  async #rxSocket(fam: 4 | 6): Promise<void> {
    if (this.#rx.has(fam)) return;
    const s = dgram.createSocket({ type: fam === 4 ? 'udp4' : 'udp6', reuseAddr: true, ...(fam === 6 ? { ipv6Only: true } : {}) });
    s.on('message', (msg, rinfo) => this.#receive(msg, rinfo.address));
    s.on('error', (e) => this.#o.log.error({ event: 'bfdSocket', err: e.message }, 'BFD receive socket error'));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(this.port, () => { s.removeListener('error', reject); resolve(); });
    });
    try {
      filterMinTtl(s, fam, SINGLE_HOP_TTL);
    } catch (e) {
      this.#o.log.error({ event: 'bfdTtlCheck', err: (e as Error).message }, 'cannot make the kernel drop BFD packets with a TTL below 255; accepting any TTL');
    }
    this.#rx.set(fam, s);
  }

  #receive(msg: Buffer, from: string): void {
    const d = decodeControl(msg);
    if (!d.ok) {
      this.#o.log.debug({ event: 'bfdDrop', peer: from, err: d.error.detail, reason: d.error.reason }, 'dropped BFD packet');
      return;
    }
    const p = d.value;
    const e = this.#peers.get(from.replace(/^::ffff:/, ''));
    if (!e) return;
    if (p.yourDiscriminator !== 0 && p.yourDiscriminator !== e.session.localDiscriminator) {
      // Up with a discriminator of a previous process of ours, which asked the peer to wait: take it over.
      if (e.session.resume(p)) this.#o.log.info({ event: 'bfdResumed', peer: e.spec.address }, 'BFD session of the previous process resumed');
      return;
    }
    this.#o.metrics?.received(e.spec.address);
    e.session.receive(p);
  }
}
