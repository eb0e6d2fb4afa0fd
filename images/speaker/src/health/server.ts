// SPDX-License-Identifier: Apache-2.0
/** The speaker's HTTP endpoint: Prometheus metrics and /healthz. */
import * as http from 'node:http';
import type { Registry } from 'prom-client';

export interface HealthServer {
  readonly port: number;
  close(): Promise<void>;
}

/** Serves /metrics and /healthz (200 while `healthy()` is true, else 503 with the reason). */
export function startHealthServer(reg: Registry, port: number, host: string, healthy: () => true | string): Promise<HealthServer> {
  const server = http.createServer(healthHandler(reg, healthy));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve({
        port: typeof addr === 'object' && addr ? addr.port : port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

/** /metrics, /healthz and /readyz: the plain server's routes, and the HTTPS one's behind its authorization. */
export function healthHandler(reg: Registry, healthy: () => true | string): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      reg.metrics().then(
        (body) => res.writeHead(200, { 'content-type': reg.contentType }).end(body),
        (e: Error) => res.writeHead(500).end(e.message),
      );
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const h = healthy();
      res.writeHead(h === true ? 200 : 503, { 'content-type': 'text/plain' }).end(h === true ? 'ok\n' : `${h}\n`);
      return;
    }
    res.writeHead(404).end();
  };
}
