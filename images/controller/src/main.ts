// SPDX-License-Identifier: Apache-2.0
/**
 * The controller process. Env: POD_NAME, POD_NAMESPACE, LOG_LEVEL, KUBECONFIG (the lab; else in-cluster).
 * Optional: METRICS_PORT (7472), LEASE_DURATION_SECONDS (15; renew deadline and retry scale with it),
 * METALLB_LB_CLASS (the module's loadBalancerClass setting: BGP serves only Services of that class),
 * METRICS_HOST (0.0.0.0), and the authenticated HTTPS metrics of lib/secure-metrics.ts (METRICS_SECURE_PORT, ...).
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { newLogger } from '../../../lib/log.js';
import { secureMetricsFromEnv } from '../../../lib/secure-metrics.js';
import { DEFAULT_TIMING, type ElectionTiming } from './leader.js';
import { Controller } from './reconciler.js';
import { handler, serve } from './server.js';

export interface Running {
  controller: Controller;
  port: number;
  /** `release` false leaves the Lease to expire, as a crash would. */
  stop(release?: boolean): Promise<void>;
}

/** Election timing from LEASE_DURATION_SECONDS, keeping Kubernetes' 15:10:2 proportions. */
export function timingFrom(env: NodeJS.ProcessEnv): ElectionTiming {
  const s = Number(env.LEASE_DURATION_SECONDS);
  if (!env.LEASE_DURATION_SECONDS || !Number.isFinite(s) || s <= 0) return DEFAULT_TIMING;
  return { leaseDurationMs: s * 1000, renewDeadlineMs: (s * 1000 * 2) / 3, retryPeriodMs: (s * 1000 * 2) / 15 };
}

export async function run(env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  const log = newLogger('controller', env.LOG_LEVEL ?? 'info');
  const identity = env.POD_NAME ?? `controller-${process.pid}`;
  const namespace = env.POD_NAMESPACE ?? 'd8-metallb';
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const controller = new Controller({ kubeConfig: kc, namespace, identity, log, registry, timing: timingFrom(env), ...(env.METALLB_LB_CLASS ? { lbClass: env.METALLB_LB_CLASS } : {}) });
  const server = await serve(registry, controller, Number(env.METRICS_PORT ?? 7472), env.METRICS_HOST ?? '0.0.0.0');
  const secure = await secureMetricsFromEnv(env, { handler: handler(registry, controller), kubeConfig: kc, log, namespace, resource: 'deployments', name: 'controller' });
  log.info({ port: server.port, namespace, identity }, 'controller starting');
  await controller.start();
  return {
    controller,
    port: server.port,
    async stop(release = true) {
      await controller.stop(release);
      await secure?.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

if (require.main === module) {
  run().then(
    (r) => {
      const bye = () => void r.stop(true).finally(() => process.exit(0));
      process.once('SIGTERM', bye);
      process.once('SIGINT', bye);
    },
    (e: unknown) => {
      console.error(`controller: ${(e as Error).stack ?? String(e)}`);
      process.exit(1);
    },
  );
}
