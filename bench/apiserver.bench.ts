// SPDX-License-Identifier: Apache-2.0
/**
 * The embedded API server under load: 10k Services created with 16 requests in flight while 10
 * watchers stream them; then full lists. Reference, measured in the same run with the same client:
 * a bare Node HTTPS server (TLS with the same kind of key, keep-alive) that stores each posted body in a Map, echoes it,
 * fans a watch line out to its streams and lists the Map: the floor of HTTP + JSON on this machine.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import type { ClientRequest, ServerResponse } from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateTls, type TlsMaterial } from '../lab/apiserver/tls.js';
import { quantile, result, summarize, type BenchResult } from './result.js';
import { BENCH_SERVICE_NETWORK } from './services.js';

const SERVICES = 10_000;
const WATCHERS = 10;
const IN_FLIGHT = 16;
const LISTS = 5;
const NS = 'bench';

interface Target { host: string; port: number; token: string; ca: string; proc: ChildProcess }

interface Figures { createsPerSec: number; listMs: number[]; delaysMs: number[] }

function request(t: Target, agent: https.Agent, method: string, p: string, body?: unknown): Promise<{ code: number; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { Authorization: `Bearer ${t.token}`, Accept: 'application/json' };
    if (data) Object.assign(headers, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) });
    const req = https.request({ host: t.host, port: t.port, method, path: p, ca: t.ca, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

/** A watch stream that records when each object's ADDED event arrives. */
function watch(t: Target, p: string, arrived: Map<string, number>): Promise<ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: t.host, port: t.port, path: p, ca: t.ca, agent: false, headers: { Authorization: `Bearer ${t.token}` } }, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        const now = performance.now();
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const e = JSON.parse(line) as { type: string; object: { metadata?: { name?: string } } };
          const name = e.object.metadata?.name;
          if (e.type === 'ADDED' && name && !arrived.has(name)) arrived.set(name, now);
        }
      });
      resolve(req);
    });
    req.on('error', reject);
  });
}

