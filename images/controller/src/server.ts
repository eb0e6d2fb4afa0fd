// SPDX-License-Identifier: Apache-2.0
/** Metrics, /healthz and /readyz on one port (7472); lib/secure-metrics.ts serves the same routes over HTTPS. */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface Probes {
  ready(): boolean;
  /** True, or why the process is stuck (then the kubelet restarts it). */
  healthy(): true | string;
}

/** Starts the server; resolves with it once listening (port 0 picks a free port). */
export function serve(reg: Registry, probes: Probes, port: number, host = '0.0.0.0'): Promise<http.Server & { port: number }> {
  const server = http.createServer(handler(reg, probes));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(Object.assign(server, { port: (server.address() as AddressInfo).port })));
  });
}

/** /metrics, /healthz and /readyz: the plain server's routes, and the HTTPS one's behind its authorization. */
export function handler(reg: Registry, probes: Probes): http.RequestListener {
  return (req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/metrics') {
      reg.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': reg.contentType });
          res.end(text);
        },
        (e: unknown) => {
          res.writeHead(500);
          res.end(String((e as Error).message));
        },
      );
      return;
    }
    if (url === '/healthz') {
      const h = probes.healthy();
      res.writeHead(h === true ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(h === true ? 'ok\n' : `${h}\n`);
      return;
    }
    if (url === '/readyz') {
      const ok = probes.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok\n' : 'caches not filled yet\n');
      return;
    }
    res.writeHead(404);
    res.end();
  };
}
