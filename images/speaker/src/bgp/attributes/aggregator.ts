// SPDX-License-Identifier: Apache-2.0
/**
 * AGGREGATOR (type 7) and AS4_AGGREGATOR (type 18): the AS and router that formed an aggregate.
 * AGGREGATOR carries a 2-byte AS unless both sides speak 4-octet AS; AS4_AGGREGATOR always a 4-byte one.
 * @see RFC 4271 §5.1.7, RFC 6793 §3; RFC 7606 §7.7
 */
import { formatIp, parseIp } from '../../../../../lib/ip.js';
import { updateError, UpdateSubcode } from '../errors.js';
import { view } from '../wire.js';

export interface AggregatorAttribute {
  readonly kind: 'aggregator' | 'as4Aggregator';
  readonly asn: number;
  readonly address: string;
}

function width(kind: AggregatorAttribute['kind'], fourOctet: boolean): 2 | 4 {
  return fourOctet || kind === 'as4Aggregator' ? 4 : 2;
}

export function encodeAggregator(a: AggregatorAttribute, fourOctet: boolean): Buffer {
  const w = width(a.kind, fourOctet);
  const b = Buffer.alloc(w + 4);
  if (w === 4) b.writeUInt32BE(a.asn >>> 0, 0);
  else b.writeUInt16BE(a.asn & 0xffff, 0);
  b.set(parseIp(a.address).bytes, w);
  return b;
}

export function decodeAggregator(v: Uint8Array, kind: AggregatorAttribute['kind'], fourOctet: boolean): AggregatorAttribute {
  const w = width(kind, fourOctet);
  if (v.length !== w + 4) throw updateError(UpdateSubcode.AttributeLength, `${kind === 'aggregator' ? 'AGGREGATOR' : 'AS4_AGGREGATOR'} of ${v.length} bytes, want ${w + 4}`);
  const b = view(v);
  return { kind, asn: w === 4 ? b.readUInt32BE(0) : b.readUInt16BE(0), address: formatIp({ family: 4, bytes: Uint8Array.from(b.subarray(w)) }) };
}
