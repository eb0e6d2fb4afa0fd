// SPDX-License-Identifier: Apache-2.0
/**
 * The lab's long-lived client: `node holder.js TARGETS_FILE OUT_FILE [CONNECTIONS] [INTERVAL_MS]`, run inside a
 * client namespace. Opens CONNECTIONS TCP connections to each target and keeps each one busy with an HTTP
 * request every interval (keep-alive, one request in flight), as a client with established connections does.
 * A connection that breaks (a reset from a node that has no state for it, a timeout) is not reopened: it is
 * counted as lost. Writes per-connection figures to OUT_FILE twice a second and when stopped (SIGTERM).
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import type { Target } from './prober.js';

/** One held connection as the holder reports it. */
export interface HeldConnection {
  readonly ip: string;
  readonly port: number;
  readonly service: string;
  /** The local port, which the router's ECMP hash and the node's connection table see. */
  readonly localPort?: number;
  readonly answers: number;
  /** The nodes that answered, in order of first answer (the backends answer with their node's name). */
  readonly nodes: string[];
  /** The longest time between two answers, and from the last answer to now (ms). */
  readonly longestGapMs: number;
  readonly establishedAt?: number;
  /** When and why it broke; absent while it holds. */
  readonly lost?: { readonly at: number; readonly reason: string };
}

export interface HolderReport {
  readonly updatedAt: number;
  readonly intervalMs: number;
  readonly connections: HeldConnection[];
}

/**
 * Reads one HTTP/1.1 response with a Content-Length from `buf`: its body and the rest, or undefined when
 * incomplete. Throws on anything else (the backends always send a Content-Length). Pure.
 */
export function takeResponse(buf: Buffer): { status: number; body: string; rest: Buffer } | undefined {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const head = buf.subarray(0, end).toString('latin1');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
  const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? -1);
  if (!status || length < 0) throw new Error(`not an HTTP response with a Content-Length: ${JSON.stringify(head.slice(0, 80))}`);
  if (buf.length < end + 4 + length) return undefined;
  return { status, body: buf.subarray(end + 4, end + 4 + length).toString('utf8'), rest: buf.subarray(end + 4 + length) };
}

const REQUEST_TIMEOUT_MS = 10_000;

class Held {
  answers = 0;
  nodes: string[] = [];
  longestGapMs = 0;
  lastAnswer = 0;
  establishedAt: number | undefined;
  lost: HeldConnection['lost'];
  localPort: number | undefined;
  #socket: net.Socket;
  #waiting = false;
  #buf: Buffer = Buffer.alloc(0);
  #sentAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly t: Target, readonly intervalMs: number) {
    this.#socket = net.connect({ host: t.ip, port: t.port, family: t.ip.includes(':') ? 6 : 4 });
    this.#socket.setNoDelay(true);
    this.#socket.on('connect', () => {
      this.establishedAt = Date.now();
      this.lastAnswer = this.establishedAt;
      this.localPort = this.#socket.localPort;
      this.#send();
    });
    this.#socket.on('data', (d: Buffer) => this.#data(d));
    this.#socket.on('error', (e) => this.#lose(e.message));
    this.#socket.on('close', () => this.#lose('closed'));
  }

  #send(): void {
    if (this.lost) return;
    this.#sentAt = Date.now();
    this.#waiting = true;
    this.#socket.write(`GET / HTTP/1.1\r\nhost: ${this.t.ip.includes(':') ? `[${this.t.ip}]` : this.t.ip}\r\n\r\n`);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#lose(`no answer for ${REQUEST_TIMEOUT_MS} ms`), REQUEST_TIMEOUT_MS);
  }

  #data(d: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, d]);
    for (;;) {
      let r: ReturnType<typeof takeResponse>;
      try {
        r = takeResponse(this.#buf);
      } catch (e) {
        return this.#lose((e as Error).message);
      }
      if (!r) return;
      this.#buf = r.rest;
      if (!this.#waiting) return this.#lose('an answer to no request');
      this.#waiting = false;
      const now = Date.now();
      this.answers++;
      this.longestGapMs = Math.max(this.longestGapMs, now - this.lastAnswer);
      this.lastAnswer = now;
      const node = r.body.trim();
      if (r.status === 200 && !this.nodes.includes(node)) this.nodes.push(node);
      clearTimeout(this.#timer);
      setTimeout(() => this.#send(), Math.max(0, this.#sentAt + this.intervalMs - now));
    }
  }

  #lose(reason: string): void {
    if (this.lost) return;
    this.lost = { at: Date.now(), reason };
    clearTimeout(this.#timer);
    this.#socket.destroy();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#socket.removeAllListeners('close');
    this.#socket.removeAllListeners('error');
    this.#socket.on('error', () => undefined);
    this.#socket.end();
  }

  report(): HeldConnection {
    const open = this.establishedAt !== undefined && !this.lost;
    return {
      ip: this.t.ip,
      port: this.t.port,
      service: this.t.service,
      ...(this.localPort !== undefined ? { localPort: this.localPort } : {}),
      answers: this.answers,
      nodes: [...this.nodes],
      longestGapMs: Math.max(this.longestGapMs, open ? Date.now() - this.lastAnswer : 0),
      ...(this.establishedAt !== undefined ? { establishedAt: this.establishedAt } : {}),
      ...(this.lost ? { lost: this.lost } : {}),
    };
  }
}

function main(): void {
  const [targetsFile, outFile, count, every] = process.argv.slice(2);
  const connections = Number(count ?? '4');
  const intervalMs = Number(every ?? '100');
  if (!targetsFile || !outFile || !(connections > 0) || !(intervalMs > 0)) {
    console.error('usage: holder.js TARGETS_FILE OUT_FILE [CONNECTIONS] [INTERVAL_MS]');
    process.exitCode = 2;
    return;
  }
  const targets = JSON.parse(fs.readFileSync(targetsFile, 'utf8')) as Target[];
  const held = targets.flatMap((t) => Array.from({ length: connections }, () => new Held(t, intervalMs)));
  const write = (): void => {
    const r: HolderReport = { updatedAt: Date.now(), intervalMs, connections: held.map((h) => h.report()) };
    fs.writeFileSync(`${outFile}.tmp`, JSON.stringify(r));
    fs.renameSync(`${outFile}.tmp`, outFile);
  };
  const timer = setInterval(write, 500);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    write();
    for (const h of held) h.close();
    process.exit(0);
  });
}

if (require.main === module) main();
