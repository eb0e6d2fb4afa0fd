// SPDX-License-Identifier: Apache-2.0
/**
 * The BGP finite state machine, pure: events in, actions out. The session shell owns the socket and timers.
 * One handler per state; every state change carries its reason.
 * @see RFC 4271 §8
 */
import type { Capability } from './capabilities/index.js';
import { BgpProtocolError, CeaseSubcode, ErrorCode } from './errors.js';
import type { BgpMessage } from './messages/index.js';
import { encodeKeepalive } from './messages/keepalive.js';
import { encodeNotification, notificationOf } from './messages/notification.js';
import { encodeOpen, openFor } from './messages/open.js';
import { RefreshSubtype } from './messages/route-refresh.js';
import { validateOpen, type Family, type Negotiated, type OpenExpectation } from './validate.js';
import { Afi, Safi } from './wire.js';

export type SessionState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established';

export type TimerName = 'connectRetry' | 'hold' | 'keepalive';

export type FsmEvent =
  | { kind: 'start' }
  | { kind: 'stop'; graceful: boolean }
  | { kind: 'tcpConnected' }
  | { kind: 'tcpFailed'; detail: string }
  | { kind: 'tcpClosed'; detail: string }
  | { kind: 'message'; message: BgpMessage }
  | { kind: 'decodeError'; error: BgpProtocolError }
  | { kind: 'timer'; timer: TimerName }
  | { kind: 'bfdDown' };

export type TransitionReason =
  | { kind: 'Start' | 'AdminDown' | 'GracefulStop' | 'Connected' | 'OpenNegotiated' | 'KeepaliveReceived' | 'ConnectRetry' | 'BfdDown' | 'HoldTimerExpired' }
  | { kind: 'ConnectFailed' | 'ConnectionClosed'; detail: string }
  | { kind: 'NotificationReceived'; code: number; subcode: number; data: Uint8Array }
  | { kind: 'NotificationSent'; error: BgpProtocolError };

export type FsmAction =
  | { do: 'connect' }
  | { do: 'send'; bytes: Buffer; what: 'open' | 'keepalive' | 'notification' }
  | { do: 'drop' }
  | { do: 'timer'; timer: TimerName; ms: number }
  | { do: 'established'; negotiated: Negotiated }
  | { do: 'resend'; family: Family }
  | { do: 'transition'; from: SessionState; to: SessionState; reason: TransitionReason };

export interface FsmConfig extends OpenExpectation {
  /** Wait for the peer to connect; never dial. */
  readonly passive: boolean;
  /** First connect-retry delay; doubles up to maxRetryMs (MetalLB: 1 s to 2 min). */
  readonly retryMs: number;
  readonly maxRetryMs: number;
  /** Graceful restart (RFC 4724) as the restarting speaker, with our restart time in seconds. */
  readonly gracefulRestart?: { readonly restartTime: number };
}

/** Hold time while waiting for the peer's OPEN (RFC 4271 §8.2.2 suggests 4 minutes). */
export const OPEN_HOLD_MS = 240_000;

/** The state machine of one peer. */
export class Fsm {
  #state: SessionState = 'Idle';
  #retryMs: number;
  #running = false;
  #negotiated: Negotiated | undefined;
  #restarting: boolean;

  constructor(readonly config: FsmConfig) {
    this.#retryMs = config.retryMs;
    this.#restarting = config.gracefulRestart !== undefined;
  }

  get state(): SessionState {
    return this.#state;
  }

  get negotiated(): Negotiated | undefined {
    return this.#state === 'Established' ? this.#negotiated : undefined;
  }

  /** Feeds one event; returns what the shell must do, in order. */
  handle(e: FsmEvent): FsmAction[] {
    if (e.kind === 'stop') return this.#stop(e.graceful);
    if (e.kind === 'decodeError') return this.#fail(e.error);
    if (e.kind === 'bfdDown') {
      if (this.#state === 'Idle' || this.#state === 'Connect' || this.#state === 'Active') return [];
      return this.#fail(new BgpProtocolError(ErrorCode.Cease, CeaseSubcode.BfdDown, 'BFD session went down'), { kind: 'BfdDown' });
    }
    if (e.kind === 'message' && e.message.type === 'notification') {
      const m = e.message;
      return this.#toIdle({ kind: 'NotificationReceived', code: m.code, subcode: m.subcode, data: m.data }, [{ do: 'drop' }]);
    }
    switch (this.#state) {
      case 'Idle': return this.#onIdle(e);
      case 'Connect': return this.#onConnect(e);
      case 'Active': return this.#onActive(e);
      case 'OpenSent': return this.#onOpenSent(e);
      case 'OpenConfirm': return this.#onOpenConfirm(e);
      case 'Established': return this.#onEstablished(e);
    }
  }

  #go(to: SessionState, reason: TransitionReason, actions: FsmAction[] = []): FsmAction[] {
    const from = this.#state;
    this.#state = to;
    return from === to ? actions : [{ do: 'transition', from, to, reason }, ...actions];
  }

