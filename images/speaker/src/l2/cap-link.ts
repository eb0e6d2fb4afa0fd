// SPDX-License-Identifier: Apache-2.0
/** RawLink over libpcap (AF_PACKET) through the `cap` binding. Needs CAP_NET_RAW. */
import { Cap } from 'cap';
import type { RawLink } from './raw-link.js';

const BUFFER = 1 << 20;

/** ARP, NS and NA, plain or VLAN-tagged, not sent by us. */
export function captureFilter(mac: string): string {
  const nd = 'arp or (icmp6 and (ip6[40] == 135 or ip6[40] == 136))';
  return `not ether src ${mac} and (${nd} or (vlan and (${nd})))`;
}

export function openCapLink(name: string, mac: string): RawLink {
  const cap = new Cap();
  const buf = Buffer.alloc(65536);
  try {
    cap.open(name, captureFilter(mac), BUFFER, buf);
  } catch (e) {
    throw new Error(`opening ${name} for ARP/NDP: ${(e as Error).message}`, { cause: e });
  }
  // Deliver every frame at once: ARP latency matters more than wakeups.
  cap.setMinBytes?.(0);
  let handler: (frame: Uint8Array) => void = () => undefined;
  cap.on('packet', (n: number) => handler(buf.subarray(0, n)));
  let open = true;
  return {
    name,
    mac,
    send(frame) {
      if (!open) return;
      const b = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
      cap.send(b, b.length);
    },
    onFrame(fn) {
      handler = fn;
    },
    close() {
      if (!open) return;
      open = false;
      cap.close();
    },
  };
}
