// SPDX-License-Identifier: Apache-2.0
/**
 * The speaker (bundled as dist/images/speaker/speaker.js, which its image runs). Env: NODE_NAME, POD_NAMESPACE,
 * LOG_LEVEL, KUBECONFIG (lab; else in-cluster), METALLB_HEARTBEAT_KEY, and the L2 timings of
 * l2/options.ts. Serves metrics and /healthz on METRICS_HOST:METRICS_PORT (0.0.0.0:7472), and the same over
 * authenticated HTTPS with METRICS_SECURE_PORT (lib/secure-metrics.ts).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { newLogger } from '../../../lib/log.js';
import { secureMetricsFromEnv } from '../../../lib/secure-metrics.js';
import { startBgpAgent } from './bgp/agent.js';
import { speakerContext, type SpeakerAgent } from './context.js';
import { healthHandler, startHealthServer } from './health/server.js';
import { startL2Agent } from './l2/agent.js';

async function main(): Promise<void> {
  const env = process.env;
  const log = newLogger('speaker');
  const nodeName = env.NODE_NAME ?? '';
  if (!nodeName) {
    log.fatal({ op: 'start' }, 'NODE_NAME is not set (it must be a fieldRef to spec.nodeName)');
    process.exit(2);
  }
  const kubeConfig = new KubeConfig();
  if (env.KUBECONFIG) kubeConfig.loadFromFile(env.KUBECONFIG);
  else kubeConfig.loadFromCluster();
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const ctx = speakerContext({ kubeConfig, nodeName, namespace: env.POD_NAMESPACE ?? 'd8-metallb', log: log.child({ node: nodeName }), metrics, env });

  const agents: SpeakerAgent[] = [];
  const failures: string[] = [];
  for (const [name, start] of [['l2', startL2Agent], ['bgp', startBgpAgent]] as const) {
    try {
      agents.push(await start(ctx));
    } catch (e) {
      failures.push(`${name}: ${(e as Error).message}`);
      log.error({ op: 'start', agent: name, err: (e as Error).message }, `${name} agent failed to start`);
    }
  }
  const port = Number(env.METRICS_PORT ?? 7472);
  const healthy = (): true | string => {
    const problems = [...failures, ...agents.map((a) => a.healthy?.() ?? true).filter((h): h is string => h !== true)];
    return problems.length === 0 ? true : problems.join('; ');
  };
  const http = await startHealthServer(metrics, port, env.METRICS_HOST ?? '0.0.0.0', healthy);
  const secure = await secureMetricsFromEnv(env, { handler: healthHandler(metrics, healthy), kubeConfig, log, namespace: ctx.namespace, resource: 'daemonsets', name: 'speaker' });
  log.info({ op: 'start', port: http.port, securePort: secure?.port }, 'speaker started');

  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    for (const a of agents) await a.stop().catch(() => undefined);
    await ctx.informers.stop();
    await http.close();
    await secure?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((e: Error) => {
  newLogger('speaker').fatal({ op: 'start', err: e.message }, 'speaker failed');
  process.exit(1);
});
