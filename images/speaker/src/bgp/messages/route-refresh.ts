// SPDX-License-Identifier: Apache-2.0
/** ROUTE-REFRESH: asks for the routes of one AFI/SAFI again. @see RFC 2918 §3, RFC 7313 §3 and §5 */
import { BgpProtocolError, ErrorCode } from '../errors.js';
import type { Codec, Decoded } from '../../../../../lib/codec.js';
import { decodeWhole, encodeHeader, HEADER_LENGTH, MessageType } from './header.js';

export interface RouteRefreshMessage {
  readonly type: 'routeRefresh';
  readonly afi: number;
  readonly safi: number;
  /** RFC 7313 subtype (0 = normal request). */
  readonly subtype: number;
}

export function encodeRouteRefresh(m: Omit<RouteRefreshMessage, 'type'>): Buffer {
  const body = Buffer.alloc(4);
  body.writeUInt16BE(m.afi, 0);
  body[2] = m.subtype;
  body[3] = m.safi;
  return encodeHeader(MessageType.RouteRefresh, body);
}

export function routeRefreshLength(): number {
  return HEADER_LENGTH + 4;
}

/** Subtypes of RFC 7313: a plain request, and the Beginning and End of a refresh the peer sends us. */
export const RefreshSubtype = { Request: 0, Begin: 1, End: 2 } as const;

/** Bytes after a request's four are outbound route filters (RFC 5291), which we did not offer: they are ignored. */
export function decodeRouteRefreshBody(body: Uint8Array): RouteRefreshMessage {
  const subtype = body[2] ?? 0;
  // RFC 7313 §5: a BoRR or EoRR of any other length is an Invalid Message Length, with the whole message as data.
  if ((subtype === RefreshSubtype.Begin || subtype === RefreshSubtype.End) && body.length !== 4) {
    throw new BgpProtocolError(ErrorCode.RouteRefresh, 1, `ROUTE-REFRESH subtype ${subtype} with a body of ${body.length} bytes`, Uint8Array.from(encodeHeader(MessageType.RouteRefresh, body)));
  }
  return { type: 'routeRefresh', afi: ((body[0] ?? 0) << 8) | (body[1] ?? 0), subtype: body[2] ?? 0, safi: body[3] ?? 0 };
}

export function decodeRouteRefresh(b: Uint8Array): Decoded<RouteRefreshMessage, BgpProtocolError> {
  return decodeWhole(b, MessageType.RouteRefresh, decodeRouteRefreshBody);
}

export const routeRefreshCodec: Codec<RouteRefreshMessage, BgpProtocolError> = { encode: encodeRouteRefresh, encodingLength: routeRefreshLength, decode: decodeRouteRefresh };
