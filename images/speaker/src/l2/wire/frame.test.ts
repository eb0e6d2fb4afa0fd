// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { gratuitousArpFrame } from './arp.js';
import { expectDecodesAnyBytes } from '../../../../../test/helpers/codec.js';
import { decodeFrame } from './frame.js';
import { unsolicitedNaFrame } from './ndp-na.js';
import { solicitationFrame } from './ndp-ns.js';

const REASONS = ['truncated', 'unsupportedEtherType', 'unsupportedArp', 'badIpVersion', 'notNeighborDiscovery', 'badChecksum', 'badIcmpCode', 'badHopLimit', 'badOption', 'multicastTarget'];

describe('decodeFrame', () => {
  const valid = [
    gratuitousArpFrame('02:00:00:00:00:0b', '192.0.2.200', 'request'),
    unsolicitedNaFrame('02:00:00:00:00:0b', '2001:db8:0:1::200'),
    solicitationFrame('02:00:00:00:00:64', '2001:db8:0:1::100', '2001:db8:0:1::200', [10]),
  ];

  test('arbitrary bytes give a message or a decoding drop reason, never an exception', () => {
    expectDecodesAnyBytes({ decode: decodeFrame }, undefined, { bytes: fc.uint8Array({ maxLength: 120 }), reasons: REASONS, numRuns: 2000 });
  });

  test('mutated and cut real frames never throw', () => {
    const mutated = fc.tuple(fc.constantFrom(...valid), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.nat())
      .map(([f, edits, cut]) => {
        const b = Uint8Array.from(f);
        for (const [i, v] of edits) b[i % b.length] = v;
        return b.subarray(0, b.length - (cut % 20));
      });
    let decoded = 0;
    fc.assert(fc.property(mutated, (b) => {
      const d = decodeFrame(b);
      if (d.ok) decoded++;
      else expect(REASONS).toContain(d.error.reason);
    }), { numRuns: 3000 });
    // Some mutations keep the frame valid (they hit padding or payload-neutral bytes).
    expect(decoded).toBeGreaterThan(0);
  });

  test('wrong hop limit on NDP is dropped', () => {
    const b = solicitationFrame('02:00:00:00:00:64', '2001:db8:0:1::100', '2001:db8:0:1::200');
    b[14 + 7] = 64;
    expect(decodeFrame(b)).toEqual({ ok: false, error: { reason: 'badHopLimit' } });
  });

  test('IPv4 frames are not ours', () => {
    const b = new Uint8Array(60);
    b.set([0x08, 0x00], 12);
    expect(decodeFrame(b)).toEqual({ ok: false, error: { reason: 'unsupportedEtherType' } });
  });
});
