// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { createHash, createHmac } from 'node:crypto';
import { formatMac } from '../../../../lib/mac.js';
import { expectDecodesAnyBytes, expectRoundTrips } from '../../../../test/helpers/codec.js';
import { MAX_DATAGRAM, MAX_KEPT, MAX_LINKS, MAX_PEERS, addressId, decodeHeartbeat, encodeHeartbeat, fitHeldKept, heartbeatCodec, nodeId, type Heartbeat, type PeerEntry, type SpeakerState } from './heartbeat.js';

const KEY = Buffer.from('lab-key');
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const state: fc.Arbitrary<SpeakerState> = fc.record({
  maxVersion: fc.integer({ min: 0, max: 255 }),
  node: fc.string({ minLength: 1, maxLength: 63 }),
  intervalMs: fc.integer({ min: 0, max: 0xffff }),
  apiOk: fc.boolean(),
  holding: fc.boolean(),
  accused: fc.boolean(),
  candidate: fc.boolean(),
  restarting: fc.constant(true),
  links: fc.array(fc.string({ minLength: 1, maxLength: 15 }).filter((s) => Buffer.byteLength(s) <= 15), { maxLength: 4 }),
  macs: fc.array(fc.uint8Array({ minLength: 6, maxLength: 6 }).map((b) => formatMac(b)), { maxLength: 4 }),
  peers: fc.array(fc.record({ id: u32, status: fc.constantFrom('live' as const, 'holding' as const, 'silent' as const), accused: fc.boolean(), candidate: fc.boolean(), held: fc.constant(true) }, { requiredKeys: ['id', 'status', 'accused', 'candidate'] }), { maxLength: 10 }),
  kept: fc.array(u32, { minLength: 1, maxLength: MAX_KEPT }),
  heldKept: fc.array(fc.record({ node: u32, kept: fc.array(u32, { minLength: 1, maxLength: MAX_KEPT }) }), { minLength: 1, maxLength: 2 }),
}, { requiredKeys: ['maxVersion', 'node', 'intervalMs', 'apiOk', 'holding', 'accused', 'candidate', 'links', 'macs', 'peers'] });
const hb: fc.Arbitrary<Heartbeat> = fc.record({
  id: u32,
  boot: u32,
  seq: u32,
  stateVersion: fc.integer({ min: 0, max: 255 }),
  ack: fc.integer({ min: 0, max: 255 }),
  probe: fc.boolean(),
  state: fc.option(state, { nil: undefined }),
  extensions: fc.option(fc.array(fc.record({ type: fc.integer({ min: 3, max: 255 }), value: fc.uint8Array({ maxLength: 20 }) }), { minLength: 1, maxLength: 3 }), { nil: undefined }),
}).map((h) => Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as unknown as Heartbeat);

const entry = (id: number, status: PeerEntry['status'], accused = false, candidate = status === 'live'): PeerEntry => ({ id, status, accused, candidate });
const full: SpeakerState = { maxVersion: 3, node: 'node-a', intervalMs: 50, apiOk: true, holding: false, accused: false, candidate: true, links: ['eth0'], macs: ['02:00:00:00:00:0b'], peers: [entry(nodeId('node-b'), 'live'), entry(nodeId('node-c'), 'silent', true)] };
const beat: Heartbeat = { id: nodeId('node-a'), boot: 1, seq: 2, stateVersion: 4, ack: 0, probe: false };
const ID = nodeId('node-a');
/** The receiver knows the sender as node-a (whatever name a state carries, the test's messages come from node-a). */
const sender = (): number => ID;
const idBytes = Buffer.from([ID >>> 24, (ID >>> 16) & 0xff, (ID >>> 8) & 0xff, ID & 0xff]);
const resign = (b: Buffer): Uint8Array => Buffer.concat([b, createHmac('sha256', KEY).update(idBytes).update(b).digest().subarray(0, 16)]);

