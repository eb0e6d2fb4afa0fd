// SPDX-License-Identifier: Apache-2.0
/** Graceful restart capability (code 64). @see RFC 4724 §3 */
export interface GracefulRestartFamily {
  readonly afi: number;
  readonly safi: number;
  /** F bit: forwarding state was preserved across the restart. */
  readonly forwardingPreserved: boolean;
}

export interface GracefulRestartCapability {
  readonly kind: 'gracefulRestart';
  /** R bit: the sender has restarted. */
  readonly restarting: boolean;
  /** N bit (RFC 8538): notification support. */
  readonly notification: boolean;
  /** Seconds (12 bits) the peer should keep our routes while we come back. */
  readonly restartTime: number;
  readonly families: readonly GracefulRestartFamily[];
}

export const GRACEFUL_RESTART = 64;

export function encodeGracefulRestart(c: GracefulRestartCapability): Buffer {
  const b = Buffer.alloc(2 + 4 * c.families.length);
  b.writeUInt16BE((c.restarting ? 0x8000 : 0) | (c.notification ? 0x4000 : 0) | (c.restartTime & 0xfff), 0);
  c.families.forEach((f, i) => {
    b.writeUInt16BE(f.afi, 2 + i * 4);
    b[4 + i * 4] = f.safi;
    b[5 + i * 4] = f.forwardingPreserved ? 0x80 : 0;
  });
  return b;
}

export function decodeGracefulRestart(v: Uint8Array): GracefulRestartCapability | undefined {
  if (v.length < 2 || (v.length - 2) % 4 !== 0) return undefined;
  const b = Buffer.from(v);
  const head = b.readUInt16BE(0);
  const families: GracefulRestartFamily[] = [];
  for (let i = 2; i < b.length; i += 4) families.push({ afi: b.readUInt16BE(i), safi: b[i + 2] ?? 0, forwardingPreserved: ((b[i + 3] ?? 0) & 0x80) !== 0 });
  return { kind: 'gracefulRestart', restarting: (head & 0x8000) !== 0, notification: (head & 0x4000) !== 0, restartTime: head & 0xfff, families };
}
