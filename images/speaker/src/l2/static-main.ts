// SPDX-License-Identifier: Apache-2.0
/**
 * Runs the L2 speaker of one node from a JSON description instead of the API server, for the
 * lab's network tests and benchmarks: `node static-main.js <file.json>`; SIGHUP re-reads the file.
 * The file: { node, peers: [{node, address}], groups?: [[node]], instances: [L2Instance], apiOk?, metricsPort? }.
 * Timings come from the same environment variables as the real speaker.
 */
import * as fs from 'node:fs';
import { Registry } from 'prom-client';
import { newLogger } from '../../../../lib/log.js';
import type { PeerAddress } from '../health/heartbeats.js';
import { startHealthServer } from '../health/server.js';
import { l2OptionsFromEnv } from './options.js';
import { startL2Runtime, type StopKind } from './runtime.js';
import type { L2Instance } from './decide/speaker.js';
import { buildTopology } from './decide/topology.js';

interface StaticConfig {
  node: string;
  /** Every node's heartbeat address; those in `groups` (default: one group of all of them) watch each other. */
  peers: PeerAddress[];
  groups?: string[][];
  instances: L2Instance[];
  apiOk?: boolean;
  metricsPort?: number;
}

function load(path: string): StaticConfig {
  const c = JSON.parse(fs.readFileSync(path, 'utf8')) as Partial<StaticConfig>;
  if (typeof c.node !== 'string' || !Array.isArray(c.peers) || !Array.isArray(c.instances)) throw new Error(`${path}: needs "node", "peers" and "instances"`);
  return c as StaticConfig;
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (!path) throw new Error('usage: static-main.js <config.json>');
  let cfg = load(path);
  const options = l2OptionsFromEnv(process.env);
  const log = newLogger('speaker').child({ node: cfg.node });
  const registry = new Registry();
  const rt = await startL2Runtime({
    node: cfg.node,
    key: Buffer.from(process.env.METALLB_HEARTBEAT_KEY ?? '', 'utf8'),
    options,
    log,
    registry,
    apiOk: () => cfg.apiOk ?? true,
  });
  const apply = (): void => {
    rt.setAddresses(cfg.peers);
    rt.speaker.setApiOk(cfg.apiOk ?? true);
    rt.speaker.setTopology(buildTopology(cfg.instances, cfg.groups ?? [cfg.peers.map((p) => p.node)], options.backups));
  };
  apply();
  rt.speaker.start();
  const http = cfg.metricsPort !== undefined ? await startHealthServer(registry, cfg.metricsPort, '127.0.0.1', () => true) : undefined;
  process.on('SIGHUP', () => {
    try {
      cfg = load(path);
      apply();
      log.info({ op: 'reload' }, 'configuration reloaded');
    } catch (e) {
      log.error({ op: 'reload', err: (e as Error).message }, 'keeping the previous configuration');
    }
  });
  // SIGTERM is a restart (peers hold our addresses); SIGUSR2 a stop for good (we hand them over now); SIGINT a plain stop.
  const stop = (kind: StopKind): void => {
    void rt.stop(kind).then(() => http?.close()).finally(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('restart'));
  process.on('SIGUSR2', () => stop('handOff'));
  process.on('SIGINT', () => stop('stop'));
  log.info({ op: 'start', peers: cfg.peers.length, instances: cfg.instances.length }, 'static L2 speaker started');
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