  #begin(reason: TransitionReason): FsmAction[] {
    if (this.config.passive) return this.#go('Active', reason);
    return this.#go('Connect', reason, [{ do: 'connect' }]);
  }

  #onIdle(e: FsmEvent): FsmAction[] {
    if (e.kind === 'start') {
      this.#running = true;
      return this.#begin({ kind: 'Start' });
    }
    if (e.kind === 'timer' && e.timer === 'connectRetry' && this.#running) return this.#begin({ kind: 'ConnectRetry' });
    // A connection that arrives while Idle is refused.
    if (e.kind === 'tcpConnected') return [{ do: 'drop' }];
    return [];
  }

  #onConnect(e: FsmEvent): FsmAction[] {
    if (e.kind === 'tcpConnected') return this.#sendOpen();
    if (e.kind === 'tcpFailed' || e.kind === 'tcpClosed') return this.#go('Active', { kind: 'ConnectFailed', detail: e.detail }, [this.#retryTimer()]);
    return [];
  }

  #onActive(e: FsmEvent): FsmAction[] {
    if (e.kind === 'tcpConnected') return [{ do: 'timer', timer: 'connectRetry', ms: 0 }, ...this.#sendOpen()];
    if (e.kind === 'timer' && e.timer === 'connectRetry' && !this.config.passive) return this.#go('Connect', { kind: 'ConnectRetry' }, [{ do: 'connect' }]);
    return [];
  }

  #onOpenSent(e: FsmEvent): FsmAction[] {
    if (e.kind === 'message' && e.message.type === 'open') {
      let n: Negotiated;
      try {
        n = validateOpen(e.message, this.config);
      } catch (err) {
        if (err instanceof BgpProtocolError) return this.#fail(err);
        throw err;
      }
      this.#negotiated = n;
      return this.#go('OpenConfirm', { kind: 'OpenNegotiated' }, [
        { do: 'send', bytes: encodeKeepalive(), what: 'keepalive' },
        ...this.#holdTimers(n),
      ]);
    }
    if (e.kind === 'tcpClosed' || e.kind === 'tcpFailed') {
      return this.#go('Active', { kind: 'ConnectionClosed', detail: e.detail }, [{ do: 'timer', timer: 'hold', ms: 0 }, this.#retryTimer()]);
    }
    return this.#common(e, 1);
  }

  #onOpenConfirm(e: FsmEvent): FsmAction[] {
    if (e.kind === 'message' && e.message.type === 'keepalive') {
      this.#retryMs = this.config.retryMs;
      const n = this.#negotiated;
      if (!n) return this.#fail(new BgpProtocolError(ErrorCode.FsmError, 2, 'no negotiated parameters'));
      this.#restarting = false;
      return this.#go('Established', { kind: 'KeepaliveReceived' }, [...this.#holdTimers(n).slice(0, 1), { do: 'established', negotiated: n }]);
    }
    return this.#common(e, 2);
  }

  #onEstablished(e: FsmEvent): FsmAction[] {
    if (e.kind === 'message') {
      const n = this.#negotiated;
      const hold: FsmAction[] = n && n.holdTime ? [{ do: 'timer', timer: 'hold', ms: n.holdTime * 1000 }] : [];
      // We only announce: inbound UPDATEs are accepted and ignored.
      if (e.message.type === 'keepalive' || e.message.type === 'update') return hold;
      if (e.message.type === 'routeRefresh') {
        // RFC 2918 §4 and RFC 7313 §5: a request for a family we did not negotiate, and any other subtype, is ignored.
        const m = e.message;
        const family = m.safi === Safi.Unicast ? (m.afi === Afi.IPv4 ? 'ipv4' : m.afi === Afi.IPv6 ? 'ipv6' : undefined) : undefined;
        const asked = m.subtype === RefreshSubtype.Request && family !== undefined && n?.families.includes(family);
        return asked ? [...hold, { do: 'resend', family }] : hold;
      }
    }
    return this.#common(e, 3);
  }

  /** Timers and errors shared by OpenSent, OpenConfirm and Established. */
  #common(e: FsmEvent, fsmSubcode: number): FsmAction[] {
    if (e.kind === 'timer' && e.timer === 'hold') {
      return this.#fail(new BgpProtocolError(ErrorCode.HoldTimerExpired, 0, 'no message from the peer within the hold time'), { kind: 'HoldTimerExpired' });
    }
    if (e.kind === 'timer' && e.timer === 'keepalive') {
      const ka = (this.#negotiated?.keepaliveTime ?? 0) * 1000;
      return [{ do: 'send', bytes: encodeKeepalive(), what: 'keepalive' }, ...(ka ? [{ do: 'timer', timer: 'keepalive', ms: ka } as const] : [])];
    }
    if (e.kind === 'tcpClosed' || e.kind === 'tcpFailed') return this.#toIdle({ kind: 'ConnectionClosed', detail: e.detail }, []);
    if (e.kind === 'message') {
      return this.#fail(new BgpProtocolError(ErrorCode.FsmError, fsmSubcode, `unexpected ${e.message.type} in ${this.#state}`));
    }
    // A second connection while one is up: RFC 4271 §6.8 collision, our existing connection wins.
    if (e.kind === 'tcpConnected') return [];
    return [];
  }

  #sendOpen(): FsmAction[] {
    const c = this.config;
    const caps: Capability[] = [];
    if (c.families.includes('ipv4')) caps.push({ kind: 'multiprotocol', afi: Afi.IPv4, safi: Safi.Unicast });
    if (c.families.includes('ipv6')) caps.push({ kind: 'multiprotocol', afi: Afi.IPv6, safi: Safi.Unicast });
    caps.push({ kind: 'routeRefresh' }, { kind: 'fourOctetAs', asn: c.localAs });
    if (c.gracefulRestart) {
      caps.push({
        kind: 'gracefulRestart',
        restarting: this.#restarting,
        notification: false,
        restartTime: c.gracefulRestart.restartTime,
        families: c.families.map((f) => ({ afi: f === 'ipv4' ? Afi.IPv4 : Afi.IPv6, safi: Safi.Unicast, forwardingPreserved: true })),
      });
    }
    const bytes = encodeOpen(openFor(c.localAs, c.holdTime, c.routerId, caps));
    return this.#go('OpenSent', { kind: 'Connected' }, [{ do: 'send', bytes, what: 'open' }, { do: 'timer', timer: 'hold', ms: OPEN_HOLD_MS }]);
  }

  #holdTimers(n: Negotiated): FsmAction[] {
    return [
      { do: 'timer', timer: 'hold', ms: n.holdTime * 1000 },
      { do: 'timer', timer: 'keepalive', ms: n.keepaliveTime * 1000 },
    ];
  }

  #retryTimer(): FsmAction {
    const ms = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, this.config.maxRetryMs);
    return { do: 'timer', timer: 'connectRetry', ms };
  }

  /** Sends the error as a NOTIFICATION, drops the connection and goes Idle (retrying later). */
  #fail(err: BgpProtocolError, reason: TransitionReason = { kind: 'NotificationSent', error: err }): FsmAction[] {
    const connected = this.#state === 'OpenSent' || this.#state === 'OpenConfirm' || this.#state === 'Established';
    const send: FsmAction[] = connected ? [{ do: 'send', bytes: notificationOf(err), what: 'notification' }] : [];
    return this.#toIdle(reason, [...send, { do: 'drop' }]);
  }

  #toIdle(reason: TransitionReason, actions: FsmAction[]): FsmAction[] {
    const stopTimers: FsmAction[] = (['hold', 'keepalive', 'connectRetry'] as const).map((timer) => ({ do: 'timer', timer, ms: 0 }));
    const retry: FsmAction[] = this.#running ? [this.#retryTimer()] : [];
    return this.#go('Idle', reason, [...actions, ...stopTimers, ...retry]);
  }

  #stop(graceful: boolean): FsmAction[] {
    this.#running = false;
    const connected = this.#state === 'OpenSent' || this.#state === 'OpenConfirm' || this.#state === 'Established';
    // A graceful stop (a planned restart) closes TCP without a NOTIFICATION, so a peer that negotiated graceful restart
    // keeps our routes until we are back (RFC 4724 §4.2); to a peer without it we say goodbye properly.
    const keeps = graceful && this.config.gracefulRestart !== undefined && this.#negotiated?.peerGracefulRestart !== false;
    const notify = connected && !keeps;
    const send: FsmAction[] = notify ? [{ do: 'send', bytes: encodeNotification({ code: ErrorCode.Cease, subcode: CeaseSubcode.AdminShutdown, data: new Uint8Array(0) }), what: 'notification' }] : [];
    return this.#toIdle({ kind: graceful ? 'GracefulStop' : 'AdminDown' }, [...send, { do: 'drop' }]);
  }
}

/** One line describing why a state changed, for logs. */
export function reasonText(r: TransitionReason): string {
  switch (r.kind) {
    case 'ConnectFailed':
    case 'ConnectionClosed': return `${r.kind}: ${r.detail}`;
    case 'NotificationReceived': return `${r.kind}: ${new BgpProtocolError(r.code, r.subcode, 'from peer').message}`;
    case 'NotificationSent': return `${r.kind}: ${r.error.message}`;
    default: return r.kind;
  }
}
