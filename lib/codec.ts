// SPDX-License-Identifier: Apache-2.0
/**
 * The contract every wire format keeps (BGP messages, BFD, ARP, NDP, the heartbeat): encode, encodingLength
 * and decode. Decoding never throws: it returns the value and how many bytes it took, or a typed error. The
 * bytes come from anyone (a link, a UDP port, a router), and for a listener on a link an unwanted or malformed
 * frame is the common case, not an exception: a result is cheap, cannot be forgotten by the type checker, and
 * a bug in a decoder stays a bug (it throws) instead of passing for bad input. Pure.
 */

/** Why bytes did not decode: a reason to switch on and count, and words for a log. */
export interface CodecError<R extends string = string> {
  readonly reason: R;
  readonly detail?: string | undefined;
}

/** The decoded value and the bytes it took (what follows, such as Ethernet padding, is the caller's), or the error. */
export type Decoded<T, E extends CodecError = CodecError> =
  | { readonly ok: true; readonly value: T; readonly bytes: number }
  | { readonly ok: false; readonly error: E };

/** One wire format. `C` is what both directions need besides the value (a session's negotiated options, addresses, a key). */
export interface Codec<T, E extends CodecError = CodecError, C = void> {
  encode(value: T, ctx: C): Uint8Array;
  /** encode(value, ctx).length (UPDATE and OPEN encode their attributes or capabilities to know it). */
  encodingLength(value: T, ctx: C): number;
  decode(bytes: Uint8Array, ctx: C): Decoded<T, E>;
}

export function decoded<T>(value: T, bytes: number): { readonly ok: true; readonly value: T; readonly bytes: number } {
  return { ok: true, value, bytes };
}

export function failed<E extends CodecError>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
