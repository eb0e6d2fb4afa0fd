// SPDX-License-Identifier: Apache-2.0
/** Route refresh capability (code 2, no value). @see RFC 2918 §2 */
export interface RouteRefreshCapability {
  readonly kind: 'routeRefresh';
}

export const ROUTE_REFRESH = 2;

export function encodeRouteRefreshCap(): Buffer {
  return Buffer.alloc(0);
}

export function decodeRouteRefreshCap(v: Uint8Array): RouteRefreshCapability | undefined {
  return v.length === 0 ? { kind: 'routeRefresh' } : undefined;
}
