// SPDX-License-Identifier: Apache-2.0
/**
 * The lab client: `node prober.js TARGETS_FILE OUT_FILE [INTERVAL_MS]`, run inside the client namespace.
 * Sends one HTTP request per target every interval on a fresh connection (as a new client would), and
 * writes per-target rate, answering nodes and outages to OUT_FILE twice a second.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { newStats, record, refresh, type TargetStats } from './stats.js';

/** One service IP to probe. */
export interface Target {
  readonly ip: string;
  readonly port: number;
  readonly service: string;
}

/** What the prober writes. */
export interface ProberReport {
  readonly updatedAt: number;
  readonly intervalMs: number;
  readonly targets: Array<Omit<TargetStats, 'recent'> & { ip: string; service: string; recent: Array<[number, 0 | 1, string]> }>;
}

const TIMEOUT_MS = 250;
const KEEP_MS = 20_000;
const MAX_IN_FLIGHT = 8;

function probe(t: Target): Promise<{ ok: boolean; node?: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: t.ip, port: t.port, path: '/', agent: false, timeout: TIMEOUT_MS, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve(res.statusCode === 200 ? { ok: true, node: body.trim() } : { ok: false }));
      res.on('error', () => resolve({ ok: false }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ ok: false }));
  });
}

function readTargets(file: string): Target[] {
  try {
    return (JSON.parse(fs.readFileSync(file, 'utf8')) as Target[]).filter((t) => typeof t.ip === 'string' && Number.isInteger(t.port));
  } catch {
    return [];
  }
}

function main(): void {
  const [targetsFile, outFile, every] = process.argv.slice(2);
  const intervalMs = Number(every ?? '20');
  if (!targetsFile || !outFile || !(intervalMs > 0)) {
    console.error('usage: prober.js TARGETS_FILE OUT_FILE [INTERVAL_MS]');
    process.exitCode = 2;
    return;
  }
  const stats = new Map<string, { target: Target; s: TargetStats; inFlight: number }>();
  const sync = (): void => {
    const want = readTargets(targetsFile);
    const keys = new Set(want.map((t) => `${t.ip}:${t.port}`));
    for (const k of [...stats.keys()]) if (!keys.has(k)) stats.delete(k);
    for (const t of want) {
      const k = `${t.ip}:${t.port}`;
      const cur = stats.get(k);
      if (!cur) stats.set(k, { target: t, s: newStats(t.ip.includes(':') ? `[${t.ip}]:${t.port}` : k), inFlight: 0 });
      else cur.target = t;
    }
  };
  sync();
  setInterval(sync, 1000);
  setInterval(() => {
    for (const e of stats.values()) {
      if (e.inFlight >= MAX_IN_FLIGHT) {
        record(e.s, { t: Date.now(), ok: false }, KEEP_MS);
        continue;
      }
      const t = Date.now();
      e.inFlight++;
      void probe(e.target).then((r) => {
        e.inFlight--;
        record(e.s, r.node === undefined ? { t, ok: r.ok } : { t, ok: r.ok, node: r.node }, KEEP_MS);
      });
    }
  }, intervalMs);
  setInterval(() => {
    const now = Date.now();
    const report: ProberReport = {
      updatedAt: now,
      intervalMs,
      targets: [...stats.values()].map(({ target, s }) => {
        refresh(s, now);
        return { ...s, ip: target.ip, service: target.service, recent: s.recent.map((x): [number, 0 | 1, string] => [x.t, x.ok ? 1 : 0, x.node ?? '']) };
      }),
    };
    const tmp = `${outFile}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(report));
    fs.renameSync(tmp, outFile);
  }, 500);
  process.on('SIGTERM', () => process.exit(0));
}

if (require.main === module) main();