async function measure(t: Target, base: string): Promise<Figures> {
  const agent = new https.Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
  const arrivals = Array.from({ length: WATCHERS }, () => new Map<string, number>());
  const streams = await Promise.all(arrivals.map((a) => watch(t, `${base}?watch=true`, a)));
  const sent = new Map<string, number>();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next < SERVICES) {
      const name = `svc-${next++}`;
      const body = { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: NS, labels: { app: name } }, spec: { type: 'LoadBalancer', ...BENCH_SERVICE_NETWORK, selector: { app: name }, ports: [{ port: 80 }] } };
      sent.set(name, performance.now());
      const r = await request(t, agent, 'POST', base, body);
      if (r.code !== 201) throw new Error(`create ${name}: ${r.code} ${r.text.slice(0, 200)}`);
    }
  }));
  const createsPerSec = SERVICES / ((performance.now() - t0) / 1000);
  const end = performance.now() + 60_000;
  while (arrivals.some((a) => a.size < SERVICES)) {
    if (performance.now() > end) throw new Error(`watchers saw ${arrivals.map((a) => a.size).join(',')} of ${SERVICES}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const s of streams) s.destroy();
  const delaysMs: number[] = [];
  for (const a of arrivals) for (const [name, at] of a) delaysMs.push(at - (sent.get(name) ?? at));
  const listMs: number[] = [];
  for (let i = 0; i < LISTS; i++) {
    const s = performance.now();
    const r = await request(t, agent, 'GET', base);
    const items = (JSON.parse(r.text) as { items: unknown[] }).items;
    listMs.push(performance.now() - s);
    if (items.length !== SERVICES) throw new Error(`list returned ${items.length} items`);
  }
  agent.destroy();
  return { createsPerSec, listMs, delaysMs: delaysMs.sort((a, b) => a - b) };
}

/** Runs the lab API server from dist/ in its own process. */
async function startApiServer(dir: string): Promise<Target> {
  const kubeconfig = path.join(dir, 'kubeconfig');
  const proc = spawn(process.execPath, [path.join(__dirname, '../lab/cli/main.js'), 'apiserver', '--port', '0', '--kubeconfig', kubeconfig], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, LOG_LEVEL: 'warn' } });
  const end = Date.now() + 30_000;
  while (!fs.existsSync(kubeconfig)) {
    if (Date.now() > end || proc.exitCode !== null) throw new Error('the API server did not start');
    await new Promise((r) => setTimeout(r, 50));
  }
  const text = fs.readFileSync(kubeconfig, 'utf8');
  const url = new URL(/server: (\S+)/.exec(text)?.[1] ?? '');
  const ca = Buffer.from(/certificate-authority-data: (\S+)/.exec(text)?.[1] ?? '', 'base64').toString();
  return { host: url.hostname, port: Number(url.port), token: /token: (\S+)/.exec(text)?.[1] ?? '', ca, proc };
}

/** The reference: a bare HTTPS store, in its own process (this file run with --bare). */
async function startBare(dir: string, tls: TlsMaterial): Promise<Target> {
  const file = path.join(dir, 'tls.json');
  fs.writeFileSync(file, JSON.stringify(tls));
  const proc = spawn(process.execPath, [__filename, '--bare', file], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    proc.once('exit', () => reject(new Error('the bare server exited')));
  });
  return { host: '127.0.0.1', port, token: 'bare', ca: tls.ca, proc };
}

function bareServer(tlsFile: string): void {
  const tls = JSON.parse(fs.readFileSync(tlsFile, 'utf8')) as TlsMaterial;
  const items = new Map<string, unknown>();
  const streams = new Set<ServerResponse>();
  const server = https.createServer({ cert: tls.cert, key: tls.key, keepAliveTimeout: 30_000 }, (req, res) => {
    if (req.headers.authorization !== 'Bearer bare') return void res.writeHead(401).end();
    if (req.method === 'GET' && req.url?.includes('watch=true')) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.flushHeaders();
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (req.method === 'GET') {
      const text = JSON.stringify({ kind: 'ServiceList', apiVersion: 'v1', metadata: {}, items: [...items.values()] });
      return void res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }).end(text);
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const obj = JSON.parse(Buffer.concat(chunks).toString()) as { metadata: { name: string } };
      items.set(obj.metadata.name, obj);
      const text = JSON.stringify(obj);
      res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(text)) }).end(text);
      const line = `${JSON.stringify({ type: 'ADDED', object: obj })}\n`;
      for (const s of streams) s.write(line);
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const addr = server.address();
    process.stdout.write(`${typeof addr === 'object' && addr ? addr.port : 0}\n`);
  });
}

export async function run(): Promise<BenchResult[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-api-bench-'));
  const procs: ChildProcess[] = [];
  try {
    const ours = await startApiServer(dir);
    procs.push(ours.proc);
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } };
    const agent = new https.Agent({ keepAlive: false });
    await request(ours, agent, 'POST', '/api/v1/namespaces', ns);
    const a = await measure(ours, `/api/v1/namespaces/${NS}/services`);
    const ref = await startBare(dir, generateTls());
    procs.push(ref.proc);
    const b = await measure(ref, `/api/v1/namespaces/${NS}/services`);
    const refName = 'bare Node HTTPS store, same client';
    const la = summarize(a.listMs);
    const lb = summarize(b.listMs);
    return [
      result('apiserver create throughput (10k Services, 16 in flight)', a.createsPerSec, 'creates/s', b.createsPerSec, { referenceName: refName }),
      result('apiserver list latency (10k Services)', la.median, 'ms', lb.median, { referenceName: refName, samples: la }),
      result('apiserver write to watch event p99 (10 watchers)', quantile(a.delaysMs, 0.99), 'ms', quantile(b.delaysMs, 0.99), { referenceName: refName, samples: summarize(a.delaysMs) }),
    ];
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGTERM');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv[2] === '--bare' && process.argv[3]) bareServer(process.argv[3]);
