// SPDX-License-Identifier: Apache-2.0
/**
 * The capture process for one interface: `node cap-child.js <ifname> <mac>`. Frames received go
 * to stdout and frames to send come on stdin, each as a 4-byte big-endian length and the bytes.
 * libpcap (through `cap`) aborts the process when its interface goes down, so it lives apart from
 * the speaker: the speaker sees it exit and opens a new one when the link is back.
 */
import { Cap } from 'cap';
import { captureFilter } from './cap-filter.js';

function main(): void {
  const [name, mac] = process.argv.slice(2);
  if (!name || !mac) {
    process.stderr.write('usage: cap-child.js <interface> <mac>\n');
    process.exit(2);
  }
  const cap = new Cap();
  const buf = Buffer.alloc(65536);
  try {
    cap.open(name, captureFilter(mac), 1 << 20, buf);
  } catch (e) {
    process.stderr.write(`opening ${name} for ARP/NDP: ${(e as Error).message}\n`);
    process.exit(1);
  }
  cap.on('packet', (n: number) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(n);
    process.stdout.write(Buffer.concat([head, buf.subarray(0, n)]));
  });
  let pending: Buffer = Buffer.alloc(0);
  process.stdin.on('data', (d: Buffer) => {
    pending = Buffer.concat([pending, d]);
    while (pending.length >= 4) {
      const n = pending.readUInt32BE(0);
      if (pending.length < 4 + n) break;
      const frame = pending.subarray(4, 4 + n);
      pending = pending.subarray(4 + n);
      try {
        cap.send(frame, frame.length);
      } catch (e) {
        process.stderr.write(`sending on ${name}: ${(e as Error).message}\n`);
      }
    }
  });
  // The speaker went away: so do we.
  process.stdin.on('end', () => process.exit(0));
}

main();
