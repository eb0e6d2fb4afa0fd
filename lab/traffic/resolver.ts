// SPDX-License-Identifier: Apache-2.0
/**
 * The lab client's address resolution check: `node resolver.js ADDRS_FILE OUT_FILE [INTERVAL_MS]`, run inside
 * the client namespace. For every address of ADDRS_FILE (`{generation, ips}`) not resolved yet it sends one UDP
 * datagram to the discard port, so the client's own kernel asks ARP / NDP as any client would, and it reads the
 * kernel's neighbour table: an address counts as answered once the table holds a MAC for it (the entry is then
 * removed again, and at most WINDOW resolutions are in flight, so the table stays small). OUT_FILE gets
 * `{generation, updatedAt, answered: {ip: [ms, mac]}}` after every look; a new generation starts over.
 */
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import { execFile } from 'node:child_process';

export interface ResolverTargets {
  readonly generation: number;
  readonly ips: readonly string[];
}

export interface ResolverReport {
  readonly generation: number;
  readonly updatedAt: number;
  /** Address -> [first time a MAC was seen for it (ms since the epoch), that MAC]. */
  readonly answered: Record<string, [number, string]>;
}

/** A neighbour entry as `ip -j neigh` shows it. */
interface Neighbour {
  readonly dst: string;
  readonly dev: string;
  readonly lladdr?: string;
  readonly state: readonly string[];
}

function neighbours(json: string): Neighbour[] {
  if (!json.trim()) return [];
  return (JSON.parse(json) as Array<{ dst?: string; dev?: string; lladdr?: string; state?: string[] }>).flatMap((n) =>
    n.dst && n.dev ? [{ dst: n.dst, dev: n.dev, ...(n.lladdr ? { lladdr: n.lladdr } : {}), state: n.state ?? [] }] : [],
  );
}

/** Whether an entry holds a MAC learnt from an answer (not FAILED, not still INCOMPLETE). */
export function resolved(n: Neighbour): boolean {
  return n.lladdr !== undefined && !n.state.includes('FAILED') && !n.state.includes('INCOMPLETE');
}

/**
 * What one look at the table means for the addresses still waiting: which answered (with their MAC), which entries
 * to delete (answered or FAILED: the kernel's table is shared by all namespaces and holds about a thousand), and
 * which addresses to ask next, at most `window` resolutions in flight. Pure.
 */
export function nextStep(pending: readonly string[], table: readonly Neighbour[], window: number): { answered: Map<string, string>; drop: Neighbour[]; ask: string[] } {
  const want = new Set(pending);
  const answered = new Map<string, string>();
  const drop: Neighbour[] = [];
  const inFlight = new Set<string>();
  for (const n of table) {
    if (!want.has(n.dst)) continue;
    if (resolved(n)) {
      answered.set(n.dst, n.lladdr as string);
      drop.push(n);
    } else if (n.state.includes('FAILED')) drop.push(n);
    else inFlight.add(n.dst);
  }
  const ask: string[] = [];
  for (const ip of pending) {
    if (inFlight.size + ask.length >= window) break;
    if (!answered.has(ip) && !inFlight.has(ip)) ask.push(ip);
  }
  return { answered, drop, ask };
}

function ip(args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('ip', args, { encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout) => resolve(err ? '' : stdout));
    if (input !== undefined) child.stdin?.end(input);
  });
}

function readTargets(file: string): ResolverTargets {
  try {
    const t = JSON.parse(fs.readFileSync(file, 'utf8')) as ResolverTargets;
    return Number.isInteger(t.generation) && Array.isArray(t.ips) ? t : { generation: 0, ips: [] };
  } catch {
    return { generation: 0, ips: [] };
  }
}

/** NS / ARP retried every 100 ms instead of every second, on every interface of this namespace. */
function tuneKernel(): void {
  for (const fam of ['ipv4', 'ipv6']) {
    for (const dev of fs.readdirSync(`/proc/sys/net/${fam}/neigh`)) {
      if (dev !== 'lo' && dev !== 'default') fs.writeFileSync(`/proc/sys/net/${fam}/neigh/${dev}/retrans_time_ms`, '100');
    }
  }
}

/** Resolutions in flight at once. */
const WINDOW = 256;

function main(): void {
  const [addrsFile, outFile, every] = process.argv.slice(2);
  const intervalMs = Number(every ?? '100');
  if (!addrsFile || !outFile || !(intervalMs > 0)) {
    console.error('usage: resolver.js ADDRS_FILE OUT_FILE [INTERVAL_MS]');
    process.exitCode = 2;
    return;
  }
  tuneKernel();
  const v4 = dgram.createSocket('udp4');
  const v6 = dgram.createSocket('udp6');
  for (const s of [v4, v6]) s.on('error', () => undefined);
  const payload = Buffer.from([0]);
  let generation = -1;
  let answered: Record<string, [number, string]> = {};
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      const t = readTargets(addrsFile);
      if (t.generation !== generation) {
        // What the table learnt for an earlier generation's addresses says nothing about this one.
        await ip(['neigh', 'flush', 'all']);
        generation = t.generation;
        answered = {};
      }
      const pending = t.ips.filter((a) => !answered[a]);
      const step = nextStep(pending, neighbours(await ip(['-j', 'neigh', 'show'])), WINDOW);
      const now = Date.now();
      for (const [a, mac] of step.answered) answered[a] = [now, mac];
      if (step.drop.length) await ip(['-batch', '-'], step.drop.map((n) => `neigh del ${n.dst} dev ${n.dev}\n`).join(''));
      for (const a of step.ask) (a.includes(':') ? v6 : v4).send(payload, 9, a);
      const tmp = `${outFile}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify({ generation, updatedAt: now, answered } satisfies ResolverReport));
      fs.renameSync(tmp, outFile);
    } finally {
      busy = false;
    }
  };
  setInterval(() => void tick(), intervalMs);
  process.on('SIGTERM', () => process.exit(0));
}

if (require.main === module) main();
