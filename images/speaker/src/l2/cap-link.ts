// SPDX-License-Identifier: Apache-2.0
/**
 * RawLink over libpcap (AF_PACKET) through the `cap` binding, run in a child process per interface
 * (cap-child.ts). Needs CAP_NET_RAW. The child answers the addresses of `answerFor` by itself.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Deframer, encodeFrame, encodeMessage, type CapMessage } from './cap-wire.js';
import type { RawLink } from './raw-link.js';

const CHILD = path.join(__dirname, 'cap-child.js');
/** util-linux: lets the kernel kill the child the moment the speaker dies, before it answers anything more. */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));
/**
 * A running child that has not applied an `answerFor` by then is killed: it might still answer for
 * a released address. (A child still starting answers nothing, so its start does not count.)
 */
export const APPLY_TIMEOUT_MS = 5000;
/** How long the child answers without hearing from the speaker: the peers' detection time by default. */
export const DEFAULT_LEASE_MS = 300;

/**
 * Opens the capture child on `name`. It answers by itself only while renewed: the lease is renewed from
 * this process's event loop every third of `leaseMs`, so a speaker stalled longer than its peers' detection
 * time (who then take its addresses over) stops answering too.
 */
export function openCapLink(name: string, mac: string, leaseMs = DEFAULT_LEASE_MS): RawLink {
  if (!fs.existsSync(CHILD)) throw new Error(`opening ${name}: ${CHILD} is missing (build the speaker)`);
  const args = [CHILD, name, mac];
  const child = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', process.execPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let onFrame: (frame: Uint8Array) => void = () => undefined;
  let onAnswered: (ip: string) => void = () => undefined;
  let onClose: (reason: string) => void = () => undefined;
  let open = true;
  let stderr = '';
  let seq = 0;
  let up = false;
  // answerFor calls not yet applied by the child, oldest first
  const waiting: { seq: number; done: () => void; timer?: NodeJS.Timeout }[] = [];
  const deadline = (): NodeJS.Timeout =>
    setTimeout(() => {
      stderr += `\ndid not apply the answered addresses within ${APPLY_TIMEOUT_MS} ms`;
      child.kill('SIGKILL');
    }, APPLY_TIMEOUT_MS);

  const settle = (upTo: number): void => {
    while (waiting[0] && waiting[0].seq <= upTo) {
      const w = waiting.shift();
      clearTimeout(w?.timer);
      w?.done();
    }
  };
  const end = (reason: string): void => {
    if (!open) return;
    open = false;
    clearInterval(renewer);
    settle(Infinity);
    onClose(reason);
  };
  const handle = (m: CapMessage): void => {
    if (m.type === 'frame') onFrame(m.frame);
    else if (m.type === 'answered') onAnswered(m.ip);
    else if (m.type === 'applied') settle(m.seq);
    else if (m.type === 'ready' && !up) {
      up = true;
      for (const w of waiting) w.timer = deadline();
    }
  };
  const input = new Deframer((r) => {
    if (r.ok) return handle(r.msg);
    child.kill('SIGKILL');
    end(`capture on ${name}: bad message from the capture process: ${r.error}`);
  });
  child.stdout.on('data', (d: Buffer) => input.push(d));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
  child.stdin.on('error', () => undefined);
  child.on('error', (e) => end(`capture on ${name}: ${e.message}`));
  child.on('exit', (code, signal) => end(`capture on ${name} ended (${signal ?? `exit ${code}`}): ${stderr.trim() || 'interface down?'}`));

  const write = (b: Buffer): void => {
    if (open) child.stdin.write(b);
  };
  const renew = encodeMessage({ type: 'renew', leaseMs });
  const renewer = setInterval(() => write(renew), Math.max(1, Math.floor(leaseMs / 3)));
  write(renew);
  return {
    name,
    mac,
    send(frame) {
      write(encodeFrame(frame));
    },
    onFrame(fn) {
      onFrame = fn;
    },
    onClose(fn) {
      onClose = fn;
    },
    onAnswered(fn) {
      onAnswered = fn;
    },
    answerFor(ips) {
      if (!open) return Promise.resolve();
      seq += 1;
      write(encodeMessage({ type: 'answer', seq, mac, ips }));
      write(renew);
      return new Promise<void>((done) => waiting.push({ seq, done, ...(up ? { timer: deadline() } : {}) }));
    },
    close() {
      if (!open) return;
      open = false;
      clearInterval(renewer);
      // Killed, not asked: it must answer nothing from now on.
      child.kill('SIGKILL');
      settle(Infinity);
    },
  };
}
