// SPDX-License-Identifier: Apache-2.0
/** MAC addresses as lowercase "aa:bb:cc:dd:ee:ff" strings, for the speaker's frames and heartbeats and the lab. On every frame's path: no regex, no arrays. */

export const BROADCAST_MAC = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC = '00:00:00:00:00:00';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Value of one hex digit (either case), or -1. */
function nibble(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** Six bytes into `out` at `at`; false when `text` is not "aa:bb:cc:dd:ee:ff" (either case). */
function parseInto(text: string, out: Uint8Array, at: number): boolean {
  if (text.length !== 17) return false;
  for (let i = 0; i < 6; i++) {
    const hi = nibble(text.charCodeAt(i * 3));
    const lo = nibble(text.charCodeAt(i * 3 + 1));
    if (hi < 0 || lo < 0 || (i < 5 && text.charCodeAt(i * 3 + 2) !== 58)) return false;
    out[at + i] = (hi << 4) | lo;
  }
  return true;
}

export function isMac(text: string): boolean {
  return parseInto(text, new Uint8Array(6), 0);
}

/** Six bytes from "aa:bb:cc:dd:ee:ff"; throws on anything else. */
export function macBytes(mac: string): Uint8Array {
  const out = new Uint8Array(6);
  if (!parseInto(mac, out, 0)) throw new Error(`invalid MAC "${mac}"`);
  return out;
}

/** Writes `mac` into `out` at `at`, without allocating; throws on an invalid MAC. */
export function writeMac(mac: string, out: Uint8Array, at: number): void {
  if (!parseInto(mac, out, at)) throw new Error(`invalid MAC "${mac}"`);
}

export function formatMac(b: Uint8Array, offset = 0): string {
  const h = (i: number): string => HEX[b[offset + i] ?? 0] ?? '00';
  return `${h(0)}:${h(1)}:${h(2)}:${h(3)}:${h(4)}:${h(5)}`;
}

/** Group (multicast or broadcast) bit of the first octet. */
export function isGroupMac(mac: string): boolean {
  const n = nibble(mac.charCodeAt(1));
  return n >= 0 && (n & 1) === 1;
}
