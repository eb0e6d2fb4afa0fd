// SPDX-License-Identifier: Apache-2.0
/**
 * RawLink over an AF_PACKET socket (the packetlink addon; needs CAP_NET_RAW), in this process. The
 * addon's reader thread answers who-has and NS for the addresses of `answerChange` by itself, without
 * waiting for this event loop, and only while the lease this event loop renews runs: a speaker stalled
 * longer than its peers' detection time (who then take its addresses over) stops answering too. The
 * changes of one event-loop turn reach the addon together, as one table.
 */
import { familyOf } from '../../../../../lib/ip.js';
import { ipBytes, ipText } from '../wire/ip-bytes.js';
import { macBytes } from '../../../../../lib/mac.js';
import { nativeAddon } from '../../native.js';
import type { RawLink } from './raw-link.js';

/** A socket handle of the addon. */
type Handle = { readonly __brand: 'packetlink' };

export interface PacketLinkAddon {
  open(name: string, notify: () => void): Handle;
  answer(h: Handle, mac: Uint8Array, v4: Uint8Array, v6: Uint8Array): void;
  renew(h: Handle, ms: number): void;
  send(h: Handle, frame: Uint8Array): void;
  /** What the reader queued: [0, frame] | [1, address bytes answered] | [2, why it closed]. */
  take(h: Handle): Array<[0 | 1, Buffer] | [2, string]>;
  close(h: Handle): void;
  /** The fast path's reply to `frame` for this table, or null: respond()'s reply case, for tests. */
  reply(mac: Uint8Array, v4: Uint8Array, v6: Uint8Array, frame: Uint8Array): Buffer | null;
}

let addon: PacketLinkAddon | undefined;

/** The addon; throws when it is not built. */
export function packetLinkAddon(): PacketLinkAddon {
  addon ??= nativeAddon<PacketLinkAddon>('packetlink');
  return addon;
}

/** How long the link answers without hearing from the speaker: the peers' detection time by default. */
export const DEFAULT_LEASE_MS = 300;

/** The answer table's three byte strings: our MAC, then the IPv4 and IPv6 addresses back to back. */
export function answerTable(mac: string, ips: readonly string[]): [Uint8Array, Uint8Array, Uint8Array] {
  const v4 = ips.filter((ip) => familyOf(ip) === 4);
  const v6 = ips.filter((ip) => familyOf(ip) === 6);
  const pack = (list: string[], family: 4 | 6): Uint8Array => {
    const out = new Uint8Array(list.length * (family === 4 ? 4 : 16));
    list.forEach((ip, i) => out.set(ipBytes(ip, family), i * (family === 4 ? 4 : 16)));
    return out;
  };
  return [macBytes(mac), pack(v4, 4), pack(v6, 6)];
}

/**
 * Opens `name`. The lease is renewed from this event loop every third of `leaseMs`; the fast path
 * answers only while it runs.
 */
export function openPacketLink(name: string, mac: string, leaseMs = DEFAULT_LEASE_MS): RawLink {
  const a = packetLinkAddon();
  let onFrame: (frame: Uint8Array) => void = () => undefined;
  let onAnswered: (ip: string) => void = () => undefined;
  let onClose: (reason: string) => void = () => undefined;
  let open = true;
  // what the addon answers, with this turn's changes; who waits for them to reach it
  const answered = new Set<string>();
  let callers: (() => void)[] = [];
  const flush = (): void => {
    const done = callers;
    callers = [];
    if (open) {
      a.answer(h, ...answerTable(mac, [...answered]));
      renew();
    }
    for (const c of done) c();
  };
  const drain = (): void => {
    if (!open) return;
    for (const [kind, data] of a.take(h)) {
      if (kind === 0) onFrame(data);
      else if (kind === 1) onAnswered(ipText(data, 0, data.length === 4 ? 4 : 6));
      else return end(`capture on ${name}: ${data}`);
    }
  };
  const h = a.open(name, drain);
  const end = (reason: string): void => {
    if (!open) return;
    open = false;
    clearInterval(renewer);
    a.close(h);
    onClose(reason);
  };
  const renew = (): void => a.renew(h, leaseMs);
  const renewer = setInterval(renew, Math.max(1, Math.floor(leaseMs / 3)));
  renew();
  return {
    name,
    mac,
    send(frame) {
      if (!open) return;
      try {
        a.send(h, frame);
      } catch (e) {
        end(`capture on ${name}: ${(e as Error).message}`);
      }
    },
    onFrame(fn) {
      onFrame = fn;
    },
    onClose(fn) {
      onClose = fn;
    },
    onAnswered(fn) {
      onAnswered = fn;
    },
    answerChange(add, remove) {
      if (!open) return Promise.resolve();
      for (const ip of remove) answered.delete(ip);
      for (const ip of add) answered.add(ip);
      if (callers.length === 0) queueMicrotask(flush);
      // In this process: once the turn's table is handed over, the reader answers exactly these.
      return new Promise<void>((done) => callers.push(done));
    },
    close() {
      if (!open) return;
      open = false;
      clearInterval(renewer);
      a.close(h);
    },
  };
}
