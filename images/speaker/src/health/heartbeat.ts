// SPDX-License-Identifier: Apache-2.0
/**
 * The heartbeat one speaker sends to each of its peers over UDP, authenticated with HMAC-SHA256
 * (truncated to 16 bytes) under the shared key. Most are a fixed 31-byte beat; the sender's state
 * (who it is, its links, the peers it hears) rides along only when the receiver does not hold its
 * current version yet, which each beat acknowledges. A beat names no sender: the receiver knows it by
 * its address (or the name in its last state from that address), and the sender's id is part of what
 * the HMAC covers, so a beat replayed from another address fails. Version 3; each state says the
 * highest version its sender speaks, and extensions it does not know a receiver skips. Pure.
 *
 *  0 "MLB"  3 version  4 flags (bit 0 state follows, bit 1 probe)  5 boot  9 sequence
 * 13 sender's state version  14 receiver's state version the sender holds (0: none)
 * 15 state, when flagged: highest version spoken, flags (bit 0 API reachable, bit 1 holding, bit 2 accused,
 *    bit 3 candidate, bit 4 restarting), interval (ms), node name, links, MACs, then the peers it watches,
 *    each an id and a byte (bits 0-1 heard: 0 no, 1 deciding, 2 holding; bit 2 accused; bit 3 elected among;
 *    bit 4 its addresses held for its restart)
 *    then extensions (type, length, value) up to the 16-byte HMAC over the sender's id and everything before it;
 *    with a state, extension 1 lists the addresses the sender keeps after taking them over (4-byte ids).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { decoded, failed, type Codec, type CodecError, type Decoded } from '../../../../lib/codec.js';
import { formatMac, macBytes } from '../../../../lib/mac.js';

export const HEARTBEAT_PORT = 7946;
// "MLB": versions 1 and 2 began "MLBH", so they read as version 72 ("H") and are refused as such.
const MAGIC = Buffer.from('MLB');
/** The version this release sends and the only one it reads; version 2 (every peer, full views) is refused. */
export const HEARTBEAT_VERSION = 3;
const MAC_LEN = 16;
const HEADER_LEN = 15;
const STATE_FLAG = 1;
const PROBE_FLAG = 2;
/** Bounds that keep the largest heartbeat within one IPv6 datagram on a 1,500-byte MTU (1,452 bytes of UDP payload). */
export const MAX_LINKS = 16;
export const MAX_PEERS = 150;
export const MAX_DATAGRAM = 1452;
/** Addresses a speaker keeps after a takeover that its state can list; it keeps no more than these. */
export const MAX_KEPT = 12;
const KEPT_EXTENSION = 1;
/** A held peer's kept addresses: its node id, then the address ids (one extension per held peer). */
const HELD_KEPT_EXTENSION = 2;

/** What a speaker hears of one node it watches: deciding, holding, or nothing (an accusation). */
export type PeerStatus = 'live' | 'holding' | 'silent';
const STATUS_CODES: Record<PeerStatus, number> = { silent: 0, live: 1, holding: 2 };
const STATUSES: readonly PeerStatus[] = ['silent', 'live', 'holding'];

/** A speaker's report of one node it watches. */
export interface PeerEntry {
  readonly id: number;
  readonly status: PeerStatus;
  /** A deciding peer the sender hears reports not hearing that node. */
  readonly accused: boolean;
  /** The sender elects among it. */
  readonly candidate: boolean;
  /** The sender holds that node's addresses while it restarts (a release without this bit never sets it). */
  readonly held?: boolean;
}

/** The sender's state: what receivers keep until the next version. */
export interface SpeakerState {
  /** The highest heartbeat version the sender speaks. */
  readonly maxVersion: number;
  readonly node: string;
  /** The sender's interval (ms), so receivers size their detection time. */
  readonly intervalMs: number;
  /** The sender reaches the API server. */
  readonly apiOk: boolean;
  /** The sender does not decide yet (starting, or its link just came back): it is no candidate and its reports do not count. */
  readonly holding: boolean;
  /** A deciding peer the sender hears reports not hearing it. */
  readonly accused: boolean;
  /** The sender elects among itself. */
  readonly candidate: boolean;
  /** The sender is stopping to restart (a rolling update): hold its addresses until it is back, for a bounded time. */
  readonly restarting?: boolean;
  /** The sender's interfaces that are up and usable for L2 (names). */
  readonly links: readonly string[];
  /** The sender's MACs on those interfaces. */
  readonly macs: readonly string[];
  /** The nodes the sender watches and what it makes of them; a node watched for a short time and not heard yet is left out. */
  readonly peers: readonly PeerEntry[];
  /** Addresses (addressId) the sender took over and keeps although a node before it in their chains is back. */
  readonly kept?: readonly number[];
  /** For each peer the sender holds for its restart, the addresses that peer kept: its next process keeps them too. */
  readonly heldKept?: readonly HeldKept[];
}

