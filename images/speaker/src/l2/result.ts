// SPDX-License-Identifier: Apache-2.0
/** Outcomes of decoding and handling a frame: values, never exceptions. */

/** Why a frame was not decoded or not answered. */
export type DropReason =
  // decoding
  | 'truncated'
  | 'unsupportedEtherType'
  | 'unsupportedArp'
  | 'badIpVersion'
  | 'notNeighborDiscovery'
  | 'badChecksum'
  | 'badIcmpCode'
  | 'badHopLimit'
  | 'badOption'
  | 'multicastTarget'
  // answering
  | 'ownFrame'
  | 'ethernetDestination'
  | 'arpReply'
  | 'neighborAdvertisement'
  | 'notAnnounced'
  | 'interfaceNotAllowed';

/** A decoded value, or the reason there is none. */
export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: DropReason };

export function ok<T>(value: T): Decoded<T> {
  return { ok: true, value };
}

export function drop<T>(reason: DropReason): Decoded<T> {
  return { ok: false, reason };
}
