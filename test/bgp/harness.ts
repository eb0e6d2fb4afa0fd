// SPDX-License-Identifier: Apache-2.0
/**
 * A speaker's BGP part, alone, for namespace tests and benches: `node test/bgp/run-ts.js test/bgp/harness.ts '<json>'` (or `@file.json`).
 * Input: {"peers": PeerSpec[], "routes": Route-like[], "listenPort"?: n, "bfd"?: {...}}.
 * Commands on stdin, one JSON per line: {"routes": [...]}, {"peers": PeerSpec[]} (keeps the routes), {"stop": true, "graceful": bool}.
 * Events on stdout, one JSON per line: {"peer", "state"}, {"ready": true}.
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';
import pino from 'pino';
import { Registry } from 'prom-client';
import { parseCommunity, parseLargeCommunity } from '../../lib/config/community.js';
import { BgpMetrics } from '../../images/speaker/src/bgp/metrics.js';
import { BgpSpeaker, restartHoldsMs, type PeerSpec } from '../../images/speaker/src/bgp/speaker.js';
import type { Route } from '../../images/speaker/src/bgp/updates.js';
import { BfdAgent, type BfdPeerSpec } from '../../images/speaker/src/bfd/agent.js';
import { BfdMetrics } from '../../images/speaker/src/bfd/metrics.js';

interface RouteIn {
  prefix: string;
  localPref?: number;
  communities?: string[];
  largeCommunities?: string[];
}

interface Input {
  peers: PeerSpec[];
  routes: RouteIn[];
  listenPort?: number;
  bfd?: BfdPeerSpec[];
}

function routesOf(rs: RouteIn[]): Route[] {
  return rs.map((r) => ({
    prefix: r.prefix,
    communities: (r.communities ?? []).map(parseCommunity),
    largeCommunities: (r.largeCommunities ?? []).map(parseLargeCommunity),
    ...(r.localPref !== undefined ? { localPref: r.localPref } : {}),
  }));
}

const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');

async function main(): Promise<void> {
  const arg = process.argv[2] ?? '{}';
  const input = JSON.parse(arg.startsWith('@') ? fs.readFileSync(arg.slice(1), 'utf8') : arg) as Input;
  const log = pino({ level: process.env.LOG_LEVEL ?? 'info', base: { component: 'bgp' } }, pino.destination(2));
  const registry = new Registry();
  const speaker = new BgpSpeaker({
    log,
    metrics: new BgpMetrics(registry),
    ...(input.listenPort !== undefined ? { listenPort: input.listenPort } : {}),
    onState: (peer, state) => out({ peer: peer.name, state, t: performance.now() }),
  });
  const bfd = input.bfd?.length ? new BfdAgent({ metrics: new BfdMetrics(registry), log: pino({ level: process.env.LOG_LEVEL ?? 'info', base: { component: 'bfd' } }, pino.destination(2)), onDown: (addr) => { out({ bfd: addr, state: 'down', t: performance.now() }); speaker.peerUnreachable(addr); }, onUp: (addr) => out({ bfd: addr, state: 'up', t: performance.now() }) }) : undefined;
  if (bfd) await bfd.setPeers(input.bfd ?? []);
  await speaker.setPeers(input.peers);
  const routes = routesOf(input.routes);
  for (const p of input.peers) speaker.setRoutes(p.name, routes);
  out({ ready: true });
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const cmd = JSON.parse(line) as { routes?: RouteIn[]; peers?: PeerSpec[]; stop?: boolean; graceful?: boolean; metrics?: boolean };
    if (cmd.routes) for (const p of input.peers) speaker.setRoutes(p.name, routesOf(cmd.routes));
    if (cmd.peers) {
      const peers = cmd.peers;
      void speaker.setPeers(peers).then(() => { for (const p of peers) speaker.setRoutes(p.name, routes); });
    }
    if (cmd.metrics) void registry.metrics().then((text) => out({ metrics: text }));
    if (cmd.stop) {
      void (async () => {
        // As the speaker's BGP agent stops: BGP first, then BFD (graceful: held for the restart time, else AdminDown).
        await speaker.stop(cmd.graceful ?? false);
        await bfd?.stop(cmd.graceful ?? false, restartHoldsMs(cmd.graceful ? input.peers : []));
        // Let the FIN (and any NOTIFICATION) leave before exiting.
        setTimeout(() => process.exit(0), 50);
      })();
    }
  });
}

void main();
