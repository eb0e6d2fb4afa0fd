// SPDX-License-Identifier: Apache-2.0
/** Addresses as bytes for the codecs, parsed once: frames name the same few (ours, the askers') again and again. */
import { parseIp, type IpFamily } from '../../../../lib/ip.js';

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