export interface HeldKept {
  /** The held peer's node id. */
  readonly node: number;
  readonly kept: readonly number[];
}

/** An extension a later release may add; receivers keep what they do not know unread. */
export interface Extension {
  readonly type: number;
  readonly value: Uint8Array;
}

export interface Heartbeat {
  /** nodeId() of the sender's node name: not sent, but covered by the HMAC. */
  readonly id: number;
  /** Random per process start: a new value means the peer restarted. */
  readonly boot: number;
  /** Increases by one per heartbeat within a boot. */
  readonly seq: number;
  /** The sender's current state version (1-255; 0 before it has one). */
  readonly stateVersion: number;
  /** The receiver's state version the sender holds (0: none). */
  readonly ack: number;
  /** The sender does not hear the receiver: a contact attempt at a low rate, not a sign of life. */
  readonly probe: boolean;
  readonly state?: SpeakerState | undefined;
  readonly extensions?: readonly Extension[] | undefined;
}

export type HeartbeatDropReason = 'truncated' | 'badMagic' | 'badVersion' | 'unknownSender' | 'badAuth';
export type HeartbeatError = CodecError<HeartbeatDropReason>;

/** What encoding and decoding need besides the heartbeat: the shared key, and for decoding who the sender is. */
export interface HeartbeatContext {
  readonly key: Uint8Array;
  /**
   * The sender's id from the node name its state carries, or (undefined: a beat) from what the receiver knows of
   * the source address; undefined: a stranger.
   */
  readonly idOf: (node: string | undefined) => number | undefined;
}

/** A node's id on the wire: the first 4 bytes of sha256(name). */
export function nodeId(name: string): number {
  let id = ids.get(name);
  if (id === undefined) {
    id = createHash('sha256').update(name, 'utf8').digest().readUInt32BE(0);
    if (ids.size > 100_000) ids.clear();
    ids.set(name, id);
  }
  return id;
}
const ids = new Map<string, number>();

/** An address's id on the wire: the first 4 bytes of sha256(ip), as for node names. */
export const addressId = nodeId;

/** The kept addresses as an extension of the state. */
function keptExtension(kept: readonly number[]): Extension {
  if (kept.length > MAX_KEPT) throw new Error('heartbeat state field too long');
  const v = Buffer.alloc(4 * kept.length);
  kept.forEach((id, i) => v.writeUInt32BE(id >>> 0, 4 * i));
  return { type: KEPT_EXTENSION, value: v };
}

function heldKeptExtension(h: HeldKept): Extension {
  if (h.kept.length > MAX_KEPT) throw new Error('heartbeat state field too long');
  const v = Buffer.alloc(4 + 4 * h.kept.length);
  v.writeUInt32BE(h.node >>> 0, 0);
  h.kept.forEach((id, i) => v.writeUInt32BE(id >>> 0, 4 + 4 * i));
  return { type: HELD_KEPT_EXTENSION, value: v };
}

function stateSize(s: SpeakerState, name: Buffer, links: Buffer[]): number {
  return 1 + 1 + 2 + 1 + name.length + 1 + links.reduce((n, l) => n + 1 + l.length, 0) + 1 + 6 * s.macs.length + 2 + 5 * s.peers.length;
}

/** The variable parts of a heartbeat, checked against the bounds of the format. */
function partsOf(h: Heartbeat): { name: Buffer; links: Buffer[]; exts: Extension[]; size: number } {
  const s = h.state;
  const name = Buffer.from(s?.node ?? '', 'utf8');
  const links = (s?.links ?? []).map((l) => Buffer.from(l, 'utf8'));
  if (s && (name.length > 255 || links.length > MAX_LINKS || s.macs.length > MAX_LINKS || links.some((l) => l.length > 15) || s.peers.length > MAX_PEERS)) throw new Error('heartbeat state field too long');
  const exts = [...(s?.kept?.length ? [keptExtension(s.kept)] : []), ...(s?.heldKept ?? []).filter((k) => k.kept.length).map(heldKeptExtension), ...(h.extensions ?? [])];
  if (exts.some((e) => e.type > 255 || e.value.length > 255)) throw new Error('heartbeat extension too long');
  const size = HEADER_LEN + (s ? stateSize(s, name, links) : 0) + exts.reduce((n, e) => n + 2 + e.value.length, 0) + MAC_LEN;
  return { name, links, exts, size };
}

