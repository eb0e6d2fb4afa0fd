import fc from 'fast-check';
import pino from 'pino';
import { Registry } from 'prom-client';
import { ManualClock } from '../../../../lib/clock.js';
import type { Capability } from './capabilities/index.js';
import { CeaseSubcode, ErrorCode, OpenSubcode } from './errors.js';
import type { FsmConfig } from './fsm.js';
import { decodedValue } from '../../../../test/helpers/codec.js';
import { decodeMessage, splitMessages, type BgpMessage } from './messages/index.js';
import { encodeKeepalive } from './messages/keepalive.js';
import { encodeNotification } from './messages/notification.js';
import { encodeOpen, openFor } from './messages/open.js';
import { encodeUpdate, type UpdateMessage } from './messages/update.js';
import { BgpMetrics } from './metrics.js';
import { Session } from './session.js';
import type { Conn } from './tcp.js';

/** The router's end of an in-memory connection. */
class Wire {
  readonly sent: BgpMessage[] = [];
  #data?: (b: Buffer) => void;
  #close?: (d: string) => void;
  closed = false;
  readonly conn: Conn = {
    localAddress: '192.0.2.11',
    remoteAddress: '192.0.2.1',
    write: (b) => { for (const m of splitMessages(Buffer.from(b)).messages) this.sent.push(decodedValue(decodeMessage(m, { fourOctetAs: true }))); },
    close: () => { this.closed = true; },
    onData: (fn) => { this.#data = fn; },
    onClose: (fn) => { this.#close = fn; },
  };
  push(b: Buffer): void { this.#data?.(b); }
  hangUp(): void { this.closed = true; this.#close?.('connection reset'); }
  types(): string[] { return this.sent.map((m) => m.type); }
}

const base: FsmConfig = { localAs: 64513, peerAs: 64512, routerId: '192.0.2.11', holdTime: 90, families: ['ipv4', 'ipv6'], passive: false, retryMs: 1000, maxRetryMs: 120_000 };
const GR_HELPER = { kind: 'gracefulRestart', restarting: false, notification: false, restartTime: 120, families: [] } as const;
const routerOpen = (asn = 64512, hold = 180, extra: Capability[] = []) => encodeOpen(openFor(asn, hold, '192.0.2.1', [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'multiprotocol', afi: 2, safi: 1 }, { kind: 'fourOctetAs', asn }, ...extra]));
const flush = () => new Promise((r) => setImmediate(r));

function setup(cfg: Partial<FsmConfig> = {}) {
  const clock = new ManualClock();
  const wires: Wire[] = [];
  const registry = new Registry();
  let failDial: string | undefined;
  const s = new Session({
    fsm: { ...base, ...cfg },
    peer: '192.0.2.1',
    clock,
    dial: async () => {
      if (failDial) throw Object.assign(new Error(failDial), { reason: 'timeout' });
      const w = new Wire();
      wires.push(w);
      return w.conn;
    },
    log: pino({ level: 'silent' }),
    metrics: new BgpMetrics(registry),
    nextHop6: ['2001:db8:0:1::11'],
  });
  return { s, clock, wires, registry, failDialWith: (m: string | undefined) => { failDial = m; } };
}

async function establish(t: ReturnType<typeof setup>, open = routerOpen()): Promise<Wire> {
  t.s.start();
  await flush();
  const w = t.wires.at(-1);
  if (!w) throw new Error('no dial');
  w.push(open);
  w.push(encodeKeepalive());
  return w;
}

const route = (prefix: string, extra: Partial<{ communities: number[]; localPref: number }> = {}) => ({ prefix, communities: extra.communities ?? [], largeCommunities: [], ...(extra.localPref ? { localPref: extra.localPref } : {}) });

describe('session', () => {
  test('dials, negotiates hold min(90,180), reaches Established and sends routes then End-of-RIB', async () => {
    const t = setup();
    t.s.set([route('203.0.113.5/32'), route('203.0.113.6/32'), route('2001:db8:0:2::5/128')]);
    const w = await establish(t);
    expect(t.s.state).toBe('Established');
    expect(t.s.negotiated).toMatchObject({ holdTime: 90, keepaliveTime: 30, ibgp: false, families: ['ipv4', 'ipv6'] });
    const updates = w.sent.filter((m): m is UpdateMessage => m.type === 'update');
    expect(updates[0]?.nlri).toEqual(['203.0.113.5/32', '203.0.113.6/32']); // one UPDATE for both
    expect(updates[0]?.attributes).toContainEqual({ kind: 'nextHop', address: '192.0.2.11' });
    expect(updates[0]?.attributes).toContainEqual({ kind: 'asPath', segments: [{ type: 2, asns: [64513] }] });
    expect(updates[1]?.attributes).toContainEqual({ kind: 'mpReach', afi: 2, safi: 1, nextHops: ['2001:db8:0:1::11'], nlri: ['2001:db8:0:2::5/128'] });
    expect(updates.slice(2)).toEqual([
      { type: 'update', withdrawn: [], attributes: [], nlri: [] },
      { type: 'update', withdrawn: [], attributes: [{ kind: 'mpUnreach', afi: 2, safi: 1, withdrawn: [] }], nlri: [] },
    ]);
    expect(await t.registry.getSingleMetricAsString('metallb_bgp_announced_prefixes_total')).toContain('metallb_bgp_announced_prefixes_total{peer="192.0.2.1"} 3');
    expect(await t.registry.getSingleMetricAsString('metallb_bgp_session_up')).toContain('} 1');
  });

  test('keepalives every 30 s; hold timer expiry sends NOTIFICATION 4 and retries', async () => {
    const t = setup();
    const w = await establish(t);
    t.clock.advance(30_000);
    expect(w.types().filter((x) => x === 'keepalive').length).toBe(2); // one for the OPEN, one periodic
    t.clock.advance(60_000);
    const last = w.sent.at(-1);
    expect(last).toMatchObject({ type: 'notification', code: ErrorCode.HoldTimerExpired });
    expect(t.s.state).toBe('Idle');
    expect(w.closed).toBe(true);
    t.clock.advance(1000);
    await flush();
    expect(t.wires.length).toBe(2);
  });

  test('wrong peer AS: NOTIFICATION bad peer AS, then Idle', async () => {
    const t = setup();
    t.s.start();
    await flush();
    const w = t.wires[0] as Wire;
    w.push(routerOpen(64999));
    expect(w.sent.at(-1)).toMatchObject({ type: 'notification', code: ErrorCode.OpenMessage, subcode: OpenSubcode.BadPeerAs });
    expect(t.s.state).toBe('Idle');
  });

  test('hold time 2 from the peer is unacceptable; hold 0 disables keepalives', async () => {
    const t = setup();
    t.s.start();
    await flush();
    (t.wires[0] as Wire).push(routerOpen(64512, 2));
    expect((t.wires[0] as Wire).sent.at(-1)).toMatchObject({ type: 'notification', subcode: OpenSubcode.UnacceptableHoldTime });
    const t2 = setup({ holdTime: 0 });
    const w = await establish(t2);
    t2.clock.advance(1_000_000);
    expect(t2.s.state).toBe('Established');
    expect(w.types().filter((x) => x === 'keepalive').length).toBe(1);
  });

  test('connect failures back off 1, 2, 4 s and count in the metric', async () => {
    const t = setup();
    t.failDialWith('connect timed out (check the TCP-MD5 password)');
    t.s.start();
    await flush();
    expect(t.s.state).toBe('Active');
    for (const ms of [1000, 2000]) {
      t.clock.advance(ms - 1);
      await flush();
      expect(t.s.state).toBe('Active');
      t.clock.advance(1);
      await flush();
    }
    expect(await t.registry.getSingleMetricAsString('metallb_bgp_connect_errors_total')).toContain('reason="timeout"} 3');
  });

  test('set() sends only the difference; withdrawals for removed prefixes', async () => {
    const t = setup();
    t.s.set([route('203.0.113.5/32'), route('2001:db8:0:2::5/128')]);
    const w = await establish(t);
    w.sent.length = 0;
    t.s.set([route('203.0.113.5/32', { communities: [0xfc000001] }), route('203.0.113.7/32')]);
    const ups = w.sent as UpdateMessage[];
    expect(ups[0]).toMatchObject({ attributes: [{ kind: 'mpUnreach', withdrawn: ['2001:db8:0:2::5/128'] }] });
    expect(ups.slice(1).map((u) => u.nlri)).toEqual([['203.0.113.5/32'], ['203.0.113.7/32']]);
    expect(t.s.announced).toBe(2);
  });

  test('iBGP carries LOCAL_PREF and an empty AS_PATH', async () => {
    const t = setup({ peerAs: 64513 });
    t.s.set([route('203.0.113.5/32', { localPref: 200 })]);
    t.s.start();
    await flush();
    const w = t.wires[0] as Wire;
    w.push(routerOpen(64513));
    w.push(encodeKeepalive());
    const u = w.sent.find((m): m is UpdateMessage => m.type === 'update');
    expect(u?.attributes).toContainEqual({ kind: 'localPref', value: 200 });
    expect(u?.attributes).toContainEqual({ kind: 'asPath', segments: [] });
  });

  test('inbound UPDATEs are ignored; a NOTIFICATION from the peer ends the session', async () => {
    const t = setup();
    const w = await establish(t);
    w.push(encodeUpdate({ withdrawn: [], attributes: [{ kind: 'origin', value: 0 }, { kind: 'asPath', segments: [] }, { kind: 'nextHop', address: '192.0.2.1' }], nlri: ['198.51.100.0/24'] }, { fourOctetAs: true }));
    expect(t.s.state).toBe('Established');
    w.push(encodeNotification({ code: 6, subcode: 2, data: new Uint8Array(0) }));
    expect(t.s.state).toBe('Idle');
  });

  test('BFD down sends Cease/BFD down at once', async () => {
    const t = setup();
    const w = await establish(t);
    t.s.bfdDown();
    expect(w.sent.at(-1)).toMatchObject({ type: 'notification', code: ErrorCode.Cease, subcode: CeaseSubcode.BfdDown });
    expect(t.s.state).toBe('Idle');
  });

  test('graceful restart: OPEN carries the capability with R and F set; a graceful stop to a helper sends no NOTIFICATION', async () => {
    const t = setup({ gracefulRestart: { restartTime: 120 } });
    const w = await establish(t, routerOpen(64512, 180, [GR_HELPER]));
    const open = w.sent[0];
    expect(open?.type === 'open' && open.capabilities.find((c) => c.kind === 'gracefulRestart')).toEqual({
      kind: 'gracefulRestart', restarting: true, notification: false, restartTime: 120,
      families: [{ afi: 1, safi: 1, forwardingPreserved: true }, { afi: 2, safi: 1, forwardingPreserved: true }],
    });
    t.s.stop(true);
    expect(w.types()).not.toContain('notification');
    expect(w.closed).toBe(true);
    const t2 = setup();
    const w2 = await establish(t2);
    t2.s.stop();
    expect(w2.sent.at(-1)).toMatchObject({ type: 'notification', code: 6, subcode: CeaseSubcode.AdminShutdown });
  });

  test('graceful restart: R is set only until the first session of the process is up; a later reconnect is no restart', async () => {
    const t = setup({ gracefulRestart: { restartTime: 120 } });
    const w = await establish(t, routerOpen(64512, 180, [GR_HELPER]));
    w.hangUp();
    t.clock.advance(1000);
    await flush();
    const w2 = t.wires.at(-1);
    expect(w2).not.toBe(w);
    const open = w2?.sent[0];
    expect(open?.type === 'open' && open.capabilities.find((c) => c.kind === 'gracefulRestart')).toMatchObject({ restarting: false, restartTime: 120 });
  });

  test('graceful restart: a graceful stop to a router without the capability says Cease, since it would drop our routes anyway', async () => {
    const t = setup({ gracefulRestart: { restartTime: 120 } });
    const w = await establish(t);
    t.s.stop(true);
    expect(w.sent.at(-1)).toMatchObject({ type: 'notification', code: 6, subcode: CeaseSubcode.AdminShutdown });
  });

  test('garbage from the peer: NOTIFICATION with the header error, no crash', async () => {
    const t = setup();
    const w = await establish(t);
    w.push(Buffer.alloc(19, 0));
    expect(w.sent.at(-1)).toMatchObject({ type: 'notification', code: ErrorCode.MessageHeader, subcode: 1 });
  });

  test('passive peers wait for the connection and never dial', async () => {
    const t = setup({ passive: true });
    t.s.start();
    t.clock.advance(300_000);
    await flush();
    expect(t.wires.length).toBe(0);
    expect(t.s.state).toBe('Active');
    const w = new Wire();
    t.s.accept(w.conn);
    expect(w.types()).toEqual(['open']);
    const second = new Wire();
    t.s.accept(second.conn);
    expect(second.closed).toBe(true);
    w.hangUp();
    expect(t.s.state).toBe('Active');
  });
});

describe('UPDATEs from the peer, fuzzed through an Established session', () => {
  const ctx = { fourOctetAs: true };
  /** Attributes a router sends with aggregates and reflected routes, one Buffer each, so a test knows where values lie. */
  const attrs: Array<[kind: string, bytes: number[]]> = [
    ['origin', [0x40, 0x01, 0x01, 0x00]],
    ['asPath', [0x40, 0x02, 0x0a, 0x02, 0x02, 0, 0, 0xfc, 0x00, 0, 0, 0xfd, 0xe8]],
    ['nextHop', [0x40, 0x03, 0x04, 192, 0, 2, 1]],
    ['med', [0x80, 0x04, 0x04, 0, 0, 0, 5]],
    ['atomicAggregate', [0x40, 0x06, 0x00]],
    ['aggregator', [0xc0, 0x07, 0x08, 0, 0, 0xfc, 0x00, 192, 0, 2, 1]],
    ['communities', [0xc0, 0x08, 0x08, 0xfc, 0x00, 0x00, 0x07, 0xff, 0xff, 0xff, 0x01]],
    ['originatorId', [0x80, 0x09, 0x04, 192, 0, 2, 12]],
    ['clusterList', [0x80, 0x0a, 0x04, 192, 0, 2, 1]],
    ['extendedCommunities', [0xc0, 0x10, 0x08, 0x00, 0x02, 0xfc, 0x00, 0, 0, 0, 9]],
    ['largeCommunities', [0xc0, 0x20, 0x0c, 0, 0, 0xfc, 0, 0, 0, 0, 1, 0, 0, 0, 1]],
  ];
  const attrBytes = attrs.flatMap(([, b]) => b);
  const nlri = [0, 24, 198, 51, 100]; // 0.0.0.0/0 and 198.51.100.0/24
  const body = [0, 0, attrBytes.length >> 8, attrBytes.length & 0xff, ...attrBytes, ...nlri];
  const seed = Buffer.from([...new Array<number>(16).fill(0xff), (19 + body.length) >> 8, (19 + body.length) & 0xff, 2, ...body]);
  /** Offsets in `seed` of attribute values and of the Optional/Transitive/Partial bits of attribute flags. */
  const valueAt: number[] = [];
  const flagsAt: number[] = [];
  let off = 19 + 4;
  for (const [, b] of attrs) {
    flagsAt.push(off);
    for (let i = 3; i < b.length; i++) valueAt.push(off + i);
    off += b.length;
  }

  /** Attribute errors that reset: the NOTIFICATION's data is the attribute, and it is one that holds NLRI (RFC 7606 §3i, §5.3). */
  function allowedReset(m: BgpMessage): boolean {
    if (m.type !== 'notification') return false;
    if (m.code === ErrorCode.MessageHeader) return true;
    if (m.code !== ErrorCode.UpdateMessage) return false;
    if (m.subcode === 1 || m.subcode === 2 || m.subcode === 10) return true;
    return [4, 5, 9].includes(m.subcode) && (m.data[1] === 14 || m.data[1] === 15);
  }

  async function up(): Promise<{ t: ReturnType<typeof setup>; w: Wire }> {
    const t = setup();
    t.s.set([route('203.0.113.5/32')]);
    const w = await establish(t);
    w.sent.length = 0;
    return { t, w };
  }

  test('aggregates, a default route, communities of every kind and route-reflector attributes keep the session up', async () => {
    const { t, w } = await up();
    w.push(seed);
    w.push(encodeUpdate({ withdrawn: [], attributes: [{ kind: 'origin', value: 2 }, { kind: 'asPath', segments: [{ type: 2, asns: [64512] }] }, { kind: 'mpReach', afi: 2, safi: 1, nextHops: ['2001:db8:0:1::1'], nlri: ['::/0'] }], nlri: [] }, ctx));
    expect(t.s.state).toBe('Established');
    expect(w.sent).toEqual([]);
    // An eBGP session discards ORIGINATOR_ID and CLUSTER_LIST (RFC 7606 §7.9-7.10): counted, not fatal.
    expect(await t.registry.getSingleMetricAsString('metallb_bgp_update_errors_total')).toContain('metallb_bgp_update_errors_total{peer="192.0.2.1",handling="attribute discard"} 2');
  });

  test('property: changing any byte of an attribute value (or its Optional/Transitive/Partial bits) never resets the session', async () => {
    const { t, w } = await up();
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.boolean(), fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
      async (changes) => {
        const b = Buffer.from(seed);
        for (const [flag, i, v] of changes) {
          if (flag) { const at = flagsAt[i % flagsAt.length] ?? 0; b[at] = (v & 0xe0) | ((b[at] ?? 0) & 0x1f); }
          else b[valueAt[i % valueAt.length] ?? 0] = v;
        }
        w.push(b);
        expect(w.sent.filter((m) => m.type === 'notification')).toEqual([]);
        expect(t.s.state).toBe('Established');
      },
    ), { numRuns: 3000 });
  });

  test('property: any mutation or truncation either leaves the session up or resets it with an error RFC 7606 keeps fatal', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
      fc.option(fc.nat()),
      async (changes, cut) => {
        const { t, w } = await up();
        const b = Buffer.from(seed);
        // Any byte but the marker and the message type (a peer's NOTIFICATION or second OPEN is another story).
        for (const [i, v] of changes) { const at = 16 + (i % (b.length - 17)); b[at < 18 ? at : at + 1] = v; }
        const sent = cut === null ? b : b.subarray(0, cut % b.length);
        w.push(sent);
        const notes = w.sent.filter((m) => m.type === 'notification');
        if (!notes.length) {
          expect(t.s.state).toBe('Established');
          return;
        }
        expect(notes).toHaveLength(1);
        expect(allowedReset(notes[0] as BgpMessage)).toBe(true);
        expect(t.s.state).toBe('Idle');
        expect(w.closed).toBe(true);
        // And it comes back: the retry timer dials again.
        t.clock.advance(1000);
        await flush();
        expect(t.wires.length).toBe(2);
      },
    ), { numRuns: 1500 });
  });

  test('property: how TCP cuts the byte stream into segments changes nothing the session does', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 20 }),
      async (changes, cuts) => {
        const b = Buffer.from(seed);
        for (const [i, v] of changes) b[19 + (i % (b.length - 19))] = v;
        const stream = Buffer.concat([b, encodeKeepalive(), Buffer.from(seed)]);
        const whole = await up();
        whole.w.push(stream);
        const pieces = await up();
        let at = 0;
        for (let k = 0; at < stream.length; k++) {
          const n = cuts[k % cuts.length] ?? 1;
          pieces.w.push(stream.subarray(at, at + n));
          at += n;
        }
        expect(pieces.w.sent).toEqual(whole.w.sent);
        expect(pieces.t.s.state).toBe(whole.t.s.state);
      },
    ), { numRuns: 500 });
  });
});
