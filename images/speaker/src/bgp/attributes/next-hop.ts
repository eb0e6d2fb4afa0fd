// SPDX-License-Identifier: Apache-2.0
/** NEXT_HOP (type 3, IPv4). @see RFC 4271 §5.1.3; RFC 7606 §7.3 */
import { formatIp, parseIp } from '../../../../../lib/ip.js';
import { updateError, UpdateSubcode } from '../errors.js';

export interface NextHopAttribute {
  readonly kind: 'nextHop';
  readonly address: string;
}

export function encodeNextHop(a: NextHopAttribute): Buffer {
  const ip = parseIp(a.address);
  if (ip.family !== 4) throw new RangeError(`NEXT_HOP must be IPv4, got ${a.address}`);
  return Buffer.from(ip.bytes);
}

export function decodeNextHop(v: Uint8Array): NextHopAttribute {
  if (v.length !== 4) throw updateError(UpdateSubcode.AttributeLength, `NEXT_HOP of ${v.length} bytes`);
  return { kind: 'nextHop', address: formatIp({ family: 4, bytes: Uint8Array.from(v) }) };
}
