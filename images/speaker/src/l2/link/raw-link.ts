// SPDX-License-Identifier: Apache-2.0
/** A raw Ethernet interface: whole frames in and out. */

export interface RawLink {
  readonly name: string;
  readonly mac: string;
  send(frame: Uint8Array): void;
  /** Frames received on the link (not those we sent). The bytes are valid only during the call. */
  onFrame(fn: (frame: Uint8Array) => void): void;
  /** Called once if the link ends by itself (its capture failed, e.g. the interface went down). */
  onClose(fn: (reason: string) => void): void;
  close(): void;
  /**
   * Optional fast path: the link answers ARP who-has and NS by itself (with its MAC), the way `respond`
   * would, for the addresses it was told, and reports each answer through `onAnswered` instead of
   * `onFrame`. It starts with none; each call adds and removes some. Resolves once the change is
   * applied: a removed address is no longer answered (at once when closed).
   */
  answerChange?(add: readonly string[], remove: readonly string[]): Promise<void>;
  /** Requests the link answered by itself (see `answerChange`). */
  onAnswered?(fn: (ip: string) => void): void;
}

/** Opens a link by interface name; throws with the reason when it cannot. */
export type OpenLink = (name: string, mac: string) => RawLink;
