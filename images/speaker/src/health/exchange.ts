// SPDX-License-Identifier: Apache-2.0
/**
 * What one speaker sends to its peers and what it makes of what they send (the UDP shell is
 * heartbeats.ts). Every interval each watched peer gets a beat; our state rides along until the peer
 * acknowledges its version. A peer not heard for the grace (its speaker is not running, or cannot
 * reach us) gets only a probe now and then, which says we do not hear it; a probe received makes us
 * beat to its sender again, so two speakers that lost each other find each other within a probe
 * interval. Pure: the clock is injected.
 */
import { randomInt } from 'node:crypto';
import type { Clock } from '../../../../lib/clock.js';
import { HEARTBEAT_VERSION, MAX_KEPT, MAX_LINKS, MAX_PEERS, decodeHeartbeat, encodeHeartbeat, fitHeldKept, nodeId, type HeartbeatDropReason, type SpeakerState } from './heartbeat.js';
import type { Liveness } from './liveness.js';

export interface PeerAddress {
  readonly node: string;
  readonly address: string;
}

/** One heartbeat to send. */
export interface Datagram {
  readonly node: string;
  readonly address: string;
  readonly bytes: Uint8Array;
}

/** What we tell the others about ourselves and the peers we watch: our state but what the exchange knows. */
export type SelfReport = Omit<SpeakerState, 'maxVersion' | 'node' | 'intervalMs'>;

export interface ExchangeOptions {
  readonly node: string;
  readonly key: Uint8Array;
  readonly clock: Clock;
  readonly liveness: Liveness;
  readonly self: () => SelfReport;
  /** Random per process start when absent. */
  readonly boot?: number;
  /** Interval between probes to a peer we do not hear (ms). */
  readonly probeMs?: number;
}

export type ReceiveError = HeartbeatDropReason | 'unknownPeer';

interface PeerLink {
  // its version of our state (0: none), and until when it gets a beat every interval
  ack: number;
  contactUntil: number;
  lastProbe: number;
  // the highest heartbeat version it speaks, once its state said so
  maxVersion?: number;
}

const DEFAULT_PROBE_MS = 1000;

export class HeartbeatExchange {
  readonly boot: number;
  readonly #id: number;
  #seq = 0;
  #version = 0;
  #stateKey = '';
  #state: SpeakerState | undefined;
  #sentVersion = -1;
  // node -> address, and address -> node (also learned from the states that come from other addresses)
  #addresses = new Map<string, string>();
  #byAddress = new Map<string, string>();
  readonly #links = new Map<string, PeerLink>();
  /** Heartbeats dropped, by reason. */
  readonly errors = new Map<ReceiveError, number>();

  constructor(private readonly o: ExchangeOptions) {
    this.boot = o.boot ?? randomInt(1, 0xffffffff);
    this.#id = nodeId(o.node);
  }

  /** The heartbeat addresses of the nodes (more than the watched peers is fine: only those get heartbeats). */
  setAddresses(list: readonly PeerAddress[]): void {
    this.#addresses = new Map(list.map((p) => [p.node, p.address]));
    this.#byAddress = new Map(list.map((p) => [p.address, p.node]));
  }

  /** The heartbeats of one interval. */
  tick(): Datagram[] {
    return this.#send(false);
  }

  /** Heartbeats carrying our state to every peer we beat to, if it changed since we last sent; else none. */
  changed(): Datagram[] {
    this.#current();
    return this.#version === this.#sentVersion ? [] : this.#send(true);
  }

