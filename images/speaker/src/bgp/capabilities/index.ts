// SPDX-License-Identifier: Apache-2.0
/** Capabilities in an OPEN: one optional parameter of type 2 holding code/length/value triples. @see RFC 5492 */
import { decodeFourOctetAs, encodeFourOctetAs, FOUR_OCTET_AS, type FourOctetAsCapability } from './four-octet-as.js';
import { decodeGracefulRestart, encodeGracefulRestart, GRACEFUL_RESTART, type GracefulRestartCapability } from './graceful-restart.js';
import { decodeMultiprotocol, encodeMultiprotocol, MULTIPROTOCOL, type MultiprotocolCapability } from './multiprotocol.js';
import { decodeRouteRefreshCap, encodeRouteRefreshCap, ROUTE_REFRESH, type RouteRefreshCapability } from './route-refresh.js';
import type { UnknownCapability } from './unknown.js';

export type Capability = MultiprotocolCapability | RouteRefreshCapability | FourOctetAsCapability | GracefulRestartCapability | UnknownCapability;
export type { MultiprotocolCapability, RouteRefreshCapability, FourOctetAsCapability, GracefulRestartCapability, UnknownCapability };
export { AS_TRANS } from './four-octet-as.js';

function codeAndValue(c: Capability): [number, Uint8Array] {
  switch (c.kind) {
    case 'multiprotocol': return [MULTIPROTOCOL, encodeMultiprotocol(c)];
    case 'routeRefresh': return [ROUTE_REFRESH, encodeRouteRefreshCap()];
    case 'fourOctetAs': return [FOUR_OCTET_AS, encodeFourOctetAs(c)];
    case 'gracefulRestart': return [GRACEFUL_RESTART, encodeGracefulRestart(c)];
    case 'unknown': return [c.code, c.value];
  }
}

/** Encodes capabilities as code/length/value triples. */
export function encodeCapabilities(caps: readonly Capability[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const c of caps) {
    const [code, value] = codeAndValue(c);
    parts.push(Uint8Array.of(code, value.length), value);
  }
  return Buffer.concat(parts);
}

/** Decodes the value of a capabilities parameter; undefined when its triples overrun it. */
export function decodeCapabilities(b: Uint8Array): Capability[] | undefined {
  const out: Capability[] = [];
  let i = 0;
  while (i < b.length) {
    const code = b[i] ?? 0;
    const len = b[i + 1];
    if (len === undefined || i + 2 + len > b.length) return undefined;
    const value = Uint8Array.from(b.subarray(i + 2, i + 2 + len));
    out.push(decodeOne(code, value) ?? { kind: 'unknown', code, value });
    i += 2 + len;
  }
  return out;
}

function decodeOne(code: number, v: Uint8Array): Capability | undefined {
  switch (code) {
    case MULTIPROTOCOL: return decodeMultiprotocol(v);
    case ROUTE_REFRESH: return decodeRouteRefreshCap(v);
    case FOUR_OCTET_AS: return decodeFourOctetAs(v);
    case GRACEFUL_RESTART: return decodeGracefulRestart(v);
    default: return undefined;
  }
}
