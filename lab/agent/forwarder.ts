// SPDX-License-Identifier: Apache-2.0
/** Forwards 127.0.0.1:PORT inside a network namespace to the API server's Unix socket on the host. */
import * as net from 'node:net';

function main(): void {
  const [port, socketPath] = process.argv.slice(2);
  if (!port || !/^\d+$/.test(port) || !socketPath) {
    console.error('usage: forwarder.js PORT SOCKET');
    process.exitCode = 2;
    return;
  }
  const server = net.createServer((client) => {
    const upstream = net.connect({ path: socketPath });
    client.pipe(upstream).pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  server.on('error', (e) => {
    console.error(`forwarder: ${e.message}`);
    process.exit(1);
  });
  server.listen({ port: Number(port), host: '127.0.0.1' });
  process.on('SIGTERM', () => process.exit(0));
}

main();
