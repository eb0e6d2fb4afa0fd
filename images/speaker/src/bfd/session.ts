// SPDX-License-Identifier: Apache-2.0
/**
 * One BFD session (asynchronous mode, no echo), pure: injected clock, packets out through a callback.
 * @see RFC 5880 §6.2 (states), §6.8.6 (reception), §6.8.7 (transmission), §6.8.4 (detection time); RFC 5881 (single hop)
 */
import type { Clock, Timer } from '../../../../lib/clock.js';
import { BfdState, Diag, encodeControl, type ControlPacket } from './packet.js';

export interface BfdSessionConfig {
  readonly localDiscriminator: number;
  /** Our desired transmit and required receive intervals, ms (MetalLB default 300). */
  readonly transmitIntervalMs: number;
  readonly receiveIntervalMs: number;
  readonly detectMultiplier: number;
  /** Wait for the peer's first packet before sending. */
  readonly passive: boolean;
}

/** While not Up, transmit no faster than once a second (RFC 5880 §6.8.3). */
const SLOW_TX_US = 1_000_000;

export class BfdSession {
  #state: BfdState = BfdState.Down;
  #remoteDisc = 0;
  #remoteMinRx = 1; // µs; 1 until we hear from the peer
  #remoteDesiredTx = 0;
  #remoteMult = 0;
  #diag: number = Diag.None;
  #poll = false;
  #final = false;
  #heard = false;
  #tx: Timer | undefined;
  #detect: Timer | undefined;
  #stopped = false;

  constructor(
    readonly config: BfdSessionConfig,
    readonly clock: Clock,
    readonly send: (b: Buffer) => void,
    readonly onState: (to: BfdState, from: BfdState, diag: number) => void,
    readonly random: () => number = Math.random,
  ) {}

  get state(): BfdState {
    return this.#state;
  }

  /** Detection time in ms as negotiated now. */
  get detectionTimeMs(): number {
    return this.#remoteMult * this.#rxIntervalMs();
  }

  start(): void {
    if (!this.config.passive) this.#scheduleTx(0);
  }

  stop(): void {
    this.#stopped = true;
    this.#tx?.cancel();
    this.#detect?.cancel();
  }

  /**
   * A planned stop: tells the peer the session is AdminDown, which its client must not take for a failure
   * (RFC 5882 §3.2), so a router keeps a gracefully restarting BGP session's routes; then stops.
   */
  stopAdminDown(): void {
    const tell = !this.#stopped && this.#state !== BfdState.Down;
    this.stop();
    if (!tell) return;
    this.#state = BfdState.AdminDown;
    this.#diag = Diag.AdminDown;
    this.#poll = false;
    this.#final = false;
    // The process exits next: a few copies in case one is lost (RFC 5880 §6.8.16 asks for a detection time of them).
    const b = encodeControl(this.#packet());
    for (let i = 0; i < 3; i++) this.send(b);
  }

  /** A packet from the peer (already matched to this session). */
  receive(p: ControlPacket): void {
    if (this.#stopped) return;
    this.#heard = true;
    this.#remoteDisc = p.myDiscriminator;
    this.#remoteMinRx = p.requiredMinRx;
    this.#remoteDesiredTx = p.desiredMinTx;
    this.#remoteMult = p.detectMult;
    if (p.final) this.#poll = false;
    const from = this.#state;
    if (p.state === BfdState.AdminDown) {
      if (from !== BfdState.Down) this.#go(BfdState.Down, Diag.NeighborDown);
    } else if (from === BfdState.Down) {
      if (p.state === BfdState.Down) this.#go(BfdState.Init, Diag.None);
      else if (p.state === BfdState.Init) this.#go(BfdState.Up, Diag.None);
    } else if (from === BfdState.Init) {
      if (p.state === BfdState.Init || p.state === BfdState.Up) this.#go(BfdState.Up, Diag.None);
    } else if (from === BfdState.Up && p.state === BfdState.Down) {
      this.#go(BfdState.Down, Diag.NeighborDown);
    }
    this.#armDetect();
    if (p.poll) {
      // Answer a poll at once with the Final bit (RFC 5880 §6.5).
      this.#final = true;
      this.#transmit();
    } else if (!this.#tx) {
      this.#scheduleTx(0);
    }
  }

  #go(to: BfdState, diag: number): void {
    const from = this.#state;
    this.#state = to;
    this.#diag = diag;
    // Timer changes when going Up or Down start a poll sequence (RFC 5880 §6.8.3).
    if (to === BfdState.Up || from === BfdState.Up) this.#poll = true;
    if (to === BfdState.Down) this.#remoteDiscOnDown();
    this.onState(to, from, diag);
    if (to === BfdState.Up || from === BfdState.Up) this.#transmit();
  }

  #remoteDiscOnDown(): void {
    this.#detect?.cancel();
    this.#detect = undefined;
  }

  #armDetect(graced = false): void {
    this.#detect?.cancel();
    if (this.#state === BfdState.Down) return;
    const ms = Math.max(1, graced ? this.#rxIntervalMs() : this.detectionTimeMs);
    const due = this.clock.now() + ms;
    this.#detect = this.clock.setTimeout(() => {
      this.#detect = undefined;
      if (this.#state !== BfdState.Init && this.#state !== BfdState.Up) return;
      // Fired late: our event loop stalled, and the peer's packets may wait unread in the socket. Read them first.
      if (!graced && this.clock.now() - due > this.#rxIntervalMs() / 2) return this.#armDetect(true);
      this.#remoteDisc = 0;
      this.#go(BfdState.Down, Diag.DetectionTimeExpired);
    }, ms);
  }

  /** The interval the peer sends at, as negotiated (ms). */
  #rxIntervalMs(): number {
    return Math.max(this.config.receiveIntervalMs * 1000, this.#remoteDesiredTx) / 1000;
  }

  #txIntervalUs(): number {
    const desired = this.#state === BfdState.Up ? this.config.transmitIntervalMs * 1000 : Math.max(SLOW_TX_US, this.config.transmitIntervalMs * 1000);
    return Math.max(desired, this.#remoteMinRx);
  }

  #scheduleTx(ms: number): void {
    this.#tx?.cancel();
    this.#tx = this.clock.setTimeout(() => {
      this.#tx = undefined;
      this.#transmit();
    }, ms);
  }

  #transmit(): void {
    if (this.#stopped) return;
    if (this.config.passive && !this.#heard) return;
    if (this.#remoteMinRx === 0) return; // the peer asked for no packets
    this.send(encodeControl(this.#packet()));
    this.#final = false;
    // Jitter: 75–100% of the interval, 75–90% with a multiplier of 1 (RFC 5880 §6.8.7).
    const top = this.config.detectMultiplier === 1 ? 0.9 : 1;
    const us = this.#txIntervalUs() * (0.75 + this.random() * (top - 0.75));
    this.#scheduleTx(us / 1000);
  }

  #packet(): ControlPacket {
    const up = this.#state === BfdState.Up;
    return {
      diag: this.#diag,
      state: this.#state,
      poll: this.#poll && !this.#final,
      final: this.#final,
      demand: false,
      detectMult: this.config.detectMultiplier,
      myDiscriminator: this.config.localDiscriminator,
      yourDiscriminator: this.#remoteDisc,
      desiredMinTx: up ? this.config.transmitIntervalMs * 1000 : Math.max(SLOW_TX_US, this.config.transmitIntervalMs * 1000),
      requiredMinRx: this.config.receiveIntervalMs * 1000,
      requiredMinEchoRx: 0,
    };
  }
}
