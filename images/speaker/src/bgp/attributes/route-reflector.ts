// SPDX-License-Identifier: Apache-2.0
/** ORIGINATOR_ID (type 9) and CLUSTER_LIST (type 10), set by route reflectors. @see RFC 4456 §8; RFC 7606 §7.9–7.10 */
import { formatIp, parseIp } from '../../../../../lib/ip.js';
import { updateError, UpdateSubcode } from '../errors.js';

export interface OriginatorIdAttribute {
  readonly kind: 'originatorId';
  /** A router ID, written as an IPv4 address. */
  readonly id: string;
}

export interface ClusterListAttribute {
  readonly kind: 'clusterList';
  readonly ids: readonly string[];
}

const ids = (v: Uint8Array): string[] => {
  const out: string[] = [];
  for (let i = 0; i < v.length; i += 4) out.push(formatIp({ family: 4, bytes: Uint8Array.from(v.subarray(i, i + 4)) }));
  return out;
};

export function encodeOriginatorId(a: OriginatorIdAttribute): Buffer {
  return Buffer.from(parseIp(a.id).bytes);
}

export function decodeOriginatorId(v: Uint8Array): OriginatorIdAttribute {
  if (v.length !== 4) throw updateError(UpdateSubcode.AttributeLength, `ORIGINATOR_ID of ${v.length} bytes`);
  return { kind: 'originatorId', id: ids(v)[0] ?? '' };
}

export function encodeClusterList(a: ClusterListAttribute): Buffer {
  return Buffer.concat(a.ids.map((id) => parseIp(id).bytes));
}

export function decodeClusterList(v: Uint8Array): ClusterListAttribute {
  if (v.length === 0 || v.length % 4) throw updateError(UpdateSubcode.AttributeLength, `CLUSTER_LIST of ${v.length} bytes`);
  return { kind: 'clusterList', ids: ids(v) };
}
