// SPDX-License-Identifier: Apache-2.0
/** Semantic checks of a peer's OPEN (apart from byte decoding), and what the two OPENs negotiate. @see RFC 4271 §6.2, RFC 6793 §4, RFC 6286 */
import type { Capability } from './capabilities/index.js';
import { BgpProtocolError, ErrorCode, OpenSubcode } from './errors.js';
import { peerAsOf, type OpenMessage } from './messages/open.js';
import { Afi, Safi } from './wire.js';

export type Family = 'ipv4' | 'ipv6';

/** What our side expects of the peer. */
export interface OpenExpectation {
  readonly localAs: number;
  /** 0 accepts any AS (not used by MetalLB peers, kept for tests). */
  readonly peerAs: number;
  readonly routerId: string;
  /** Our hold time in seconds (0 or ≥ 3). */
  readonly holdTime: number;
  /** Our keepalive interval in seconds, if configured; else hold ÷ 3. */
  readonly keepaliveTime?: number;
  readonly families: readonly Family[];
}

/** The session's parameters once both OPENs are known. */
export interface Negotiated {
  readonly peerAs: number;
  readonly peerRouterId: string;
  /** Seconds; 0 means no hold timer and no keepalives. */
  readonly holdTime: number;
  readonly keepaliveTime: number;
  readonly fourOctetAs: boolean;
  readonly families: readonly Family[];
  /** The peer supports graceful restart (it keeps our routes while we restart). */
  readonly peerGracefulRestart: boolean;
  readonly ibgp: boolean;
}

function hasFamily(caps: readonly Capability[], afi: number): boolean {
  return caps.some((c) => c.kind === 'multiprotocol' && c.afi === afi && c.safi === Safi.Unicast);
}

/** Checks the peer's OPEN and returns the negotiated parameters; throws the NOTIFICATION to send. */
export function validateOpen(open: OpenMessage, want: OpenExpectation): Negotiated {
  const peerAs = peerAsOf(open);
  const fourOctetAs = open.capabilities.some((c) => c.kind === 'fourOctetAs');
  if (want.peerAs !== 0 && peerAs !== want.peerAs) {
    throw new BgpProtocolError(ErrorCode.OpenMessage, OpenSubcode.BadPeerAs, `peer AS ${peerAs}, expected ${want.peerAs}`, Uint8Array.of(open.myAs >> 8, open.myAs & 0xff));
  }
  if (!fourOctetAs && want.localAs > 0xffff) {
    throw new BgpProtocolError(ErrorCode.OpenMessage, OpenSubcode.UnsupportedCapability, `local AS ${want.localAs} needs the 4-octet AS capability, which the peer lacks`, Uint8Array.of(65, 4, ...beU32(want.localAs)));
  }
  if (open.holdTime === 1 || open.holdTime === 2) {
    throw new BgpProtocolError(ErrorCode.OpenMessage, OpenSubcode.UnacceptableHoldTime, `hold time ${open.holdTime} s`);
  }
  const ibgp = peerAs === want.localAs;
  if (open.routerId === '0.0.0.0' || (ibgp && open.routerId === want.routerId)) {
    throw new BgpProtocolError(ErrorCode.OpenMessage, OpenSubcode.BadBgpIdentifier, `router ID ${open.routerId}`);
  }
  const holdTime = Math.min(open.holdTime, want.holdTime);
  const keepaliveTime = holdTime === 0 ? 0 : Math.min(want.keepaliveTime ?? Math.floor(holdTime / 3), Math.floor(holdTime / 3)) || 1;
  // A peer that sends no multiprotocol capability speaks IPv4 unicast only (RFC 4760 §8).
  const anyMp = open.capabilities.some((c) => c.kind === 'multiprotocol');
  const families = want.families.filter((f) => (f === 'ipv4' ? !anyMp || hasFamily(open.capabilities, Afi.IPv4) : hasFamily(open.capabilities, Afi.IPv6)));
  const peerGracefulRestart = open.capabilities.some((c) => c.kind === 'gracefulRestart');
  return { peerAs, peerRouterId: open.routerId, holdTime, keepaliveTime, fourOctetAs, families, peerGracefulRestart, ibgp };
}

function beU32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}
