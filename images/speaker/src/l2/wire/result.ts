// SPDX-License-Identifier: Apache-2.0
/** Outcomes of decoding and handling a frame: values, never exceptions (lib/codec's contract). */
import { decoded, type CodecError, type Decoded } from '../../../../../lib/codec.js';

/** Why a frame did not decode. */
export type DecodeReason =
  | 'truncated'
  | 'unsupportedEtherType'
  | 'unsupportedArp'
  | 'badIpVersion'
  | 'notNeighborDiscovery'
  | 'badChecksum'
  | 'badIcmpCode'
  | 'badHopLimit'
  | 'badOption'
  | 'multicastTarget';

/** Why a frame was not decoded or not answered. */
export type DropReason =
  | DecodeReason
  | 'ownFrame'
  | 'ethernetDestination'
  | 'arpReply'
  | 'neighborAdvertisement'
  | 'notAnnounced'
  | 'interfaceNotAllowed';

export type L2Error = CodecError<DecodeReason>;

/** A decoded L2 value, or why there is none. */
export type L2Decoded<T> = Decoded<T, L2Error>;

export const ok = decoded;

// One frozen failure per reason: dropping a frame allocates nothing.
const failures = new Map<DecodeReason, { readonly ok: false; readonly error: L2Error }>();

export function drop(reason: DecodeReason): { readonly ok: false; readonly error: L2Error } {
  let f = failures.get(reason);
  if (!f) failures.set(reason, (f = Object.freeze({ ok: false as const, error: Object.freeze({ reason }) })));
  return f;
}