describe('heartbeat', () => {
  test('round-trip under the same key, with or without state and extensions', () => {
    expectRoundTrips(heartbeatCodec, hb, (h) => ({ key: KEY, idOf: () => h.id }));
  });

  test('a beat without state is 31 bytes; the state rides along only when flagged', () => {
    expect(encodeHeartbeat(beat, { key: KEY })).toHaveLength(31);
    const withState = decodeHeartbeat(encodeHeartbeat({ ...beat, state: full }, { key: KEY }), { key: KEY, idOf: sender });
    expect(withState.ok && withState.value.state).toEqual(full);
  });

  test('another key, or any flipped bit, fails authentication', () => {
    const b = encodeHeartbeat({ ...beat, state: full }, { key: KEY });
    expect(decodeHeartbeat(b, { key: Buffer.from('other'), idOf: sender })).toEqual({ ok: false, error: { reason: 'badAuth' } });
    fc.assert(fc.property(fc.integer({ min: 5 * 8, max: b.length * 8 - 1 }), (bit) => {
      const c = Uint8Array.from(b);
      c[bit >> 3] = (c[bit >> 3] ?? 0) ^ (1 << (bit & 7));
      expect(decodeHeartbeat(c, { key: KEY, idOf: sender }).ok).toBe(false);
    }));
  });

  test('a correctly signed body cut inside its state is truncated, never misread', () => {
    const body = Buffer.from(encodeHeartbeat({ ...beat, state: full }, { key: KEY })).subarray(0, -16);
    fc.assert(fc.property(fc.integer({ min: 15, max: body.length - 1 }), (n) => {
      expect(decodeHeartbeat(resign(body.subarray(0, n)), { key: KEY, idOf: sender })).toEqual({ ok: false, error: { reason: 'truncated' } });
    }));
  });

  test('extensions a later release adds are carried, not refused; an extension cut short is truncated', () => {
    const body = Buffer.from(encodeHeartbeat(beat, { key: KEY })).subarray(0, -16);
    const d = decodeHeartbeat(resign(Buffer.concat([body, Buffer.from([9, 2, 0xab, 0xcd])])), { key: KEY, idOf: sender });
    expect(d).toEqual({ ok: true, value: { ...beat, extensions: [{ type: 9, value: Uint8Array.from([0xab, 0xcd]) }] }, bytes: body.length + 4 + 16 });
    expect(decodeHeartbeat(resign(Buffer.concat([body, Buffer.from([9, 3, 0xab])])), { key: KEY, idOf: sender })).toEqual({ ok: false, error: { reason: 'truncated' } });
  });

  test('a peer status a later release adds is read as no opinion, the rest of the state as usual', () => {
    const b = Buffer.from(encodeHeartbeat({ ...beat, state: { ...full, peers: [entry(7, 'live')] } }, { key: KEY })).subarray(0, -16);
    b[b.length - 1] = 3;
    const d = decodeHeartbeat(resign(b), { key: KEY, idOf: sender });
    expect(d.ok && d.value.state).toEqual({ ...full, peers: [] });
  });

  test('a restart notice and held addresses are flag bits: absent they read as no, set they round-trip', () => {
    const notice: SpeakerState = { ...full, restarting: true, peers: [{ ...entry(nodeId('node-b'), 'silent'), held: true }] };
    const d = decodeHeartbeat(encodeHeartbeat({ ...beat, state: notice }, { key: KEY }), { key: KEY, idOf: sender });
    expect(d.ok && d.value.state).toEqual(notice);
    const plain = decodeHeartbeat(encodeHeartbeat({ ...beat, state: full }, { key: KEY }), { key: KEY, idOf: sender });
    expect(plain.ok && [plain.value.state?.restarting, plain.value.state?.peers.map((p) => p.held)]).toEqual([undefined, [undefined, undefined]]);
  });

  test('kept addresses ride with the state as extension 1 (a release without them skips it); more than fit are refused', () => {
    const kept = [addressId('192.0.2.201'), addressId('2001:db8::201')];
    const d = decodeHeartbeat(encodeHeartbeat({ ...beat, state: { ...full, kept } }, { key: KEY }), { key: KEY, idOf: sender });
    expect(d.ok && [d.value.state?.kept, d.value.extensions]).toEqual([kept, undefined]);
    const body = Buffer.from(encodeHeartbeat(beat, { key: KEY })).subarray(0, -16);
    const bare = decodeHeartbeat(resign(Buffer.concat([body, Buffer.from([1, 4, 0, 0, 0, 1])])), { key: KEY, idOf: sender });
    expect(bare.ok && bare.value.extensions).toEqual([{ type: 1, value: Uint8Array.from([0, 0, 0, 1]) }]);
    expect(() => encodeHeartbeat({ ...beat, state: { ...full, kept: Array.from({ length: MAX_KEPT + 1 }, (_, i) => i) } }, { key: KEY })).toThrow(/too long/);
  });

  test('versions 1 and 2 (which began "MLBH") and any later one are refused as badVersion', () => {
    expect(decodeHeartbeat(Buffer.concat([Buffer.from('MLBH'), Buffer.alloc(60, 2)]), { key: KEY, idOf: sender })).toEqual({ ok: false, error: { reason: 'badVersion' } });
    const b = Buffer.from(encodeHeartbeat(beat, { key: KEY }));
    b[3] = 4;
    expect(decodeHeartbeat(b, { key: KEY, idOf: sender })).toEqual({ ok: false, error: { reason: 'badVersion' } });
  });

  test('the sender is part of what is signed: a beat taken for another node, or from a stranger, is refused', () => {
    const b = encodeHeartbeat(beat, { key: KEY });
    expect(decodeHeartbeat(b, { key: KEY, idOf: () => nodeId('node-b') })).toEqual({ ok: false, error: { reason: 'badAuth' } });
    expect(decodeHeartbeat(b, { key: KEY, idOf: () => undefined })).toEqual({ ok: false, error: { reason: 'unknownSender' } });
    const named: string[] = [];
    decodeHeartbeat(encodeHeartbeat({ ...beat, state: full }, { key: KEY }), { key: KEY, idOf: (n) => (named.push(String(n)), ID) });
    expect(named).toEqual(['node-a']);
  });

  test('the largest state the speaker sends fits one IPv6 datagram on a 1,500-byte MTU', () => {
    const longest: SpeakerState = {
      maxVersion: 3,
      node: 'n'.repeat(253),
      intervalMs: 0xffff,
      apiOk: true,
      holding: true,
      accused: true,
      candidate: false,
      links: Array.from({ length: MAX_LINKS }, (_, i) => `eth${i}`.padEnd(15, 'x')),
      macs: Array.from({ length: MAX_LINKS }, () => '02:00:00:00:00:01'),
      peers: Array.from({ length: MAX_PEERS }, (_, i) => entry(i, 'live')),
      kept: Array.from({ length: MAX_KEPT }, (_, i) => i),
    };
    expect(encodeHeartbeat({ ...beat, state: longest }, { key: KEY }).length).toBeLessThanOrEqual(MAX_DATAGRAM);
    // What held peers kept rides along only as far as it fits.
    const heldKept = Array.from({ length: 4 }, (_, n) => ({ node: n, kept: Array.from({ length: MAX_KEPT }, (_, i) => i) }));
    expect(fitHeldKept({ ...longest, heldKept })).toEqual(longest);
    expect(fitHeldKept({ ...full, heldKept }).heldKept).toEqual(heldKept);
    const some = fitHeldKept({ ...longest, peers: longest.peers.slice(0, -20), heldKept });
    expect(some.heldKept?.length).toBeGreaterThan(0);
    expect(some.heldKept?.length).toBeLessThan(heldKept.length);
    expect(encodeHeartbeat({ ...beat, state: some }, { key: KEY }).length).toBeLessThanOrEqual(MAX_DATAGRAM);
    expect(() => encodeHeartbeat({ ...beat, state: { ...longest, peers: [...longest.peers, entry(1, 'live')] } }, { key: KEY })).toThrow(/too long/);
  });

  test('arbitrary bytes never throw', () => {
    expectDecodesAnyBytes(heartbeatCodec, { key: KEY, idOf: sender }, { bytes: fc.uint8Array({ maxLength: 100 }), reasons: ['truncated', 'badMagic', 'badVersion', 'unknownSender', 'badAuth'] });
  });

  test('node ids are the first 4 bytes of sha256 of the name', () => {
    expect(nodeId('node-a')).toBe(Number.parseInt(createHash('sha256').update('node-a').digest('hex').slice(0, 8), 16));
  });
});
