// SPDX-License-Identifier: Apache-2.0
/** The properties every codec's tests check, written once: round trips, encodingLength, and decoding any bytes without throwing. */
import fc from 'fast-check';
import type { Codec, CodecError, Decoded } from '../../lib/codec.js';

/** The context for a value: a fixed one, or one made from the value (a key that names the sender, addresses a checksum covers). */
type ContextFor<T, C> = C | ((value: T) => C);

function contextOf<T, C>(ctx: ContextFor<T, C>, value: T): C {
  return typeof ctx === 'function' ? (ctx as (v: T) => C)(value) : ctx;
}

export interface RoundTripOptions<T> {
  /** What decoding gives back when it is not the value itself (defaults the decoder fills in). */
  readonly expected?: (value: T) => unknown;
  readonly numRuns?: number;
}

/** Every generated value encodes to encodingLength bytes, and those decode to the value, taking all of them. */
export function expectRoundTrips<T, E extends CodecError, C>(codec: Codec<T, E, C>, values: fc.Arbitrary<T>, ctx: ContextFor<T, C>, opts: RoundTripOptions<T> = {}): void {
  fc.assert(fc.property(values, (v) => {
    const c = contextOf(ctx, v);
    const bytes = codec.encode(v, c);
    expect(codec.encodingLength(v, c)).toBe(bytes.length);
    expect(codec.decode(bytes, c)).toEqual({ ok: true, value: opts.expected ? opts.expected(v) : v, bytes: bytes.length });
  }), opts.numRuns === undefined ? {} : { numRuns: opts.numRuns });
}

/** Bytes from the wire decode, and the value encodes to the same bytes again (annotated examples, captures). */
export function expectReencodes<T, E extends CodecError, C>(codec: Codec<T, E, C>, bytes: Uint8Array, ctx: C): T {
  const d = codec.decode(bytes, ctx);
  if (!d.ok) throw new Error(`does not decode: ${d.error.reason}${d.error.detail ? `: ${d.error.detail}` : ''}`);
  expect(d.bytes).toBe(bytes.length);
  expect(Buffer.from(codec.encode(d.value, ctx)).toString('hex')).toBe(Buffer.from(bytes).toString('hex'));
  expect(codec.encodingLength(d.value, ctx)).toBe(bytes.length);
  return d.value;
}

/** The value of a decode that must succeed; its error is thrown when it does not. */
export function decodedValue<T, E extends CodecError>(d: Decoded<T, E>): T {
  if (!d.ok) throw d.error instanceof Error ? d.error : new Error(`does not decode: ${d.error.reason}${d.error.detail ? `: ${d.error.detail}` : ''}`);
  return d.value;
}

/** The error of a decode that must fail. */
export function decodeError<T, E extends CodecError>(d: Decoded<T, E>): E {
  if (d.ok) throw new Error(`decoded when it should not: ${JSON.stringify(d.value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
  return d.error;
}

export interface AnyBytesOptions {
  /** The bytes to try; arbitrary ones up to 256 by default. */
  readonly bytes?: fc.Arbitrary<Uint8Array>;
  readonly numRuns?: number;
  /** The reasons the codec may give; any other fails the test. */
  readonly reasons?: readonly string[];
  /** An error that stands for a bug in the decoder rather than bad bytes: thrown, so the test fails with it. */
  readonly bug?: (error: CodecError) => boolean;
}

/** Whatever the bytes, decode returns (never throws): a value that took no more bytes than there were, or an error with a reason. */
export function expectDecodesAnyBytes<T, E extends CodecError, C>(codec: Pick<Codec<T, E, C>, 'decode'>, ctx: C, opts: AnyBytesOptions = {}): void {
  fc.assert(fc.property(opts.bytes ?? fc.uint8Array({ maxLength: 256 }), (b) => {
    const d = codec.decode(b, ctx);
    if (!d.ok && opts.bug?.(d.error)) throw d.error;
    if (d.ok) {
      expect(d.bytes).toBeGreaterThanOrEqual(0);
      expect(d.bytes).toBeLessThanOrEqual(b.length);
    } else if (opts.reasons) expect(opts.reasons).toContain(d.error.reason);
    else expect(typeof d.error.reason).toBe('string');
  }), opts.numRuns === undefined ? {} : { numRuns: opts.numRuns });
}
