// SPDX-License-Identifier: Apache-2.0
/**
 * The lab's stand-in for a Service's endpoints on one node: answers every HTTP request with the node's name.
 * A connection stays open for as long as the client keeps it (keep-alive, no idle timeout), so a connection that
 * the network sends to another node breaks, as it would with a real backend.
 */
import * as http from 'node:http';

function main(): void {
  const [node, ...ports] = process.argv.slice(2);
  if (!node || ports.length === 0 || ports.some((p) => !/^\d+$/.test(p))) {
    console.error('usage: backend.js NODE PORT...');
    process.exitCode = 2;
    return;
  }
  for (const port of ports) {
    const server = http.createServer((_req, res) => {
      const body = `${node}\n`;
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
    server.keepAliveTimeout = 0;
    server.on('error', (e) => {
      console.error(`backend ${node}: port ${port}: ${e.message}`);
      process.exit(1);
    });
    server.listen({ port: Number(port), host: '::', ipv6Only: false });
  }
  process.on('SIGTERM', () => process.exit(0));
}

main();
