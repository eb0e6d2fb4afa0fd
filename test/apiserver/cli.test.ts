// SPDX-License-Identifier: Apache-2.0
/**
 * `metallb-lab apiserver` as a process: the same HTTPS on TCP and on the Unix socket, the data file
 * across a SIGTERM and a restart, and clear errors for bad flags.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { until } from '../helpers/until.js';

const ROOT = path.resolve(__dirname, '../..');
// Runs TypeScript through swc, as jest does, so the test needs no build.
const RUN_TS = path.join(ROOT, 'test/bgp/run-ts.js');
let dir = '';
const procs: ChildProcess[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-api-cli-'));
  fs.writeFileSync(path.join(dir, 'entry.js'), `require(${JSON.stringify(path.join(ROOT, 'lab/cli/apiserver.ts'))}).main(process.argv.slice(2)).catch((e) => { console.error('metallb-lab: ' + e.message); process.exitCode = 1; });\n`);
});

afterAll(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[]): { proc: ChildProcess; exited: Promise<{ code: number | null; err: string }> } {
  const proc = spawn(process.execPath, [RUN_TS, path.join(dir, 'entry.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  procs.push(proc);
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; err: string }>((resolve) => proc.on('exit', (code) => resolve({ code, err })));
  return { proc, exited };
}

interface Conn { token: string; ca: string; port: number }

async function started(kubeconfig: string, socket: string): Promise<Conn> {
  await until('the server to start', () => fs.existsSync(kubeconfig) && fs.existsSync(socket), 30_000, 50);
  const text = fs.readFileSync(kubeconfig, 'utf8');
  return {
    token: /token: (\S+)/.exec(text)?.[1] ?? '',
    ca: Buffer.from(/certificate-authority-data: (\S+)/.exec(text)?.[1] ?? '', 'base64').toString(),
    port: Number(new URL(/server: (\S+)/.exec(text)?.[1] ?? 'https://x:0').port),
  };
}

function call(c: Conn, via: { socketPath: string } | { port: number }, method: string, p: string, body?: unknown, token = c.token): Promise<{ code: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request({ ...via, host: '127.0.0.1', servername: 'localhost', method, path: p, ca: c.ca, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let t = '';
      res.on('data', (d: Buffer) => (t += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, json: JSON.parse(t) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

test('serves HTTPS on TCP and the Unix socket, keeps its data across SIGTERM and restart', async () => {
  const kubeconfig = path.join(dir, 'kubeconfig');
  const data = path.join(dir, 'data.json');
  const socket = path.join(dir, 'api.sock');
  const args = ['--port', '0', '--kubeconfig', kubeconfig, '--data', data, '--socket', socket];
  const first = cli(args);
  const c = await started(kubeconfig, socket);
  const unix = { socketPath: socket };
  expect((await call(c, unix, 'GET', '/api/v1/namespaces', undefined, 'wrong')).code).toBe(401);
  const made = await call(c, unix, 'POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kept' }, data: { a: 'b' } });
  expect(made.code).toBe(201);
  const viaTcp = await call(c, { port: c.port }, 'GET', '/api/v1/namespaces/default/configmaps/kept');
  expect(viaTcp.json.data).toEqual({ a: 'b' });

  first.proc.kill('SIGTERM');
  expect((await first.exited).code).toBe(0);
  expect(fs.existsSync(socket)).toBe(false);
  fs.rmSync(kubeconfig);

  const second = cli(args);
  const c2 = await started(kubeconfig, socket);
  expect(c2.token).toBe(c.token);
  expect(c2.ca).toBe(c.ca);
  const again = await call(c2, { socketPath: socket }, 'GET', '/api/v1/namespaces/default/configmaps/kept');
  expect(again.json.metadata).toMatchObject({ resourceVersion: (viaTcp.json.metadata as { resourceVersion: string }).resourceVersion });
  second.proc.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
});

test('bad flags exit non-zero with the reason', async () => {
  const r = await cli(['--port', 'x', '--kubeconfig', path.join(dir, 'k2')]).exited;
  expect(r.code).toBe(1);
  expect(r.err).toContain('--port must be 0..65535, got "x"');
  const r2 = await cli(['--port', '0']).exited;
  expect(r2.err).toContain('--kubeconfig is required');
});
