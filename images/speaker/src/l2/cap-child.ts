// SPDX-License-Identifier: Apache-2.0
/**
 * The capture process for one interface: `node cap-child.js <ifname> <mac>`. libpcap (through
 * `cap`) aborts the process when its interface goes down, so it lives apart from the speaker: the
 * speaker sees it exit and opens a new one when the link is back.
 *
 * Messages (cap-wire.ts) come on stdin and go to stdout. Who-has and NS for the addresses of the
 * latest `answer` message are answered here with the speaker's own decision code (`respond`),
 * saving two pipe crossings, while the speaker's lease runs (a speaker that stalls stops answering
 * here as its peers take over); every other frame goes to the speaker as it is.
 */
import { Cap } from 'cap';
import { captureFilter } from './cap-filter.js';
import { Deframer, encodeFrame, encodeMessage, type CapMessage } from './cap-wire.js';
import { respond, type LinkView } from './responder.js';

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
  // Messages of one event-loop turn leave in one write, after every frame that came in was handled:
  // a burst of requests is answered back to back, and the speaker wakes once for it.
  let batch: Buffer[] = [];
  const flush = (): void => {
    const all = batch.length === 1 ? batch[0] : Buffer.concat(batch);
    batch = [];
    if (all) process.stdout.write(all);
  };
  const out = (m: Buffer): void => {
    if (batch.push(m) === 1) setImmediate(flush);
  };
  out(encodeMessage({ type: 'ready' }));
  // What the speaker last said we answer for; nothing until it says so, and only while its lease runs.
  let owned: ReadonlySet<string> = new Set();
  let leaseUntil = 0;
  const view = {
    mac,
    answers: (ip: string) => (owned.has(ip) ? true : 'notAnnounced'),
    // A foreign claim on an owned address is not answered here but passed on (conflict detection).
    watches: (ip: string) => owned.has(ip),
  } satisfies LinkView & { mac: string };

  cap.on('packet', (n: number) => {
    const frame = buf.subarray(0, n);
    if (owned.size > 0) {
      const r = respond(frame, view);
      if (r.kind === 'reply') {
        if (performance.now() < leaseUntil) {
          send(r.frame);
          out(encodeMessage({ type: 'answered', ip: r.ip }));
        }
        // Lease lapsed: the speaker is stalled and a peer may answer now; a late answer would contradict it.
        return;
      }
    }
    out(encodeFrame(frame));
  });

  function send(frame: Uint8Array): void {
    try {
      cap.send(frame as Buffer, frame.length);
    } catch (e) {
      process.stderr.write(`sending on ${name}: ${(e as Error).message}\n`);
    }
  }

  function apply(m: CapMessage): void {
    if (m.type === 'frame') send(m.frame);
    else if (m.type === 'renew') leaseUntil = performance.now() + m.leaseMs;
    else if (m.type === 'answer') {
      view.mac = m.mac;
      owned = new Set(m.ips);
      out(encodeMessage({ type: 'applied', seq: m.seq }));
    }
  }

  const input = new Deframer((r) => {
    if (r.ok) return apply(r.msg);
    // The stream is out of step: answer nothing more, the speaker opens a new capture.
    process.stderr.write(`bad message from the speaker: ${r.error}\n`);
    process.exit(1);
  });
  process.stdin.on('data', (d: Buffer) => input.push(d));
  // The speaker went away: so do we, before anything else is answered.
  process.stdin.on('end', () => process.exit(0));
}

main();
