// SPDX-License-Identifier: Apache-2.0
/**
 * Which BGP session changes become Events on the BGPPeer: established, down, and a session that cannot be
 * established (once, until it is up again). The reason carries the dial's own hint (TCP-MD5 on a silent SYN). Pure.
 */
import type { SessionState } from './fsm.js';

export interface SessionEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: 'SessionEstablished' | 'SessionDown' | 'SessionNotEstablished';
  readonly message: string;
}

export interface SessionPeer {
  readonly address: string;
  readonly peerAs: number;
}

/** Remembers, per peer, whether a failure was already reported since the last time the session was up. */
export class SessionEvents {
  readonly #reported = new Set<string>();

  constructor(readonly node: string) {}

  /** The Event for a transition, if it deserves one. */
  transition(peer: string, p: SessionPeer, to: SessionState, from: SessionState, reason: string): SessionEvent | undefined {
    const who = `BGP session of node ${this.node} with ${p.address} (AS ${p.peerAs})`;
    if (to === 'Established') {
      this.#reported.delete(peer);
      return { type: 'Normal', reason: 'SessionEstablished', message: `${who} established` };
    }
    // A stop we asked for (peer removed or changed, speaker shutting down) is not news.
    if (reason === 'AdminDown' || reason === 'GracefulStop') return undefined;
    if (from === 'Established') {
      this.#reported.add(peer);
      return { type: 'Warning', reason: 'SessionDown', message: `${who} went down: ${reason}` };
    }
    const failed = reason.startsWith('ConnectFailed') || reason.startsWith('ConnectionClosed') || reason.startsWith('Notification') || reason.includes('HoldTimer');
    if (!failed || this.#reported.has(peer)) return undefined;
    this.#reported.add(peer);
    return { type: 'Warning', reason: 'SessionNotEstablished', message: `${who} cannot be established: ${reason}` };
  }

  /** Forgets the peers that are no longer configured. */
  retain(peers: Iterable<string>): void {
    const keep = new Set(peers);
    for (const p of this.#reported) if (!keep.has(p)) this.#reported.delete(p);
  }
}
