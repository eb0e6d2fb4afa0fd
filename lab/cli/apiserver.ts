// SPDX-License-Identifier: Apache-2.0
/** `metallb-lab apiserver --port P --kubeconfig FILE [--data FILE] [--socket PATH]`: runs in the foreground until SIGTERM or SIGINT. */
import { startApiServer, type ApiServerOptions } from '../apiserver/index.js';
import { newLogger } from '../../lib/log.js';

const USAGE = 'usage: metallb-lab apiserver --port P --kubeconfig FILE [--data FILE] [--socket PATH] [--node-grace SECONDS] [--pod-logs DIR]';

function parse(args: string[]): ApiServerOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(a);
    if (!m?.[1]) throw new Error(`unexpected argument "${a}"\n${USAGE}`);
    const value = m[2] ?? args[++i];
    if (value === undefined) throw new Error(`--${m[1]} needs a value\n${USAGE}`);
    flags.set(m[1], value);
  }
  for (const k of flags.keys()) if (!['port', 'kubeconfig', 'data', 'socket', 'node-grace', 'pod-logs'].includes(k)) throw new Error(`unknown flag --${k}\n${USAGE}`);
  const kubeconfigPath = flags.get('kubeconfig');
  if (!kubeconfigPath) throw new Error(`--kubeconfig is required\n${USAGE}`);
  const port = Number(flags.get('port') ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got "${flags.get('port') ?? ''}"`);
  const o: ApiServerOptions = { port, kubeconfigPath };
  const data = flags.get('data');
  const socket = flags.get('socket');
  if (data) o.dataFile = data;
  if (socket) o.socketPath = socket;
  const logs = flags.get('pod-logs');
  if (logs) o.podLogDir = logs;
  const grace = flags.get('node-grace');
  if (grace !== undefined) {
    const n = Number(grace);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--node-grace must be a positive number of seconds, got "${grace}"`);
    o.nodeGraceMs = n * 1000;
  }
  return o;
}

export async function main(args: string[]): Promise<void> {
  const log = newLogger('apiserver');
  const opts = parse(args);
  opts.onForbidden = (message) => log.warn({ message }, 'RBAC denied a request');
  const server = await startApiServer(opts);
  log.info({ url: server.url, kubeconfig: server.kubeconfigPath, data: opts.dataFile, socket: opts.socketPath }, 'API server listening');
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      log.info({ signal: sig }, 'stopping');
      void server.close().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