  #send(onlyBeats: boolean): Datagram[] {
    const state = this.#current();
    this.#sentVersion = this.#version;
    const now = this.o.clock.now();
    const out: Datagram[] = [];
    for (const node of this.o.liveness.names()) {
      const address = this.#addresses.get(node);
      if (address === undefined || node === this.o.node) continue;
      const link = this.#link(node);
      const probe = now >= link.contactUntil && !this.o.liveness.isUp(node);
      if (probe && (onlyBeats || now - link.lastProbe < (this.o.probeMs ?? DEFAULT_PROBE_MS))) continue;
      if (probe) link.lastProbe = now;
      const bytes = encodeHeartbeat({
        id: this.#id,
        boot: this.boot,
        seq: ++this.#seq,
        stateVersion: this.#version,
        ack: this.o.liveness.peer(node)?.stateVersion ?? 0,
        probe,
        state: link.ack === this.#version ? undefined : state,
      }, this.o);
      out.push({ node, address, bytes });
    }
    return out;
  }

  #link(node: string): PeerLink {
    let l = this.#links.get(node);
    if (!l) {
      l = { ack: 0, contactUntil: this.o.clock.now() + this.o.liveness.graceMs(), lastProbe: -Infinity };
      this.#links.set(node, l);
    }
    return l;
  }

  /** Our state now; a new version when it differs from the last one. */
  #current(): SpeakerState {
    const me = this.o.self();
    const state: SpeakerState = fitHeldKept({
      maxVersion: HEARTBEAT_VERSION,
      node: this.o.node,
      intervalMs: this.o.liveness.advertisedIntervalMs(),
      apiOk: me.apiOk,
      holding: me.holding,
      accused: me.accused,
      candidate: me.candidate,
      ...(me.restarting ? { restarting: true } : {}),
      links: me.links.slice(0, MAX_LINKS),
      macs: me.macs.slice(0, MAX_LINKS),
      peers: me.peers.slice(0, MAX_PEERS),
      ...(me.kept?.length ? { kept: me.kept.slice(0, MAX_KEPT) } : {}),
      ...(me.heldKept?.length ? { heldKept: me.heldKept.slice(0, MAX_PEERS).map((h) => ({ node: h.node, kept: h.kept.slice(0, MAX_KEPT) })) } : {}),
    });
    const key = `${state.intervalMs}|${+me.apiOk}${+me.holding}${+me.accused}${+me.candidate}${+(me.restarting ?? false)}|${state.links.join()}|${state.macs.join()}|${state.peers.map((p) => `${p.id}${p.status}${+p.accused}${+p.candidate}${+(p.held ?? false)}`).join()}|${state.kept?.join() ?? ''}|${state.heldKept?.map((h) => `${h.node}:${h.kept.join()}`).join(';') ?? ''}`;
    if (key !== this.#stateKey || !this.#state) {
      this.#stateKey = key;
      this.#state = state;
      // Versions wrap at 255: never reuse one a peer says it holds, or it would keep an old state under it.
      const held = new Set([...this.#links.values()].map((l) => l.ack));
      do this.#version = (this.#version % 255) + 1;
      while (held.has(this.#version) && held.size < 255);
    }
    return this.#state;
  }

  /** A datagram from `from` (its source address: a beat's sender is the node there). */
  receive(bytes: Uint8Array, from: string): void {
    const d = decodeHeartbeat(bytes, { key: this.o.key, idOf: (name) => {
      const node = name ?? this.#byAddress.get(from);
      return node === undefined ? undefined : nodeId(node);
    } });
    if (!d.ok) return this.#drop(d.error.reason);
    const h = d.value;
    const node = h.state?.node ?? this.#byAddress.get(from);
    if (node === undefined || node === this.o.node) return this.#drop('unknownPeer');
    // A node that sends from another address than its InternalIP (several interfaces): its beats come from there too.
    if (h.state && this.#byAddress.get(from) !== node) this.#byAddress.set(from, node);
    const link = this.#link(node);
    link.contactUntil = this.o.clock.now() + this.o.liveness.graceMs();
    // A probe says its sender does not hear us: beat to it again (above), but it proves nothing about it.
    if (h.probe) return;
    if (this.o.liveness.heard({ node, boot: h.boot, seq: h.seq, stateVersion: h.stateVersion, state: h.state }) !== 'accepted') return;
    link.ack = h.ack;
    if (h.state) link.maxVersion = h.state.maxVersion;
  }

  #drop(e: ReceiveError): void {
    this.errors.set(e, (this.errors.get(e) ?? 0) + 1);
  }

  /** Whether every peer up now holds our current state (so it has read what we last said). */
  acknowledged(): boolean {
    this.#current();
    return this.o.liveness.names().every((n) => !this.o.liveness.isUp(n) || this.#links.get(n)?.ack === this.#version);
  }

  /** The highest heartbeat version a peer said it speaks (a later release sends it the lower of that and its own). */
  peerVersion(node: string): number | undefined {
    return this.#links.get(node)?.maxVersion;
  }
}
