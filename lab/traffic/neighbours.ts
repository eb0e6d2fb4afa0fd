// SPDX-License-Identifier: Apache-2.0
/**
 * Watches who answers ARP and NDP for service IPs from a client namespace, with the real tools: one `arping`
 * per IPv4 address asking every interval, `ndisc6` asked again every interval for each IPv6 address. Records
 * per IP the MACs that answered (in order) and the longest time without an answer.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';

export interface NeighbourFigures {
  readonly ip: string;
  readonly answers: number;
  /** Every MAC that answered, in order of its first answer. */
  readonly macs: string[];
  /** The longest time without an answer, from the start to the stop (ms). */
  readonly longestGapMs: number;
}

class Track {
  answers = 0;
  macs: string[] = [];
  longestGapMs = 0;
  last: number;

  constructor(readonly ip: string, start: number) {
    this.last = start;
  }

  answer(mac: string, at: number): void {
    this.answers++;
    this.longestGapMs = Math.max(this.longestGapMs, at - this.last);
    this.last = at;
    if (!this.macs.includes(mac)) this.macs.push(mac);
  }

  figures(end: number): NeighbourFigures {
    return { ip: this.ip, answers: this.answers, macs: [...this.macs], longestGapMs: Math.max(this.longestGapMs, end - this.last) };
  }
}

const MAC = /([0-9a-f]{2}(?::[0-9a-f]{2}){5})/i;

export class NeighbourWatch {
  readonly #tracks: Track[];
  readonly #children: ChildProcess[] = [];
  #stopped = false;

  constructor(readonly ns: string, readonly iface: string, ips: readonly string[], readonly intervalMs = 100) {
    const now = Date.now();
    this.#tracks = ips.map((ip) => new Track(ip, now));
  }

  /** The PIDs of the tools it runs (for the lab's process list). */
  pids(): number[] {
    return this.#children.map((c) => c.pid).filter((p): p is number => p !== undefined);
  }

  start(): void {
    for (const t of this.#tracks) {
      if (t.ip.includes(':')) void this.#ndisc(t);
      else this.#arping(t);
    }
  }

  #arping(t: Track): void {
    const child = spawn('ip', ['netns', 'exec', this.ns, 'stdbuf', '-oL', 'arping', '-i', this.iface, '-W', String(this.intervalMs / 1000), t.ip], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.#children.push(child);
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const mac = /bytes from ([0-9a-f:]{17})/i.exec(line)?.[1];
      if (mac && !this.#stopped) t.answer(mac.toLowerCase(), Date.now());
    });
  }

  async #ndisc(t: Track): Promise<void> {
    while (!this.#stopped) {
      const started = Date.now();
      const mac = await new Promise<string | undefined>((resolve) => {
        execFile('ip', ['netns', 'exec', this.ns, 'ndisc6', '-q', '-n', '-r', '1', '-w', String(2 * this.intervalMs), t.ip, this.iface], { encoding: 'utf8', timeout: 5000 }, (_e, out) => resolve(MAC.exec(out)?.[1]));
      });
      if (mac && !this.#stopped) t.answer(mac.toLowerCase(), Date.now());
      await new Promise((r) => setTimeout(r, Math.max(0, started + this.intervalMs - Date.now())));
    }
  }

  /** Stops the tools and returns the figures. */
  stop(): NeighbourFigures[] {
    const end = Date.now();
    this.#stopped = true;
    for (const c of this.#children) c.kill('SIGTERM');
    return this.#tracks.map((t) => t.figures(end));
  }
}
