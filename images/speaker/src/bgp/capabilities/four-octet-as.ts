// SPDX-License-Identifier: Apache-2.0
/** 4-octet AS number capability (code 65). @see RFC 6793 §3 */
export interface FourOctetAsCapability {
  readonly kind: 'fourOctetAs';
  readonly asn: number;
}

export const FOUR_OCTET_AS = 65;
/** The 2-byte stand-in for AS numbers above 65535. */
export const AS_TRANS = 23456;

export function encodeFourOctetAs(c: FourOctetAsCapability): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(c.asn >>> 0, 0);
  return b;
}

export function decodeFourOctetAs(v: Uint8Array): FourOctetAsCapability | undefined {
  if (v.length !== 4) return undefined;
  return { kind: 'fourOctetAs', asn: Buffer.from(v).readUInt32BE(0) };
}
