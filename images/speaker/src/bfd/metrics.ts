// SPDX-License-Identifier: Apache-2.0
/** BFD metrics with MetalLB's names (metallb_bfd_*), one intent-named method per event. */
import { Counter, Gauge, type Registry } from 'prom-client';

export class BfdMetrics {
  readonly #up: Gauge<'peer'>;
  readonly #upEvents: Counter<'peer'>;
  readonly #downEvents: Counter<'peer'>;
  readonly #rx: Counter<'peer'>;
  readonly #tx: Counter<'peer'>;

  constructor(registry: Registry) {
    const registers = [registry];
    const labelNames = ['peer'] as const;
    this.#up = new Gauge({ name: 'metallb_bfd_session_up', help: 'BFD session state (1 is up, 0 is down)', labelNames, registers });
    this.#upEvents = new Counter({ name: 'metallb_bfd_session_up_events', help: 'Number of times the BFD session came up', labelNames, registers });
    this.#downEvents = new Counter({ name: 'metallb_bfd_session_down_events', help: 'Number of times the BFD session went down', labelNames, registers });
    this.#rx = new Counter({ name: 'metallb_bfd_control_packet_input', help: 'Number of BFD control packets received', labelNames, registers });
    this.#tx = new Counter({ name: 'metallb_bfd_control_packet_output', help: 'Number of BFD control packets sent', labelNames, registers });
  }

  up(peer: string): void {
    this.#up.set({ peer }, 1);
    this.#upEvents.inc({ peer });
  }

  down(peer: string): void {
    this.#up.set({ peer }, 0);
    this.#downEvents.inc({ peer });
  }

  received(peer: string): void { this.#rx.inc({ peer }); }
  sent(peer: string): void { this.#tx.inc({ peer }); }

  forget(peer: string): void {
    for (const m of [this.#up, this.#upEvents, this.#downEvents, this.#rx, this.#tx]) m.remove({ peer });
  }
}
