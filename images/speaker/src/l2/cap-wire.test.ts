// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { Deframer, MAX_BODY, decodeBody, encodeMessage, type CapMessage, type WireResult } from './cap-wire.js';
import { formatMac } from './mac.js';

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
const ipv6 = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((w) => w.map((x) => x.toString(16)).join(':'));
const ip = fc.oneof(ipv4, ipv6);
const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b));
const seq = fc.nat(0xffffffff);
const message: fc.Arbitrary<CapMessage> = fc.oneof(
  fc.constant({ type: 'ready' as const }),
  fc.uint8Array({ minLength: 0, maxLength: 1600 }).map((frame) => ({ type: 'frame' as const, frame })),
  fc.record({ type: fc.constant('answer' as const), seq, mac, ips: fc.array(ip, { maxLength: 20 }) }),
  fc.record({ type: fc.constant('applied' as const), seq }),
  fc.record({ type: fc.constant('answered' as const), ip }),
  fc.record({ type: fc.constant('renew' as const), leaseMs: fc.integer({ min: 0, max: 0xffffffff }) }),
);

/** Comparable form: frames as plain arrays (a decoded frame is a view of the input). */
const plain = (m: CapMessage): unknown => (m.type === 'frame' ? { type: 'frame', frame: [...m.frame] } : m);

function collect(): { out: WireResult[]; d: Deframer } {
  const out: WireResult[] = [];
  return { out, d: new Deframer((r) => out.push(r.ok && r.msg.type === 'frame' ? { ok: true, msg: { type: 'frame', frame: Uint8Array.from(r.msg.frame) } } : r)) };
}

describe('capture process messages', () => {
  test('every message survives encode and decode', () => {
    fc.assert(fc.property(message, (m) => {
      const r = decodeBody(encodeMessage(m).subarray(4));
      expect(r.ok && plain(r.msg)).toEqual(plain(m));
    }));
  });

  test('a stream cut at any points gives back the same messages in order', () => {
    fc.assert(fc.property(fc.array(message, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 10 }), (msgs, cuts) => {
      const bytes = Buffer.concat(msgs.map(encodeMessage));
      const at = [...new Set(cuts.map((c) => (bytes.length ? c % bytes.length : 0)))].sort((a, b) => a - b);
      const { out, d } = collect();
      let prev = 0;
      for (const c of [...at, bytes.length]) {
        d.push(bytes.subarray(prev, c));
        prev = c;
      }
      expect(out.map((r) => r.ok && plain(r.msg))).toEqual(msgs.map(plain));
    }));
  });

  test('one byte at a time works too', () => {
    const msgs: CapMessage[] = [{ type: 'answer', seq: 7, mac: '02:00:00:00:01:0b', ips: ['192.0.2.200', '2001:db8:0:1::200'] }, { type: 'frame', frame: new Uint8Array([1, 2, 3]) }];
    const bytes = Buffer.concat(msgs.map(encodeMessage));
    const { out, d } = collect();
    for (let i = 0; i < bytes.length; i++) d.push(bytes.subarray(i, i + 1));
    expect(out.map((r) => r.ok && plain(r.msg))).toEqual(msgs.map(plain));
  });

  test('an answer for nothing is an empty list', () => {
    const r = decodeBody(encodeMessage({ type: 'answer', seq: 1, mac: '02:00:00:00:01:0b', ips: [] }).subarray(4));
    expect(r).toEqual({ ok: true, msg: { type: 'answer', seq: 1, mac: '02:00:00:00:01:0b', ips: [] } });
  });

  test('the decoder never throws on arbitrary bodies', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const r = decodeBody(b);
      expect(typeof r.ok).toBe('boolean');
    }));
  });

  test.each([
    ['empty', [], 'empty message'],
    ['unknown type', [9], 'unknown message type 9'],
    ['short applied', [3, 0, 0], 'applied message of 3 bytes'],
    ['long ready', [5, 0], 'ready message of 2 bytes'],
    ['short answer', [2, 0, 0, 0, 1], 'answer message of 5 bytes'],
    ['bad address', [4, ...Buffer.from('192.0.2.300')], 'answered message with bad address "192.0.2.300"'],
    ['bad listed address', [2, 0, 0, 0, 1, 2, 0, 0, 0, 0, 1, ...Buffer.from('192.0.2.1,x')], 'answer message with bad address "x"'],
  ])('a malformed body is an error, not a crash: %s', (_name, body, error) => {
    expect(decodeBody(Uint8Array.from(body))).toEqual({ ok: false, error });
  });

  test('a bad length stops the stream: nothing after it is trusted', () => {
    const { out, d } = collect();
    const good = encodeMessage({ type: 'applied', seq: 1 });
    const bad = Buffer.alloc(4);
    bad.writeUInt32BE(MAX_BODY + 1);
    d.push(Buffer.concat([good, bad, good]));
    d.push(good);
    expect(out).toEqual([{ ok: true, msg: { type: 'applied', seq: 1 } }, { ok: false, error: `message length ${MAX_BODY + 1}` }]);
  });

  test('a zero length split across chunks is caught too', () => {
    const { out, d } = collect();
    d.push(Buffer.from([0, 0]));
    d.push(Buffer.from([0, 0, 3]));
    expect(out).toEqual([{ ok: false, error: 'message length 0' }]);
  });
});
