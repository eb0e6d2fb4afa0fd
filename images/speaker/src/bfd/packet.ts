// SPDX-License-Identifier: Apache-2.0
/** The BFD control packet (24 bytes without authentication). Pure. @see RFC 5880 §4.1 */
import { decoded, failed, type Codec, type CodecError, type Decoded } from '../../../../lib/codec.js';

export const BfdState = { AdminDown: 0, Down: 1, Init: 2, Up: 3 } as const;
export type BfdState = (typeof BfdState)[keyof typeof BfdState];

/** Diagnostic codes. @see RFC 5880 §4.1 */
export const Diag = { None: 0, DetectionTimeExpired: 1, EchoFailed: 2, NeighborDown: 3, AdminDown: 7 } as const;

export interface ControlPacket {
  readonly diag: number;
  readonly state: BfdState;
  readonly poll: boolean;
  readonly final: boolean;
  readonly demand: boolean;
  readonly detectMult: number;
  readonly myDiscriminator: number;
  readonly yourDiscriminator: number;
  /** Microseconds. */
  readonly desiredMinTx: number;
  readonly requiredMinRx: number;
  readonly requiredMinEchoRx: number;
}

/** Why a BFD packet was dropped. @see RFC 5880 §6.8.6 */
export type BfdDropReason = 'truncated' | 'badVersion' | 'badLength' | 'authentication' | 'multipoint' | 'badDetectMult' | 'badDiscriminator';
export type BfdPacketError = CodecError<BfdDropReason>;

const LEN = 24;

const fail = (reason: BfdDropReason, detail: string): { readonly ok: false; readonly error: BfdPacketError } => failed({ reason, detail });

export function controlLength(): number {
  return LEN;
}

export function encodeControl(p: ControlPacket): Buffer {
  const b = Buffer.alloc(LEN);
  b[0] = (1 << 5) | (p.diag & 0x1f);
  b[1] = (p.state << 6) | (p.poll ? 0x20 : 0) | (p.final ? 0x10 : 0) | (p.demand ? 0x02 : 0);
  b[2] = p.detectMult;
  b[3] = LEN;
  b.writeUInt32BE(p.myDiscriminator >>> 0, 4);
  b.writeUInt32BE(p.yourDiscriminator >>> 0, 8);
  b.writeUInt32BE(p.desiredMinTx >>> 0, 12);
  b.writeUInt32BE(p.requiredMinRx >>> 0, 16);
  b.writeUInt32BE(p.requiredMinEchoRx >>> 0, 20);
  return b;
}

/** Decodes and applies the reception checks of RFC 5880 §6.8.6 that need no session. */
export function decodeControl(bytes: Uint8Array): Decoded<ControlPacket, BfdPacketError> {
  if (bytes.length < LEN) return fail('truncated', `${bytes.length} bytes, need ${LEN}`);
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = (b[0] ?? 0) >> 5;
  if (version !== 1) return fail('badVersion', `version ${version}`);
  const len = b[3] ?? 0;
  const flags = b[1] ?? 0;
  const auth = (flags & 0x04) !== 0;
  if (len < (auth ? 26 : LEN) || len > b.length) return fail('badLength', `length field ${len} for ${b.length} bytes`);
  if (auth) return fail('authentication', 'authentication is not supported');
  if ((flags & 0x01) !== 0) return fail('multipoint', 'multipoint bit set');
  const detectMult = b[2] ?? 0;
  if (detectMult === 0) return fail('badDetectMult', 'detect multiplier 0');
  const myDiscriminator = b.readUInt32BE(4);
  if (myDiscriminator === 0) return fail('badDiscriminator', 'my discriminator 0');
  const state = (flags >> 6) as BfdState;
  const yourDiscriminator = b.readUInt32BE(8);
  if (yourDiscriminator === 0 && state !== BfdState.Down && state !== BfdState.AdminDown) return fail('badDiscriminator', 'your discriminator 0 outside Down');
  return decoded({
    diag: (b[0] ?? 0) & 0x1f,
    state,
    poll: (flags & 0x20) !== 0,
    final: (flags & 0x10) !== 0,
    demand: (flags & 0x02) !== 0,
    detectMult,
    myDiscriminator,
    yourDiscriminator,
    desiredMinTx: b.readUInt32BE(12),
    requiredMinRx: b.readUInt32BE(16),
    requiredMinEchoRx: b.readUInt32BE(20),
  }, len);
}

export const controlCodec: Codec<ControlPacket, BfdPacketError> = { encode: encodeControl, encodingLength: controlLength, decode: decodeControl };
