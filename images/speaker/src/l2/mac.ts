// SPDX-License-Identifier: Apache-2.0
/** MAC addresses as lowercase "aa:bb:cc:dd:ee:ff" strings. */

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC = '00:00:00:00:00:00';

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

export function isMac(text: string): boolean {
  return MAC_RE.test(text.toLowerCase());
}

/** Six bytes from "aa:bb:cc:dd:ee:ff"; throws on anything else. */
export function macBytes(mac: string): Uint8Array {
  if (!isMac(mac)) throw new Error(`invalid MAC "${mac}"`);
  return Uint8Array.from(mac.split(':').map((h) => parseInt(h, 16)));
}

export function formatMac(b: Uint8Array, offset = 0): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((b[offset + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

/** Group (multicast or broadcast) bit of the first octet. */
export function isGroupMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}
