import fc from 'fast-check';
import { ManualClock } from '../../../../lib/clock.js';
import { decodeError, expectDecodesAnyBytes, expectReencodes, expectRoundTrips } from '../../../../test/helpers/codec.js';
import { BfdState, controlCodec, decodeControl, Diag, type ControlPacket } from './packet.js';
import { BfdSession } from './session.js';

/** A packet the sessions under test sent: it must decode. */
function control(b: Uint8Array): ControlPacket {
  const d = decodeControl(b);
  if (!d.ok) throw new Error(`sent a bad packet: ${d.error.detail ?? d.error.reason}`);
  return d.value;
}

const cfg = { transmitIntervalMs: 300, receiveIntervalMs: 300, detectMultiplier: 3, passive: false };

/** Two sessions wired back to back through the same manual clock. */
function pair() {
  const clock = new ManualClock();
  const log: string[] = [];
  // `held`: packets wait in the socket (a stalled receiver) until delivered.
  const wire: { a?: BfdSession; b?: BfdSession; cut: boolean; held?: Array<() => void> | undefined } = { cut: false };
  const carry = (to: () => BfdSession | undefined) => (buf: Buffer) => {
    if (wire.cut) return;
    if (wire.held) wire.held.push(() => to()?.receive(control(buf)));
    else to()?.receive(control(buf));
  };
  const a = new BfdSession({ ...cfg, localDiscriminator: 11 }, clock, carry(() => wire.b), (to, from, d) => log.push(`a ${from}->${to} ${d}`), () => 0.5);
  const b = new BfdSession({ ...cfg, localDiscriminator: 22 }, clock, carry(() => wire.a), (to, from, d) => log.push(`b ${from}->${to} ${d}`), () => 0.5);
  wire.a = a;
  wire.b = b;
  return { a, b, clock, log, wire };
}

describe('BFD packet', () => {
  test('annotated bytes', () => {
    const bytes = Uint8Array.from([
      0x20, // version 1, diag 0
      0xc0, // state Up, no flags
      0x03, // detect mult 3
      0x18, // length 24
      0, 0, 0, 11, // my discriminator
      0, 0, 0, 22, // your discriminator
      0x00, 0x04, 0x93, 0xe0, // desired min TX 300000 µs
      0x00, 0x04, 0x93, 0xe0, // required min RX 300000 µs
      0, 0, 0, 0, // no echo
    ]);
    const p = expectReencodes(controlCodec, bytes, undefined);
    expect(p).toMatchObject({ state: BfdState.Up, detectMult: 3, myDiscriminator: 11, yourDiscriminator: 22, desiredMinTx: 300000, requiredMinRx: 300000 });
  });

  test.each([
    ['version 2', [0x40, 0xc0, 3, 24], /version 2/],
    ['detect mult 0', [0x20, 0xc0, 0, 24], /detect multiplier 0/],
    ['length too small', [0x20, 0xc0, 3, 20], /length field/],
  ])('rejects %s', (_n, head, re) => {
    const b = Buffer.alloc(24);
    Buffer.from(head).copy(b);
    b.writeUInt32BE(1, 4);
    b.writeUInt32BE(2, 8);
    expect(decodeError(decodeControl(b)).detail).toMatch(re);
  });

  test('fuzz: arbitrary bytes decode or give a reason', () => {
    expectDecodesAnyBytes(controlCodec, undefined, {
      bytes: fc.uint8Array({ maxLength: 64 }),
      numRuns: 5000,
      reasons: ['truncated', 'badVersion', 'badLength', 'authentication', 'multipoint', 'badDetectMult', 'badDiscriminator'],
    });
  });

  test('property: round trip', () => {
    const packet: fc.Arbitrary<ControlPacket> = fc.record({
      diag: fc.integer({ min: 0, max: 31 }), state: fc.constantFrom(1, 2, 3) as fc.Arbitrary<1 | 2 | 3>, poll: fc.boolean(), final: fc.boolean(), demand: fc.boolean(),
      detectMult: fc.integer({ min: 1, max: 255 }), myDiscriminator: fc.integer({ min: 1, max: 0xffffffff }), yourDiscriminator: fc.integer({ min: 1, max: 0xffffffff }),
      desiredMinTx: fc.nat(), requiredMinRx: fc.nat(), requiredMinEchoRx: fc.nat(),
    });
    expectRoundTrips(controlCodec, packet, undefined);
  });
});

