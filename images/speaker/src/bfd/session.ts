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
/** The largest interval a control packet can carry (32 bits of µs, about 71 minutes). */
const MAX_INTERVAL_US = 0xffffffff;

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
  #local: number;
  /** Up at least once in this process: a session of ours the peer still holds Up can no longer be resumed. */
  #wasUp = false;
  /** A restart: the Desired Min TX we announce so the peer waits for the next process, and who waits for its Final. */
  #holding: { readonly desiredTxUs: number; readonly confirmed: (ok: boolean) => void } | undefined;

  constructor(
    readonly config: BfdSessionConfig,
    readonly clock: Clock,
    readonly send: (b: Buffer) => void,
    readonly onState: (to: BfdState, from: BfdState, diag: number) => void,
    readonly random: () => number = Math.random,
  ) {
    this.#local = config.localDiscriminator;
  }

  /** Our discriminator: the configured one, or the one a resumed session keeps. */
  get localDiscriminator(): number {
    return this.#local;
  }

  get state(): BfdState {
    return this.#state;
  }

  /** Detection time in ms as negotiated now. */
  get detectionTimeMs(): number {
    return this.#remoteMult * this.#rxIntervalMs();
  }

  /**
   * Starts sending after `listenMs` of listening: a peer still Up with a previous process of ours (a restart that
   * asked it to wait, see holdFor) is resumed, not torn down by our first Down packet.
   */
  start(listenMs = 0): void {
    if (!this.config.passive && !this.#tx && !this.#heard) this.#scheduleTx(listenMs);
  }

  stop(): void {
    this.#stopped = true;
    this.#tx?.cancel();
    this.#detect?.cancel();
    this.#holding?.confirmed(false);
    this.#holding = undefined;
  }

  /**
   * A restart: a poll sequence announces a Desired Min TX of `holdMs` / our multiplier, which stretches the peer's
   * detection time to `holdMs` at once (RFC 5880 §6.8.4 uses the last received value), so the next process can take
   * the session over (resume) while the peer, and the router behind it, still holds it Up. Resolves true when the
   * peer confirms (Final) and the session stops silently; false when it is not Up or no Final came within `waitMs`.
   */
  holdFor(holdMs: number, waitMs: number): Promise<boolean> {
    if (this.#stopped || this.#state !== BfdState.Up) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => finish(false), waitMs);
      const finish = (ok: boolean): void => {
        timer.cancel();
        this.#holding = undefined;
        resolve(ok);
      };
      const desiredTxUs = Math.min(MAX_INTERVAL_US, Math.ceil((holdMs * 1000) / this.config.detectMultiplier));
      this.#holding = { desiredTxUs, confirmed: finish };
      this.#poll = true;
      this.#transmit();
    });
  }

  /**
   * Takes over the session a previous process of ours left Up after holdFor: the peer's Up packet names our old
   * discriminator, which we keep; we answer Up, and the poll that going Up starts brings our timers back.
   * Only before this process had the session Up, and only for an Up packet addressed to a discriminator.
   */
  resume(p: ControlPacket): boolean {
    if (this.#stopped || this.#wasUp || this.#state !== BfdState.Down || p.state !== BfdState.Up || p.yourDiscriminator === 0) return false;
    this.#local = p.yourDiscriminator;
    this.#absorb(p);
    this.#go(BfdState.Up, Diag.None);
    this.#armDetect();
    return true;
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
    this.#absorb(p);
    if (p.final && this.#holding && this.#state === BfdState.Up) {
      // The peer now waits for our next process: stop without another word.
      const confirmed = this.#holding.confirmed;
      this.#holding = undefined;
      this.stop();
      confirmed(true);
      return;
    }
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

  #absorb(p: ControlPacket): void {
    this.#heard = true;
    this.#remoteDisc = p.myDiscriminator;
    this.#remoteMinRx = p.requiredMinRx;
    this.#remoteDesiredTx = p.desiredMinTx;
    this.#remoteMult = p.detectMult;
  }

  #go(to: BfdState, diag: number): void {
    const from = this.#state;
    if (to === BfdState.Up) this.#wasUp = true;
    if (from === BfdState.Up) {
      this.#holding?.confirmed(false);
      this.#holding = undefined;
    }
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
      myDiscriminator: this.#local,
      yourDiscriminator: this.#remoteDisc,
      desiredMinTx: this.#holding?.desiredTxUs ?? (up ? this.config.transmitIntervalMs * 1000 : Math.max(SLOW_TX_US, this.config.transmitIntervalMs * 1000)),
      requiredMinRx: this.config.receiveIntervalMs * 1000,
      requiredMinEchoRx: 0,
    };
  }
}
