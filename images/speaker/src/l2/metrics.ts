// SPDX-License-Identifier: Apache-2.0
/** L2 metrics with MetalLB's names, behind intent-named methods. */
import { Counter, Gauge, type Registry } from 'prom-client';

/** A metric already in the registry (the BGP agent shares metallb_speaker_announced), or a new one. */
function shared<T>(reg: Registry, name: string, make: () => T): T {
  return (reg.getSingleMetric(name) as T | undefined) ?? make();
}

export class L2Metrics {
  readonly #requests: Counter<'ip'>;
  readonly #responses: Counter<'ip'>;
  readonly #gratuitous: Counter<'ip'>;
  readonly #announced: Gauge<'ip' | 'node' | 'protocol' | 'service'>;
  readonly #conflicts: Counter<'ip' | 'mac'>;
  readonly #peerUp: Gauge<'peer'>;
  readonly #isolated: Gauge;
  readonly #stalls: Counter;
  readonly #asked: Gauge;

  constructor(reg: Registry, private readonly node: string) {
    const registers = [reg];
    this.#requests = shared(reg, 'metallb_layer2_requests_received', () => new Counter({ name: 'metallb_layer2_requests_received', help: 'Number of layer2 requests received for owned IPs', labelNames: ['ip'], registers }));
    this.#responses = shared(reg, 'metallb_layer2_responses_sent', () => new Counter({ name: 'metallb_layer2_responses_sent', help: 'Number of layer2 responses sent for owned IPs', labelNames: ['ip'], registers }));
    this.#gratuitous = shared(reg, 'metallb_layer2_gratuitous_sent', () => new Counter({ name: 'metallb_layer2_gratuitous_sent', help: 'Number of gratuitous layer2 packets sent for owned IPs as a result of failovers', labelNames: ['ip'], registers }));
    this.#announced = shared(reg, 'metallb_speaker_announced', () => new Gauge({ name: 'metallb_speaker_announced', help: 'IPs announced by the speaker', labelNames: ['ip', 'node', 'protocol', 'service'], registers }));
    this.#conflicts = shared(reg, 'metallb_layer2_address_conflicts', () => new Counter({ name: 'metallb_layer2_address_conflicts', help: 'Foreign stations seen claiming an address this speaker probes or announces', labelNames: ['ip', 'mac'], registers }));
    this.#peerUp = shared(reg, 'metallb_speaker_peer_up', () => new Gauge({ name: 'metallb_speaker_peer_up', help: 'Whether heartbeats from the peer speaker arrive (1) or not (0)', labelNames: ['peer'], registers }));
    this.#stalls = shared(reg, 'metallb_layer2_stalls', () => new Counter({ name: 'metallb_layer2_stalls', help: 'Times the speaker\'s event loop stalled long enough that peers may have taken its addresses', registers }));
    this.#asked = shared(reg, 'metallb_layer2_heartbeat_interval_asked_ms', () => new Gauge({ name: 'metallb_layer2_heartbeat_interval_asked_ms', help: 'The heartbeat interval peers size this speaker\'s detection time by: the configured one, longer for a while after its event loop ran late', registers }));
    this.#isolated = shared(reg, 'metallb_layer2_isolated', () => new Gauge({ name: 'metallb_layer2_isolated', help: 'The speaker sees no peers and no API server, so it announces nothing', registers }));
  }

  gotRequest(ip: string): void {
    this.#requests.inc({ ip });
  }

  sentResponse(ip: string): void {
    this.#responses.inc({ ip });
  }

  sentGratuitous(ip: string): void {
    this.#gratuitous.inc({ ip });
  }

  announced(ip: string, service: string, on: boolean): void {
    const labels = { ip, node: this.node, protocol: 'layer2', service };
    if (on) this.#announced.set(labels, 1);
    else this.#announced.remove(labels);
  }

  conflict(ip: string, mac: string): void {
    this.#conflicts.inc({ ip, mac });
  }

  peer(peer: string, up: boolean): void {
    this.#peerUp.set({ peer }, up ? 1 : 0);
  }

  isolated(on: boolean): void {
    this.#isolated.set(on ? 1 : 0);
  }

  stalled(): void {
    this.#stalls.inc();
  }

  askedInterval(ms: number): void {
    this.#asked.set(ms);
  }
}
