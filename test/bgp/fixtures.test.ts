/** Captured OPENs and UPDATEs from GoBGP, BIRD and FRR: each decodes, re-encodes, and survives mutation fuzzing. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { isDecoderBug } from '../../images/speaker/src/bgp/messages/header.js';
import { decodeMessage } from '../../images/speaker/src/bgp/messages/index.js';
import { encodeOpen } from '../../images/speaker/src/bgp/messages/open.js';
import { encodeUpdate } from '../../images/speaker/src/bgp/messages/update.js';
import { decodedValue } from '../helpers/codec.js';

const DIR = path.resolve(__dirname, '../fixtures/bgp');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.bin')).sort();
const crashers = fs.readdirSync(path.join(DIR, 'crashers')).filter((f) => f.endsWith('.bin'));
const ctx = { fourOctetAs: true };

function decodesOrProtocolError(b: Uint8Array): void {
  const d = decodeMessage(b, ctx);
  if (!d.ok && isDecoderBug(d.error)) throw d.error;
}

describe('captured BGP messages', () => {
  test('the fixtures are there: an OPEN and an UPDATE from each of gobgp, bird and frr', () => {
    for (const r of ['gobgp', 'bird', 'frr']) {
      expect(files.some((f) => f.startsWith(`open-${r}-`))).toBe(true);
      expect(files.some((f) => f.startsWith(`update-${r}-`))).toBe(true);
    }
  });

  // Byte equality is not expected: FRR puts each capability in its own parameter and uses extended lengths for short attributes.
  test.each(files)('%s decodes, and our encoding of it decodes to the same message', (f) => {
    const b = fs.readFileSync(path.join(DIR, f));
    const m = decodedValue(decodeMessage(b, ctx));
    expect(m.type).toBe(f.split('-')[0]);
    if (m.type === 'update') expect(m.errors).toBeUndefined();
    const again = m.type === 'open' ? encodeOpen(m) : m.type === 'update' ? encodeUpdate(m, ctx) : b;
    expect(decodedValue(decodeMessage(again, ctx))).toEqual(m);
  });

  test('mutations of every fixture: a message or a BgpProtocolError, never a crash', () => {
    const seeds = files.map((f) => fs.readFileSync(path.join(DIR, f)));
    fc.assert(fc.property(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat(), (s, flips, cut) => {
      const b = Buffer.from(seeds[s % seeds.length] ?? Buffer.alloc(0));
      for (const [pos, val] of flips) b[19 + (pos % Math.max(1, b.length - 19))] = val;
      decodesOrProtocolError(b);
      decodesOrProtocolError(b.subarray(0, 19 + (cut % Math.max(1, b.length - 19))));
    }), { numRuns: 10_000 });
  });

  test.each(crashers.length ? crashers : ['(none yet)'])('crasher %s stays fixed', (f) => {
    if (f === '(none yet)') return expect(crashers).toEqual([]);
    decodesOrProtocolError(fs.readFileSync(path.join(DIR, 'crashers', f)));
  });
});
