// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { createHmac } from 'node:crypto';
import { formatMac } from '../l2/mac.js';
import { decodeHeartbeat, encodeHeartbeat, type Heartbeat } from './heartbeat.js';

const KEY = Buffer.from('lab-key');
const hb: fc.Arbitrary<Heartbeat> = fc.record({
  node: fc.string({ minLength: 1, maxLength: 63 }),
  boot: fc.integer({ min: 0, max: 0xffffffff }),
  seq: fc.integer({ min: 0, max: 0xffffffff }),
  intervalMs: fc.integer({ min: 0, max: 0xffff }),
  apiOk: fc.boolean(),
  links: fc.array(fc.string({ minLength: 1, maxLength: 15 }), { maxLength: 4 }),
  macs: fc.array(fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b)), { maxLength: 4 }),
  holding: fc.boolean(),
  view: fc.array(fc.string({ minLength: 1, maxLength: 63 }), { maxLength: 8 }),
  cands: fc.array(fc.string({ minLength: 1, maxLength: 63 }), { maxLength: 8 }),
});

describe('heartbeat', () => {
  test('round-trip under the same key', () => {
    fc.assert(fc.property(hb, (h) => expect(decodeHeartbeat(encodeHeartbeat(h, KEY), KEY)).toEqual({ ok: true, value: h })));
  });

  test('another key, or any flipped bit, fails authentication', () => {
    const h: Heartbeat = { node: 'node-a', boot: 1, seq: 2, intervalMs: 100, apiOk: true, links: ['eth0'], macs: ['02:00:00:00:00:0b'], holding: false, view: ['node-b'], cands: ['node-a', 'node-b'] };
    const b = encodeHeartbeat(h, KEY);
    expect(decodeHeartbeat(b, Buffer.from('other'))).toEqual({ ok: false, error: 'badAuth' });
    fc.assert(fc.property(fc.integer({ min: 5 * 8, max: b.length * 8 - 1 }), (bit) => {
      const c = Uint8Array.from(b);
      c[bit >> 3] = (c[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      expect(decodeHeartbeat(c, KEY).ok).toBe(false);
    }));
  });

  test('flags and view survive: holding, API reachable, the peers heard', () => {
    const h: Heartbeat = { node: 'node-a', boot: 7, seq: 9, intervalMs: 100, apiOk: false, links: [], macs: [], holding: true, view: ['node-b', 'node-c'], cands: [] };
    expect(decodeHeartbeat(encodeHeartbeat(h, KEY), KEY)).toEqual({ ok: true, value: h });
  });

  test('a correctly signed body cut short or padded is truncated, never misread', () => {
    const h: Heartbeat = { node: 'node-a', boot: 1, seq: 2, intervalMs: 100, apiOk: true, links: ['eth0'], macs: ['02:00:00:00:00:0b'], holding: false, view: ['node-b', 'node-c'], cands: ['node-b'] };
    const body = Buffer.from(encodeHeartbeat(h, KEY)).subarray(0, -16);
    const resign = (b: Buffer): Uint8Array => Buffer.concat([b, createHmac('sha256', KEY).update(b).digest().subarray(0, 16)]);
    fc.assert(fc.property(fc.integer({ min: 17, max: body.length - 1 }), (n) => {
      expect(decodeHeartbeat(resign(body.subarray(0, n)), KEY)).toEqual({ ok: false, error: 'truncated' });
    }));
    expect(decodeHeartbeat(resign(Buffer.concat([body, Buffer.from([0])])), KEY)).toEqual({ ok: false, error: 'truncated' });
  });

  test('a version 1 heartbeat (no view) is refused as badVersion', () => {
    const b = Buffer.from(encodeHeartbeat({ node: 'n', boot: 1, seq: 1, intervalMs: 100, apiOk: true, links: [], macs: [], holding: false, view: [], cands: [] }, KEY));
    b[4] = 1;
    expect(decodeHeartbeat(b, KEY)).toEqual({ ok: false, error: 'badVersion' });
  });

  test('arbitrary bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
      const d = decodeHeartbeat(b, KEY);
      if (!d.ok) expect(['truncated', 'badMagic', 'badVersion', 'badAuth']).toContain(d.error);
    }));
  });
});
