// SPDX-License-Identifier: Apache-2.0
/** BGP metrics with MetalLB's names (metallb_bgp_*), one intent-named method per event. */
import { Counter, Gauge, type Registry } from 'prom-client';

export class BgpMetrics {
  readonly #up: Gauge<'peer'>;
  readonly #updates: Counter<'peer'>;
  readonly #announced: Gauge<'peer'>;
  readonly #pending: Gauge<'peer'>;
  readonly #opensSent: Counter<'peer'>;
  readonly #opensReceived: Counter<'peer'>;
  readonly #notificationsSent: Counter<'peer'>;
  readonly #keepalivesSent: Counter<'peer'>;
  readonly #keepalivesReceived: Counter<'peer'>;
  readonly #connectErrors: Counter<'peer' | 'reason'>;
  readonly #updateErrors: Counter<'peer' | 'handling'>;

  constructor(registry: Registry) {
    const r = [registry];
    const g = (name: string, help: string) => new Gauge({ name: `metallb_bgp_${name}`, help, labelNames: ['peer'] as const, registers: r });
    const c = (name: string, help: string) => new Counter({ name: `metallb_bgp_${name}`, help, labelNames: ['peer'] as const, registers: r });
    this.#up = g('session_up', 'BGP session state (1 is up, 0 is down)');
    this.#updates = c('updates_total', 'Number of BGP UPDATE messages sent');
    this.#announced = g('announced_prefixes_total', 'Number of prefixes currently being advertised on the BGP session');
    this.#pending = g('pending_prefixes_total', 'Number of prefixes that should be advertised on the BGP session but are not yet');
    this.#opensSent = c('opens_sent', 'Number of BGP open messages sent');
    this.#opensReceived = c('opens_received', 'Number of BGP open messages received');
    this.#notificationsSent = c('notifications_sent', 'Number of BGP notification messages sent');
    this.#keepalivesSent = c('keepalives_sent', 'Number of BGP keepalive messages sent');
    this.#keepalivesReceived = c('keepalives_received', 'Number of BGP keepalive messages received');
    this.#updateErrors = new Counter({ name: 'metallb_bgp_update_errors_total', help: 'Errors in UPDATEs received from a BGP peer that did not reset the session, by RFC 7606 handling', labelNames: ['peer', 'handling'] as const, registers: r });
    this.#connectErrors = new Counter({ name: 'metallb_bgp_connect_errors_total', help: 'Failed TCP connects to a BGP peer, by reason (timeout often means a TCP-MD5 password mismatch)', labelNames: ['peer', 'reason'] as const, registers: r });
  }

  sessionUp(peer: string, up: boolean): void { this.#up.set({ peer }, up ? 1 : 0); }
  sentUpdates(peer: string, n: number): void { this.#updates.inc({ peer }, n); }
  prefixes(peer: string, announced: number, pending: number): void {
    this.#announced.set({ peer }, announced);
    this.#pending.set({ peer }, pending);
  }
  sentOpen(peer: string): void { this.#opensSent.inc({ peer }); }
  gotOpen(peer: string): void { this.#opensReceived.inc({ peer }); }
  sentNotification(peer: string): void { this.#notificationsSent.inc({ peer }); }
  sentKeepalive(peer: string): void { this.#keepalivesSent.inc({ peer }); }
  gotKeepalive(peer: string): void { this.#keepalivesReceived.inc({ peer }); }
  connectError(peer: string, reason: string): void { this.#connectErrors.inc({ peer, reason }); }
  updateError(peer: string, handling: string): void { this.#updateErrors.inc({ peer, handling }); }

  /** Drops every series of a removed peer. */
  forget(peer: string): void {
    for (const m of [this.#up, this.#updates, this.#announced, this.#pending, this.#opensSent, this.#opensReceived, this.#notificationsSent, this.#keepalivesSent, this.#keepalivesReceived]) m.remove({ peer });
  }
}
