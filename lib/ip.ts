// SPDX-License-Identifier: Apache-2.0
/** IP address math shared by the hooks, the controller and the speaker. Pure: no I/O. */
import { isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

/** An address as family + big-endian bytes (4 or 16). */
export interface IpAddress {
  readonly family: IpFamily;
  readonly bytes: Uint8Array;
}

/** An inclusive range of addresses of one family, as integers. */
export interface IpRange {
  readonly family: IpFamily;
  readonly first: bigint;
  readonly last: bigint;
}

export class IpParseError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid IP "${input}": ${reason}`);
    this.name = 'IpParseError';
  }
}

export function familyOf(ip: string): IpFamily | undefined {
  if (isIPv4(ip)) return 4;
  if (isIPv6(ip)) return 6;
  return undefined;
}

export function parseIp(text: string): IpAddress {
  if (isIPv4(text)) return { family: 4, bytes: Uint8Array.from(text.split('.').map(Number)) };
  if (isIPv6(text)) return { family: 6, bytes: parseIpv6(text) };
  throw new IpParseError(text, 'not an IPv4 or IPv6 address');
}

function parseIpv6(text: string): Uint8Array {
  let s = text;
  const out = new Uint8Array(16);
  // Embedded IPv4 tail (::ffff:192.0.2.1).
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  let tailWords: number[] = [];
  if (tail.includes('.')) {
    const b = tail.split('.').map(Number);
    tailWords = [((b[0] ?? 0) << 8) | (b[1] ?? 0), ((b[2] ?? 0) << 8) | (b[3] ?? 0)];
    s = s.slice(0, lastColon + 1) + '0';
  }
  const [head, rest] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const headWords = head === '' ? [] : head.split(':').map((w) => parseInt(w, 16));
  const restWords = rest === undefined || rest === '' ? [] : rest.split(':').map((w) => parseInt(w, 16));
  if (tailWords.length) (restWords.length ? restWords : headWords).splice(-1, 1, ...tailWords);
  const words = rest === undefined ? headWords : [...headWords, ...new Array<number>(8 - headWords.length - restWords.length).fill(0), ...restWords];
  words.forEach((w, i) => {
    out[i * 2] = w >> 8;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((ip.bytes[i] ?? 0) << 8) | (ip.bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run (length >= 2) of zero words, leftmost on a tie.
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Canonical text form (lower-case, RFC 5952) of an address given as text. */
export function canonicalIp(text: string): string {
  return formatIp(parseIp(text));
}

export function ipToBigInt(ip: IpAddress): bigint {
  let n = 0n;
  for (const b of ip.bytes) n = (n << 8n) | BigInt(b);
  return n;
}

export function bigIntToIp(n: bigint, family: IpFamily): IpAddress {
  const len = family === 4 ? 4 : 16;
  const bytes = new Uint8Array(len);
  let v = n;
  for (let i = len - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return { family, bytes };
}

/** Text of an address given as an integer: IPv4 by number arithmetic, IPv6 through hex (both far cheaper than byte-wise BigInt shifts). */
export function formatIpNumber(n: bigint, family: IpFamily): string {
  if (family === 4) {
    const v = Number(n);
    return `${(v >>> 24) & 255}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  return formatIp({ family, bytes: Buffer.from(n.toString(16).padStart(32, '0'), 'hex') });
}

export function bitsOf(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/** Parses "a.b.c.d/n" or "x::/n". Host bits must be zero unless `strict` is false. */
export function parseCidr(text: string, strict = true): IpRange & { prefix: number; network: string } {
  const slash = text.indexOf('/');
  if (slash < 0) throw new IpParseError(text, 'CIDR needs a "/prefix"');
  const addr = parseIp(text.slice(0, slash));
  const prefixText = text.slice(slash + 1);
  const prefix = Number(prefixText);
  const bits = bitsOf(addr.family);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > bits) throw new IpParseError(text, `prefix length must be 0..${bits}`);
  const hostBits = BigInt(bits - prefix);
  const n = ipToBigInt(addr);
  const first = (n >> hostBits) << hostBits;
  const network = formatIpNumber(first, addr.family);
  if (strict && first !== n) throw new IpParseError(text, `host bits are set (network is ${network}/${prefix})`);
  return { family: addr.family, first, last: first + (1n << hostBits) - 1n, prefix, network };
}

/** Parses a pool entry: a CIDR, a range "first-last", or a single address (as a /32 or /128). */
export function parsePoolEntry(text: string): IpRange {
  const t = text.trim();
  if (t.includes('/')) return parseCidr(t, false);
  if (t.includes('-')) {
    const [a, b, ...extra] = t.split('-').map((s) => s.trim());
    if (a === undefined || b === undefined || extra.length) throw new IpParseError(text, 'a range is "first-last"');
    const first = parseIp(a);
    const last = parseIp(b);
    if (first.family !== last.family) throw new IpParseError(text, 'range ends are of different families');
    const r = { family: first.family, first: ipToBigInt(first), last: ipToBigInt(last) };
    if (r.first > r.last) throw new IpParseError(text, 'range starts after it ends');
    return r;
  }
  const ip = parseIp(t);
  const n = ipToBigInt(ip);
  return { family: ip.family, first: n, last: n };
}

/** A pool's address list as ranges, in the order written; throws on none, on an entry that does not parse, or on entries that overlap. */
export function parsePoolEntries(entries: readonly string[]): IpRange[] {
  if (entries.length === 0) throw new Error('has no addresses');
  const ranges: IpRange[] = [];
  for (const e of entries) {
    const r = parsePoolEntry(e);
    if (ranges.some((o) => rangesOverlap(o, r))) throw new Error(`"${e}" overlaps another entry of the same pool`);
    ranges.push(r);
  }
  return ranges;
}

export function rangeSize(r: IpRange): bigint {
  return r.last - r.first + 1n;
}

export function rangeContains(r: IpRange, ip: IpAddress): boolean {
  if (r.family !== ip.family) return false;
  const n = ipToBigInt(ip);
  return n >= r.first && n <= r.last;
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

/** Splits a range into the fewest CIDRs that cover it exactly. */
export function rangeToCidrs(r: IpRange): string[] {
  const bits = BigInt(bitsOf(r.family));
  const out: string[] = [];
  let cur = r.first;
  while (cur <= r.last) {
    let size = 0n;
    while (size < bits && (cur & ((1n << (size + 1n)) - 1n)) === 0n && cur + (1n << (size + 1n)) - 1n <= r.last) size++;
    out.push(`${formatIpNumber(cur, r.family)}/${bits - size}`);
    cur += 1n << size;
  }
  return out;
}

/** Host route form of an address: "/32" or "/128". */
export function hostPrefix(ip: string): string {
  const fam = familyOf(ip);
  if (!fam) throw new IpParseError(ip, 'not an IPv4 or IPv6 address');
  return `${ip}/${bitsOf(fam)}`;
}
