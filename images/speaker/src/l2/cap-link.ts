// SPDX-License-Identifier: Apache-2.0
/** RawLink over libpcap (AF_PACKET) through the `cap` binding, run in a child process per interface. Needs CAP_NET_RAW. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RawLink } from './raw-link.js';

const CHILD = path.join(__dirname, 'cap-child.js');

export function openCapLink(name: string, mac: string): RawLink {
  if (!fs.existsSync(CHILD)) throw new Error(`opening ${name}: ${CHILD} is missing (build the speaker)`);
  const child = spawn(process.execPath, [CHILD, name, mac], { stdio: ['pipe', 'pipe', 'pipe'] });
  let handler: (frame: Uint8Array) => void = () => undefined;
  let onClose: (reason: string) => void = () => undefined;
  let open = true;
  let stderr = '';
  let pending: Buffer = Buffer.alloc(0);
  child.stdout.on('data', (d: Buffer) => {
    pending = pending.length ? Buffer.concat([pending, d]) : d;
    while (pending.length >= 4) {
      const n = pending.readUInt32BE(0);
      if (pending.length < 4 + n) break;
      handler(pending.subarray(4, 4 + n));
      pending = pending.subarray(4 + n);
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-500)));
  child.stdin.on('error', () => undefined);
  child.on('exit', (code, signal) => {
    if (!open) return;
    open = false;
    onClose(`capture on ${name} ended (${signal ?? `exit ${code}`}): ${stderr.trim() || 'interface down?'}`);
  });
  return {
    name,
    mac,
    send(frame) {
      if (!open) return;
      const head = Buffer.alloc(4);
      head.writeUInt32BE(frame.length);
      child.stdin.write(Buffer.concat([head, frame]));
    },
    onFrame(fn) {
      handler = fn;
    },
    onClose(fn) {
      onClose = fn;
    },
    close() {
      if (!open) return;
      open = false;
      child.stdin.end();
      child.kill();
    },
  };
}
