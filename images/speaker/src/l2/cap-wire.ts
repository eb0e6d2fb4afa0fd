// SPDX-License-Identifier: Apache-2.0
/**
 * Messages between the speaker and its capture process (cap-link.ts, cap-child.ts), one pipe each
 * way: a 4-byte big-endian body length, then the body: a 1-byte type and its fields. Pure.
 */
import { familyOf } from '../../../../lib/ip.js';
import { formatMac, macBytes } from './mac.js';

export type CapMessage =
  /** The capture process is up and capturing (its first message). */
  | { readonly type: 'ready' }
  /** A whole Ethernet frame: received (capture → speaker) or to send (speaker → capture). */
  | { readonly type: 'frame'; readonly frame: Uint8Array }
  /** From now on the capture process answers who-has / NS for exactly `ips`, with `mac`. */
  | { readonly type: 'answer'; readonly seq: number; readonly mac: string; readonly ips: readonly string[] }
  /** The capture process applied `answer` number `seq` (and every one before it). */
  | { readonly type: 'applied'; readonly seq: number }
  /** The capture process answered a request for `ip` by itself. */
  | { readonly type: 'answered'; readonly ip: string }
  /** The speaker is alive: answer for the next `leaseMs`, then stop until renewed (a stalled speaker's peers take over). */
  | { readonly type: 'renew'; readonly leaseMs: number };

export type WireResult = { readonly ok: true; readonly msg: CapMessage } | { readonly ok: false; readonly error: string };

const FRAME = 1;
const ANSWER = 2;
const APPLIED = 3;
const ANSWERED = 4;
const READY = 5;
const RENEW = 6;
/** Larger than any frame the capture delivers (its snap length is 65535). */
export const MAX_BODY = 1 << 17;

/** A frame message: one allocation, no concatenation. */
export function encodeFrame(frame: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(5 + frame.length);
  b.writeUInt32BE(1 + frame.length, 0);
  b[4] = FRAME;
  b.set(frame, 5);
  return b;
}

/** A message whose only field is one 32-bit number. */
function u32Message(type: number, value: number): Buffer {
  const b = Buffer.allocUnsafe(9);
  b.writeUInt32BE(5, 0);
  b[4] = type;
  b.writeUInt32BE(value >>> 0, 5);
  return b;
}

export function encodeMessage(m: CapMessage): Buffer {
  switch (m.type) {
    case 'frame':
      return encodeFrame(m.frame);
    case 'answer': {
      const ips = Buffer.from(m.ips.join(','), 'latin1');
      const b = Buffer.allocUnsafe(15 + ips.length);
      b.writeUInt32BE(11 + ips.length, 0);
      b[4] = ANSWER;
      b.writeUInt32BE(m.seq >>> 0, 5);
      b.set(macBytes(m.mac), 9);
      b.set(ips, 15);
      return b;
    }
    case 'ready':
      return Buffer.from([0, 0, 0, 1, READY]);
    case 'renew':
      return u32Message(RENEW, m.leaseMs);
    case 'applied':
      return u32Message(APPLIED, m.seq);
    case 'answered': {
      const ip = Buffer.from(m.ip, 'latin1');
      const b = Buffer.allocUnsafe(5 + ip.length);
      b.writeUInt32BE(1 + ip.length, 0);
      b[4] = ANSWERED;
      b.set(ip, 5);
      return b;
    }
  }
}

function fail(error: string): WireResult {
  return { ok: false, error };
}

/** One message body (type and fields, without the length). A frame's bytes stay a view of `body`. */
export function decodeBody(body: Uint8Array): WireResult {
  const type = body[0];
  const v = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (type === FRAME) return { ok: true, msg: { type: 'frame', frame: body.subarray(1) } };
  if (type === READY) return body.length === 1 ? { ok: true, msg: { type: 'ready' } } : fail(`ready message of ${body.length} bytes`);
  if (type === RENEW) return body.length === 5 ? { ok: true, msg: { type: 'renew', leaseMs: v.getUint32(1) } } : fail(`renew message of ${body.length} bytes`);
  if (type === APPLIED) return body.length === 5 ? { ok: true, msg: { type: 'applied', seq: v.getUint32(1) } } : fail(`applied message of ${body.length} bytes`);
  if (type === ANSWERED) {
    const ip = Buffer.from(body.buffer, body.byteOffset + 1, body.length - 1).toString('latin1');
    return familyOf(ip) ? { ok: true, msg: { type: 'answered', ip } } : fail(`answered message with bad address "${ip}"`);
  }
  if (type === ANSWER) {
    if (body.length < 11) return fail(`answer message of ${body.length} bytes`);
    const text = Buffer.from(body.buffer, body.byteOffset + 11, body.length - 11).toString('latin1');
    const ips = text ? text.split(',') : [];
    const bad = ips.find((ip) => !familyOf(ip));
    if (bad !== undefined) return fail(`answer message with bad address "${bad}"`);
    return { ok: true, msg: { type: 'answer', seq: v.getUint32(1), mac: formatMac(body, 5), ips } };
  }
  return fail(type === undefined ? 'empty message' : `unknown message type ${type}`);
}

/**
 * Splits a byte stream into messages. Whole messages inside one chunk are passed as views of it
 * (valid only during the callback); only a message cut across chunks is copied.
 */
export class Deframer {
  #part: Buffer | undefined;
  #have = 0;
  // After a bad length nothing that follows can be trusted.
  #broken = false;

  constructor(private readonly on: (r: WireResult) => void) {}

  push(chunk: Buffer): void {
    if (this.#broken) return;
    let off = 0;
    if (this.#part) {
      off = this.#fill(chunk);
      // Still assembling: the whole chunk went into it.
      if (this.#part || this.#broken) return;
    }
    while (chunk.length - off >= 4) {
      const n = chunk.readUInt32BE(off);
      if (n === 0 || n > MAX_BODY) return this.#bad(`message length ${n}`);
      if (chunk.length - off - 4 < n) break;
      this.on(decodeBody(chunk.subarray(off + 4, off + 4 + n)));
      off += 4 + n;
    }
    if (off < chunk.length && !this.#broken) {
      this.#part = Buffer.allocUnsafe(4);
      this.#have = 0;
      this.#fill(chunk.subarray(off));
    }
  }

  /** Copies from `chunk` into the message being assembled; returns how many bytes it took. */
  #fill(chunk: Buffer): number {
    let used = 0;
    for (;;) {
      const part = this.#part;
      if (!part) return used;
      const take = Math.min(part.length - this.#have, chunk.length - used);
      chunk.copy(part, this.#have, used, used + take);
      this.#have += take;
      used += take;
      if (this.#have < part.length) return used;
      if (part.length === 4) {
        // The length is complete: grow to hold the body.
        const n = part.readUInt32BE(0);
        if (n === 0 || n > MAX_BODY) {
          this.#bad(`message length ${n}`);
          return chunk.length;
        }
        this.#part = Buffer.allocUnsafe(4 + n);
        part.copy(this.#part);
        continue;
      }
      this.#part = undefined;
      this.on(decodeBody(part.subarray(4)));
      return used;
    }
  }

  #bad(error: string): void {
    this.#part = undefined;
    this.#broken = true;
    this.on({ ok: false, error });
  }
}