export function heartbeatLength(h: Heartbeat): number {
  return partsOf(h).size;
}

/**
 * The state with as much of `heldKept` as lets a heartbeat carrying it fit one datagram: it only spares a keeper's next
 * process a move, so the rest is left out rather than every heartbeat fragmented.
 */
export function fitHeldKept(s: SpeakerState): SpeakerState {
  let out = s;
  const size = (st: SpeakerState): number => heartbeatLength({ id: 0, boot: 0, seq: 0, stateVersion: 0, ack: 0, probe: false, state: st });
  while (out.heldKept?.length && size(out) > MAX_DATAGRAM) {
    const { heldKept, ...rest } = out;
    out = heldKept.length > 1 ? { ...rest, heldKept: heldKept.slice(0, -1) } : rest;
  }
  return out;
}

export function encodeHeartbeat(h: Heartbeat, { key }: Pick<HeartbeatContext, 'key'>): Uint8Array {
  const s = h.state;
  const { name, links, exts, size } = partsOf(h);
  const out = Buffer.alloc(size);
  let o = MAGIC.copy(out, 0);
  o = out.writeUInt8(HEARTBEAT_VERSION, o);
  o = out.writeUInt8((s ? STATE_FLAG : 0) | (h.probe ? PROBE_FLAG : 0), o);
  o = out.writeUInt32BE(h.boot >>> 0, o);
  o = out.writeUInt32BE(h.seq >>> 0, o);
  o = out.writeUInt8(h.stateVersion & 0xff, o);
  o = out.writeUInt8(h.ack & 0xff, o);
  if (s) {
    o = out.writeUInt8(s.maxVersion, o);
    o = out.writeUInt8((s.apiOk ? 1 : 0) | (s.holding ? 2 : 0) | (s.accused ? 4 : 0) | (s.candidate ? 8 : 0) | (s.restarting ? 16 : 0), o);
    o = out.writeUInt16BE(Math.min(0xffff, s.intervalMs), o);
    o = out.writeUInt8(name.length, o);
    o += name.copy(out, o);
    o = out.writeUInt8(links.length, o);
    for (const l of links) {
      o = out.writeUInt8(l.length, o);
      o += l.copy(out, o);
    }
    o = out.writeUInt8(s.macs.length, o);
    for (const m of s.macs) {
      out.set(macBytes(m), o);
      o += 6;
    }
    o = out.writeUInt16BE(s.peers.length, o);
    for (const p of s.peers) {
      o = out.writeUInt32BE(p.id >>> 0, o);
      o = out.writeUInt8(STATUS_CODES[p.status] | (p.accused ? 4 : 0) | (p.candidate ? 8 : 0) | (p.held ? 16 : 0), o);
    }
  }
  for (const e of exts) {
    o = out.writeUInt8(e.type, o);
    o = out.writeUInt8(e.value.length, o);
    out.set(e.value, o);
    o += e.value.length;
  }
  sign(key, h.id, out.subarray(0, o)).copy(out, o);
  return out;
}

function sign(key: Uint8Array, id: number, body: Uint8Array): Buffer {
  const sender = Buffer.alloc(4);
  sender.writeUInt32BE(id >>> 0);
  return createHmac('sha256', key).update(sender).update(body).digest().subarray(0, MAC_LEN);
}

