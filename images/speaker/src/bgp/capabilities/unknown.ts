// SPDX-License-Identifier: Apache-2.0
/** Any capability we do not interpret: kept as code + bytes, never dropped. @see RFC 5492 §4 */
export interface UnknownCapability {
  readonly kind: 'unknown';
  readonly code: number;
  readonly value: Uint8Array;
}
