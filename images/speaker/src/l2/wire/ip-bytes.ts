// SPDX-License-Identifier: Apache-2.0
/** Addresses between bytes and text for the codecs, converted once: frames name the same few (ours, the askers') again and again. */
import { formatIp, parseIp, type IpFamily } from '../../../../../lib/ip.js';

const parsed = new Map<string, Uint8Array>();
/** Bounds the cache: the addresses in frames are anyone's choice. */
const MAX_ENTRIES = 1024;

/** The 4 or 16 bytes of `ip`, which must be of `family`; throws otherwise. Shared: read them, never write into them. */
export function ipBytes(ip: string, family: IpFamily): Uint8Array {
  const hit = parsed.get(ip);
  if (hit && hit.length === (family === 4 ? 4 : 16)) return hit;
  const a = parseIp(ip);
  if (a.family !== family) throw new Error(`expected an IPv${family} address, got "${ip}"`);
  if (parsed.size >= MAX_ENTRIES) parsed.clear();
  parsed.set(ip, a.bytes);
  return a.bytes;
}

const texts = new Map<string, string>();

/** The text form (lib/ip's formatIp) of the 4 or 16 bytes at `b[at]`, formatted once per address. */
export function ipText(b: Uint8Array, at: number, family: IpFamily): string {
  const bytes = b.subarray(at, at + (family === 4 ? 4 : 16));
  const key = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
  const hit = texts.get(key);
  if (hit !== undefined) return hit;
  const text = formatIp({ family, bytes });
  if (texts.size >= MAX_ENTRIES) texts.clear();
  texts.set(key, text);
  return text;
}