/** Decodes and authenticates; never throws. The datagram is the whole message: it takes all the bytes. */
export function decodeHeartbeat(b: Uint8Array, { key, idOf }: HeartbeatContext): Decoded<Heartbeat, HeartbeatError> {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const fail = (reason: HeartbeatDropReason): { readonly ok: false; readonly error: HeartbeatError } => failed({ reason });
  if (buf.length < 4) return fail('truncated');
  if (!buf.subarray(0, 3).equals(MAGIC)) return fail('badMagic');
  if (buf.readUInt8(3) !== HEARTBEAT_VERSION) return fail('badVersion');
  if (buf.length < HEADER_LEN + MAC_LEN) return fail('truncated');
  const body = buf.subarray(0, buf.length - MAC_LEN);
  // Not authenticated yet: read with every length checked, act on nothing before the HMAC is.
  const flags = body.readUInt8(4);
  const head = { boot: body.readUInt32BE(5), seq: body.readUInt32BE(9), stateVersion: body.readUInt8(13), ack: body.readUInt8(14), probe: (flags & PROBE_FLAG) !== 0 };
  let o = HEADER_LEN;
  let state: SpeakerState | undefined;
  if (flags & STATE_FLAG) {
    const s = decodeState(body, o);
    if (!s) return fail('truncated');
    state = s.state;
    o = s.end;
  }
  const extensions: Extension[] = [];
  while (o < body.length) {
    const type = body[o];
    const len = body[o + 1];
    if (type === undefined || len === undefined || o + 2 + len > body.length) return fail('truncated');
    const value = body.subarray(o + 2, o + 2 + len);
    if (state && type === KEPT_EXTENSION && len % 4 === 0) {
      const kept = Array.from({ length: len / 4 }, (_, i) => value.readUInt32BE(4 * i));
      if (kept.length) state = { ...state, kept };
    } else if (state && type === HELD_KEPT_EXTENSION && len % 4 === 0 && len > 4) {
      const held: HeldKept = { node: value.readUInt32BE(0), kept: Array.from({ length: len / 4 - 1 }, (_, i) => value.readUInt32BE(4 + 4 * i)) };
      state = { ...state, heldKept: [...(state.heldKept ?? []), held] };
    } else extensions.push({ type, value: Uint8Array.from(value) });
    o += 2 + len;
  }
  const id = idOf(state?.node);
  if (id === undefined) return fail('unknownSender');
  if (!timingSafeEqual(sign(key, id, body), buf.subarray(buf.length - MAC_LEN))) return fail('badAuth');
  return decoded({ id, ...head, ...(state ? { state } : {}), ...(extensions.length ? { extensions } : {}) }, buf.length);
}

export const heartbeatCodec: Codec<Heartbeat, HeartbeatError, HeartbeatContext> = { encode: encodeHeartbeat, encodingLength: heartbeatLength, decode: decodeHeartbeat };

function decodeState(body: Buffer, start: number): { state: SpeakerState; end: number } | undefined {
  let o = start;
  if (o + 4 > body.length) return undefined;
  const maxVersion = body.readUInt8(o);
  const flags = body.readUInt8(o + 1);
  const intervalMs = body.readUInt16BE(o + 2);
  o += 4;
  const str = (): string | undefined => {
    const n = body[o];
    if (n === undefined || o + 1 + n > body.length) return undefined;
    const s = body.toString('utf8', o + 1, o + 1 + n);
    o += 1 + n;
    return s;
  };
  const node = str();
  const nLinks = body[o++];
  if (node === undefined || nLinks === undefined) return undefined;
  const links: string[] = [];
  for (let i = 0; i < nLinks; i++) {
    const l = str();
    if (l === undefined) return undefined;
    links.push(l);
  }
  const nMacs = body[o++];
  if (nMacs === undefined || o + 6 * nMacs + 2 > body.length) return undefined;
  const macs: string[] = [];
  for (let i = 0; i < nMacs; i++) macs.push(formatMac(body, o + 6 * i));
  o += 6 * nMacs;
  const nPeers = body.readUInt16BE(o);
  o += 2;
  if (o + 5 * nPeers > body.length) return undefined;
  const peers: PeerEntry[] = [];
  for (let i = 0; i < nPeers; i++, o += 5) {
    const b = body.readUInt8(o + 4);
    const status = STATUSES[b & 3];
    // A status a later release adds says nothing this one understands: no opinion. Bits it adds above 4 are left unread.
    if (status) peers.push({ id: body.readUInt32BE(o), status, accused: (b & 4) !== 0, candidate: (b & 8) !== 0, ...((b & 16) !== 0 ? { held: true } : {}) });
  }
  const bit = (n: number): boolean => (flags & n) !== 0;
  return { state: { maxVersion, node, intervalMs, apiOk: bit(1), holding: bit(2), accused: bit(4), candidate: bit(8), ...(bit(16) ? { restarting: true } : {}), links, macs, peers }, end: o };
}
