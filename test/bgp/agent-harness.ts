// SPDX-License-Identifier: Apache-2.0
/**
 * Runs the speaker's BGP agent alone (no L2), for namespace tests: `node test/bgp/run-ts.js test/bgp/agent-harness.ts`.
 * Env: KUBECONFIG, NODE_NAME, POD_NAMESPACE, LOG_LEVEL. Stops (gracefully) on SIGTERM.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { newLogger } from '../../lib/log.js';
import { startBgpAgent } from '../../images/speaker/src/bgp/agent.js';
import { speakerContext } from '../../images/speaker/src/context.js';

async function main(): Promise<void> {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(process.env.KUBECONFIG ?? '');
  const metrics = new Registry();
  const log = newLogger('speaker');
  const agent = await startBgpAgent(speakerContext({ kubeConfig, nodeName: process.env.NODE_NAME ?? '', namespace: process.env.POD_NAMESPACE ?? 'd8-metallb', log, metrics, env: process.env }));
  process.on('SIGTERM', () => void agent.stop().then(() => process.exit(0)));
}

void main();
