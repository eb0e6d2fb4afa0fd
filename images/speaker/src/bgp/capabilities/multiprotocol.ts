// SPDX-License-Identifier: Apache-2.0
/** Multiprotocol capability (code 1): one AFI/SAFI. @see RFC 4760 §8 */
export interface MultiprotocolCapability {
  readonly kind: 'multiprotocol';
  readonly afi: number;
  readonly safi: number;
}

export const MULTIPROTOCOL = 1;

export function encodeMultiprotocol(c: MultiprotocolCapability): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(c.afi, 0);
  b[3] = c.safi;
  return b;
}

/** Undefined when the value is not 4 bytes (the caller keeps it as unknown). */
export function decodeMultiprotocol(v: Uint8Array): MultiprotocolCapability | undefined {
  if (v.length !== 4) return undefined;
  return { kind: 'multiprotocol', afi: ((v[0] ?? 0) << 8) | (v[1] ?? 0), safi: v[3] ?? 0 };
}
