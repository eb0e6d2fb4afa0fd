// SPDX-License-Identifier: Apache-2.0
/** Any path attribute we do not interpret: kept with its flags and bytes, never dropped. @see RFC 4271 §5 */
export interface UnknownAttribute {
  readonly kind: 'unknown';
  readonly code: number;
  readonly flags: number;
  readonly value: Uint8Array;
}
