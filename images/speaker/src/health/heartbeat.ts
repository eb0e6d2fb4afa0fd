// SPDX-License-Identifier: Apache-2.0
/**
 * The heartbeat one speaker sends to the others over UDP, authenticated with HMAC-SHA256
 * (truncated to 16 bytes) under the shared key. It carries the sender's view (the peers it hears)
 * and its candidates, so that speakers elect owners only among nodes that every live speaker hears,
 * and announce only what every peer they hear would elect them for too. Pure.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { formatMac, macBytes } from '../l2/mac.js';

export const HEARTBEAT_PORT = 7946;
const MAGIC = 0x4d4c4248; // "MLBH"
const VERSION = 2;
const MAC_LEN = 16;

export interface Heartbeat {
  /** The sender's node name. */
  readonly node: string;
  /** Random per process start: a new value means the peer restarted. */
  readonly boot: number;
  /** Increases by one per heartbeat within a boot. */
  readonly seq: number;
  /** The sender's interval (ms), so receivers can size their detection time. */
  readonly intervalMs: number;
  /** The sender reaches the API server. */
  readonly apiOk: boolean;
  /** The sender's interfaces that are up and usable for L2 (names). */
  readonly links: readonly string[];
  /** The sender's MACs on those interfaces. */
  readonly macs: readonly string[];
  /** The sender does not decide yet (starting, or its link just came back): it is no candidate and its view does not count. */
  readonly holding: boolean;
  /** The peers the sender hears now (node names, itself excluded). */
  readonly view: readonly string[];
  /** The nodes the sender elects among (its candidates, itself included when it is one). */
  readonly cands: readonly string[];
}

export type HeartbeatError = 'truncated' | 'badMagic' | 'badVersion' | 'badAuth';

export function encodeHeartbeat(h: Heartbeat, key: Uint8Array): Uint8Array {
  const name = Buffer.from(h.node, 'utf8');
  const links = h.links.map((l) => Buffer.from(l, 'utf8'));
  const view = h.view.map((v) => Buffer.from(v, 'utf8'));
  const cands = h.cands.map((v) => Buffer.from(v, 'utf8'));
  const long = (l: Buffer): boolean => l.length > 255;
  if (long(name) || links.length > 255 || h.macs.length > 255 || links.some(long) || view.length > 0xffff || view.some(long) || cands.length > 0xffff || cands.some(long)) throw new Error('heartbeat field too long');
  const strings = (ls: Buffer[]): number => ls.reduce((n, l) => n + 1 + l.length, 0);
  const size = 4 + 1 + 1 + 4 + 4 + 2 + 1 + name.length + 1 + strings(links) + 1 + 6 * h.macs.length + 2 + strings(view) + 2 + strings(cands);
  const out = Buffer.alloc(size + MAC_LEN);
  let o = out.writeUInt32BE(MAGIC, 0);
  o = out.writeUInt8(VERSION, o);
  o = out.writeUInt8((h.apiOk ? 1 : 0) | (h.holding ? 2 : 0), o);
  o = out.writeUInt32BE(h.boot >>> 0, o);
  o = out.writeUInt32BE(h.seq >>> 0, o);
  o = out.writeUInt16BE(Math.min(0xffff, h.intervalMs), o);
  o = out.writeUInt8(name.length, o);
  o += name.copy(out, o);
  o = out.writeUInt8(links.length, o);
  for (const l of links) {
    o = out.writeUInt8(l.length, o);
    o += l.copy(out, o);
  }
  o = out.writeUInt8(h.macs.length, o);
  for (const m of h.macs) {
    out.set(macBytes(m), o);
    o += 6;
  }
  for (const list of [view, cands]) {
    o = out.writeUInt16BE(list.length, o);
    for (const v of list) {
      o = out.writeUInt8(v.length, o);
      o += v.copy(out, o);
    }
  }
  sign(key, out.subarray(0, o)).copy(out, o);
  return out;
}

function sign(key: Uint8Array, body: Uint8Array): Buffer {
  return createHmac('sha256', key).update(body).digest().subarray(0, MAC_LEN);
}

/** Decodes and authenticates; never throws. */
export function decodeHeartbeat(b: Uint8Array, key: Uint8Array): { ok: true; value: Heartbeat } | { ok: false; error: HeartbeatError } {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const fail = (error: HeartbeatError): { ok: false; error: HeartbeatError } => ({ ok: false, error });
  if (buf.length < 4 + 1 + 1 + 4 + 4 + 2 + 1 + 1 + 1 + 2 + 2 + MAC_LEN) return fail('truncated');
  if (buf.readUInt32BE(0) !== MAGIC) return fail('badMagic');
  if (buf.readUInt8(4) !== VERSION) return fail('badVersion');
  const body = buf.subarray(0, buf.length - MAC_LEN);
  if (!timingSafeEqual(sign(key, body), buf.subarray(buf.length - MAC_LEN))) return fail('badAuth');
  // Authenticated: the sender is one of ours, but still check every length.
  let o = 5;
  const flags = body.readUInt8(o++);
  const apiOk = (flags & 1) !== 0;
  const holding = (flags & 2) !== 0;
  const boot = body.readUInt32BE(o);
  const seq = body.readUInt32BE(o + 4);
  const intervalMs = body.readUInt16BE(o + 8);
  o += 10;
  const str = (): string | undefined => {
    const n = body[o];
    if (n === undefined || o + 1 + n > body.length) return undefined;
    const s = body.toString('utf8', o + 1, o + 1 + n);
    o += 1 + n;
    return s;
  };
  const node = str();
  if (node === undefined) return fail('truncated');
  const strs = (n: number): string[] | undefined => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = str();
      if (s === undefined) return undefined;
      out.push(s);
    }
    return out;
  };
  const nLinks = body[o++];
  const links = nLinks === undefined ? undefined : strs(nLinks);
  if (links === undefined) return fail('truncated');
  const nMacs = body[o++];
  if (nMacs === undefined || o + 6 * nMacs + 2 > body.length) return fail('truncated');
  const macs: string[] = [];
  for (let i = 0; i < nMacs; i++) macs.push(formatMac(body, o + 6 * i));
  o += 6 * nMacs;
  const list = (): string[] | undefined => {
    if (o + 2 > body.length) return undefined;
    const n = body.readUInt16BE(o);
    o += 2;
    return strs(n);
  };
  const view = list();
  const cands = view && list();
  if (view === undefined || cands === undefined || o !== body.length) return fail('truncated');
  return { ok: true, value: { node, boot, seq, intervalMs, apiOk, links, macs, holding, view, cands } };
}