describe('BFD session', () => {
  test('three-way handshake brings both sides Up', () => {
    const { a, b, clock, log } = pair();
    a.start();
    b.start();
    clock.advance(3000);
    expect(a.state).toBe(BfdState.Up);
    expect(b.state).toBe(BfdState.Up);
    // b hears a's Down first (Down -> Init), a hears b's Init (Down -> Up), then b hears Up.
    expect(log).toEqual(['b 1->2 0', 'a 1->3 0', 'b 2->3 0']);
  });

  test('silence is detected after multiplier x interval, with diag "detection time expired"', () => {
    const { a, b, clock, log, wire } = pair();
    a.start();
    b.start();
    clock.advance(3000);
    expect(a.detectionTimeMs).toBe(900);
    wire.cut = true;
    const cutAt = clock.now();
    let downAt = -1;
    for (let t = 0; t < 2000 && downAt < 0; t += 10) {
      clock.advance(10);
      if (a.state === BfdState.Down) downAt = clock.now() - cutAt;
    }
    expect(downAt).toBeGreaterThan(600);
    expect(downAt).toBeLessThanOrEqual(900);
    expect(log).toContain(`a 3->1 ${Diag.DetectionTimeExpired}`);
  });

  test('a detection timer that fires late (our event loop stalled) first reads what waited in the socket', () => {
    const { a, b, clock, wire } = pair();
    a.start();
    b.start();
    clock.advance(3000);
    // The loop freezes for 2 s: timers run late and first, the packets that came meanwhile wait in the socket.
    wire.held = [];
    clock.stall(2000);
    for (const deliver of wire.held.splice(0)) deliver();
    wire.held = undefined;
    clock.advance(1000);
    expect(a.state).toBe(BfdState.Up);
    expect(b.state).toBe(BfdState.Up);
    // A peer that is really gone is still declared down, one interval later.
    wire.cut = true;
    clock.stall(2000);
    expect(a.state).toBe(BfdState.Up);
    clock.advance(300);
    expect(a.state).toBe(BfdState.Down);
  });

  test('a peer going Down brings us Down with "neighbor signaled down"', () => {
    const { a, b, clock, log } = pair();
    a.start();
    b.start();
    clock.advance(3000);
    b.receive({ diag: 0, state: BfdState.AdminDown, poll: false, final: false, demand: false, detectMult: 3, myDiscriminator: 11, yourDiscriminator: 22, desiredMinTx: 300000, requiredMinRx: 300000, requiredMinEchoRx: 0 });
    expect(log).toContain(`b 3->1 ${Diag.NeighborDown}`);
  });

  test('a planned stop says AdminDown (diag 7) and then nothing more; the peer goes Down without a detection timeout', () => {
    const clock = new ManualClock();
    const sent: Buffer[] = [];
    const peer: string[] = [];
    const wire: { a?: BfdSession } = {};
    const b = new BfdSession({ ...cfg, localDiscriminator: 22 }, clock, (buf) => wire.a?.receive(control(buf)), (to, from, d) => peer.push(`${from}->${to} ${d}`), () => 0.5);
    const a = new BfdSession({ ...cfg, localDiscriminator: 11 }, clock, (buf) => { sent.push(buf); b.receive(control(buf)); }, () => undefined, () => 0.5);
    wire.a = a;
    a.start();
    b.start();
    clock.advance(3000);
    expect(b.state).toBe(BfdState.Up);
    const before = sent.length;
    a.stopAdminDown();
    expect(sent.slice(before).map((x) => control(x))).toEqual(Array(3).fill(expect.objectContaining({ state: BfdState.AdminDown, diag: Diag.AdminDown })));
    expect(peer.at(-1)).toBe(`3->1 ${Diag.NeighborDown}`);
    clock.advance(10_000);
    expect(sent.length).toBe(before + 3);
  });

  test('a restart: the peer is asked to wait, reports no Down, and the next process resumes the session; a cut link is still found in the detection time', () => {
    const { a, b, clock, log, wire } = pair();
    /** Delivers to a session as the agent does: a foreign discriminator can only resume it. */
    const deliver = (to: BfdSession, p: ControlPacket): void => {
      if (p.yourDiscriminator !== 0 && p.yourDiscriminator !== to.localDiscriminator) to.resume(p);
      else to.receive(p);
    };
    a.start();
    b.start();
    clock.advance(3000);
    expect([a.state, b.state]).toEqual([BfdState.Up, BfdState.Up]);
    let held: boolean | undefined;
    void a.holdFor(30_000, 1000).then((ok) => (held = ok));
    clock.advance(1);
    return Promise.resolve().then(() => {
      expect(held).toBe(true);
      expect(b.detectionTimeMs).toBe(30_000);
      // The old process is gone; the next one listens first, then hears the peer's Up for the old discriminator.
      const next = new BfdSession({ ...cfg, localDiscriminator: 33 }, clock, (buf) => { if (!wire.cut) b.receive(control(buf)); }, (to, from, d) => log.push(`next ${from}->${to} ${d}`), () => 0.5);
      wire.a = { receive: (p: ControlPacket) => deliver(next, p) } as unknown as BfdSession;
      clock.advance(5000);
      next.start(1000);
      clock.advance(2000);
      expect(next.state).toBe(BfdState.Up);
      expect(next.localDiscriminator).toBe(11);
      expect(log.filter((l) => l.startsWith('b ') && l.includes('->1'))).toEqual([]);
      // Our timers are back: the peer's detection time is 900 ms again, and a cut link is found in it.
      expect(b.detectionTimeMs).toBe(900);
      wire.cut = true;
      clock.advance(1000);
      expect(b.state).toBe(BfdState.Down);
    });
  });

  test('only a session never Up in this process resumes, and only from an Up packet', () => {
    const { a, b, clock, wire } = pair();
    const up: ControlPacket = { diag: 0, state: BfdState.Up, poll: false, final: false, demand: false, detectMult: 3, myDiscriminator: 9, yourDiscriminator: 44, desiredMinTx: 300000, requiredMinRx: 300000, requiredMinEchoRx: 0 };
    const fresh = new BfdSession({ ...cfg, localDiscriminator: 5 }, clock, () => undefined, () => undefined);
    expect(fresh.resume({ ...up, state: BfdState.Down })).toBe(false);
    expect(fresh.resume({ ...up, yourDiscriminator: 0 })).toBe(false);
    a.start();
    b.start();
    clock.advance(3000);
    wire.cut = true;
    clock.advance(1000);
    expect(b.state).toBe(BfdState.Down);
    expect(b.resume(up)).toBe(false);
    expect(fresh.resume(up)).toBe(true);
    expect(fresh.localDiscriminator).toBe(44);
  });

  test('a peer that does not confirm the hold: holdFor resolves false after its wait', async () => {
    const { a, b, clock, wire } = pair();
    a.start();
    b.start();
    clock.advance(3000);
    wire.cut = true;
    const held = a.holdFor(30_000, 1000);
    clock.advance(1000);
    await expect(held).resolves.toBe(false);
  });

  test('passive sessions stay silent until the peer speaks', () => {
    const clock = new ManualClock();
    const sent: Buffer[] = [];
    const s = new BfdSession({ ...cfg, passive: true, localDiscriminator: 5 }, clock, (b) => sent.push(b), () => undefined);
    s.start();
    clock.advance(10_000);
    expect(sent.length).toBe(0);
    s.receive({ diag: 0, state: BfdState.Down, poll: false, final: false, demand: false, detectMult: 3, myDiscriminator: 9, yourDiscriminator: 0, desiredMinTx: 1_000_000, requiredMinRx: 300000, requiredMinEchoRx: 0 });
    clock.advance(10);
    expect(sent.length).toBe(1);
    expect(control(sent[0] as Buffer)).toMatchObject({ state: BfdState.Init, yourDiscriminator: 9 });
  });

  test('a poll is answered at once with the Final bit', () => {
    const clock = new ManualClock();
    const sent: Buffer[] = [];
    const s = new BfdSession({ ...cfg, localDiscriminator: 5 }, clock, (b) => sent.push(b), () => undefined);
    s.receive({ diag: 0, state: BfdState.Down, poll: true, final: false, demand: false, detectMult: 3, myDiscriminator: 9, yourDiscriminator: 0, desiredMinTx: 1_000_000, requiredMinRx: 300000, requiredMinEchoRx: 0 });
    expect(control(sent.at(-1) as Buffer).final).toBe(true);
  });
});
