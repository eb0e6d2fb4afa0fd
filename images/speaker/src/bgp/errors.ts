// SPDX-License-Identifier: Apache-2.0
/**
 * BGP errors as NOTIFICATION codes: every decode error is a BgpProtocolError.
 * @see RFC 4271 §4.5, §6; RFC 7606 §2 (error handling), RFC 4486 (Cease subcodes), RFC 5880 §6.8.17 / RFC 9384 (BFD Down)
 */
import type { CodecError } from '../../../../lib/codec.js';

/** NOTIFICATION error codes. */
export const ErrorCode = {
  MessageHeader: 1,
  OpenMessage: 2,
  UpdateMessage: 3,
  HoldTimerExpired: 4,
  FsmError: 5,
  Cease: 6,
  RouteRefresh: 7,
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const HeaderSubcode = { ConnectionNotSynchronized: 1, BadMessageLength: 2, BadMessageType: 3 } as const;
export const OpenSubcode = {
  UnsupportedVersion: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
  RoleMismatch: 11,
} as const;
export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnown: 2,
  MissingWellKnown: 3,
  AttributeFlags: 4,
  AttributeLength: 5,
  InvalidOrigin: 6,
  InvalidNextHop: 8,
  OptionalAttribute: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;
export const CeaseSubcode = {
  MaxPrefixes: 1,
  AdminShutdown: 2,
  PeerDeconfigured: 3,
  AdminReset: 4,
  ConnectionRejected: 5,
  OtherConfigChange: 6,
  ConnectionCollision: 7,
  OutOfResources: 8,
  HardReset: 9,
  BfdDown: 10,
} as const;

/** What to do about an error, weakest first. @see RFC 7606 §2 */
export const ErrorHandling = { None: 0, AttributeDiscard: 1, TreatAsWithdraw: 2, AfiSafiDisable: 3, SessionReset: 4 } as const;
export type ErrorHandling = (typeof ErrorHandling)[keyof typeof ErrorHandling];

/** The stronger of two handlings. */
export function stronger(a: ErrorHandling, b: ErrorHandling): ErrorHandling {
  return a >= b ? a : b;
}

/** The strongest handling among errors (RFC 7606 §3h), None for none. */
export function strongest(errors: readonly { readonly handling: ErrorHandling }[]): ErrorHandling {
  return errors.reduce<ErrorHandling>((h, e) => stronger(h, e.handling), ErrorHandling.None);
}

/** Names of the handlings, for logs and metrics. */
export const handlingName: Readonly<Record<ErrorHandling, string>> = {
  0: 'none', 1: 'attribute discard', 2: 'treat-as-withdraw', 3: 'AFI/SAFI disable', 4: 'session reset',
};

/** A protocol error, ready to become a NOTIFICATION (or, when its handling is weaker, to be logged); the codecs' CodecError. */
export class BgpProtocolError extends Error implements CodecError {
  /** The code and subcode in words. */
  readonly reason: string;

  constructor(
    readonly code: number,
    readonly subcode: number,
    readonly detail: string,
    readonly data: Uint8Array = new Uint8Array(0),
    readonly handling: ErrorHandling = ErrorHandling.SessionReset,
  ) {
    const reason = notificationText(code, subcode);
    super(`${reason}: ${detail}`);
    this.name = 'BgpProtocolError';
    this.reason = reason;
  }

  /** The same error with another handling and data (the attribute table decides both). */
  as(handling: ErrorHandling, data: Uint8Array = this.data): BgpProtocolError {
    return new BgpProtocolError(this.code, this.subcode, this.detail, data, handling);
  }
}

/** An UPDATE message error; the attribute table (attributes/index.ts) decides how it is handled. */
export function updateError(subcode: number, detail: string): BgpProtocolError {
  return new BgpProtocolError(ErrorCode.UpdateMessage, subcode, detail);
}

const codeText: Record<number, string> = {
  1: 'message header error',
  2: 'OPEN message error',
  3: 'UPDATE message error',
  4: 'hold timer expired',
  5: 'FSM error',
  6: 'cease',
  7: 'ROUTE-REFRESH message error',
};

const subcodeText: Record<number, Record<number, string>> = {
  1: { 1: 'connection not synchronized', 2: 'bad message length', 3: 'bad message type' },
  2: { 1: 'unsupported version number', 2: 'bad peer AS', 3: 'bad BGP identifier', 4: 'unsupported optional parameter', 6: 'unacceptable hold time', 7: 'unsupported capability', 11: 'role mismatch' },
  3: {
    1: 'malformed attribute list', 2: 'unrecognized well-known attribute', 3: 'missing well-known attribute', 4: 'attribute flags error',
    5: 'attribute length error', 6: 'invalid ORIGIN attribute', 8: 'invalid NEXT_HOP attribute', 9: 'optional attribute error',
    10: 'invalid network field', 11: 'malformed AS_PATH',
  },
  7: { 1: 'invalid message length' },
  6: {
    1: 'maximum number of prefixes reached', 2: 'administrative shutdown', 3: 'peer de-configured', 4: 'administrative reset',
    5: 'connection rejected', 6: 'other configuration change', 7: 'connection collision resolution', 8: 'out of resources',
    9: 'hard reset', 10: 'BFD down',
  },
};

/** Human-readable text of a NOTIFICATION code/subcode, for logs. */
export function notificationText(code: number, subcode: number): string {
  const c = codeText[code] ?? `error code ${code}`;
  const s = subcodeText[code]?.[subcode];
  return s ? `${c} / ${s}` : subcode ? `${c} / subcode ${subcode}` : c;
}
