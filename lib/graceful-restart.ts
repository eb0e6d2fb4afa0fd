// SPDX-License-Identifier: Apache-2.0
/** BGP graceful restart as the hooks render it onto metallb.io BGPPeers and the speaker reads it back. Pure. */

/** What the module's own peers use unless told otherwise; MetalLB (FRR), BIRD and Cilium use 120 s too. */
export const DEFAULT_GRACEFUL_RESTART_TIME = '120s';

/** The capability carries the restart time in 12 bits of seconds. @see RFC 4724 §3 */
export const MAX_GRACEFUL_RESTART_SECONDS = 4095;
