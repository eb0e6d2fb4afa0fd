import fc from 'fast-check';
import { decodedValue } from '../../../../test/helpers/codec.js';
import { decodeMessage, type BgpMessage } from './messages/index.js';
import type { UpdateMessage } from './messages/update.js';
import { announceUpdates, diffRoutes, endOfRib, withdrawUpdates, type Route, type UpdateContext } from './updates.js';

const ctx: UpdateContext = { fourOctetAs: true, localAs: 64513, ibgp: false, nextHop4: '192.0.2.11', nextHop6: ['2001:db8:0:1::11'] };
const route = (prefix: string, communities: number[] = []): Route => ({ prefix, communities, largeCommunities: [] });
const decode = (b: Buffer) => decodedValue(decodeMessage(b, ctx)) as UpdateMessage;

function announced(msgs: Buffer[]): string[] {
  return msgs.map(decode).flatMap((u: UpdateMessage) => [...u.nlri, ...u.attributes.flatMap((a) => (a.kind === 'mpReach' ? a.nlri : []))]);
}

describe('UPDATE packing', () => {
  test('768 IPv4 and 10k IPv6 host routes: every prefix once, every message within 4096 bytes, few messages', () => {
    const v4 = ['192.0.2', '198.51.100', '203.0.113'].flatMap((net) => Array.from({ length: 256 }, (_, i) => `${net}.${i}/32`));
    const v6 = Array.from({ length: 10_000 }, (_, i) => `2001:db8:0:2::${(i + 1).toString(16)}/128`);
    const msgs = announceUpdates([...v4, ...v6].map((p) => route(p)), ctx);
    expect(msgs.every((m) => m.length <= 4096)).toBe(true);
    expect(announced(msgs).sort()).toEqual([...v4, ...v6].sort());
    expect(msgs.length).toBeLessThan(60); // MetalLB's native mode sends 10 768 here
  });

  test('prefixes with different attributes go in different UPDATEs', () => {
    const msgs = announceUpdates([route('203.0.113.1/32', [1]), route('203.0.113.2/32', [2]), route('203.0.113.3/32', [1])], ctx);
    expect(msgs.map(decode).map((u) => u.nlri)).toEqual([['203.0.113.1/32', '203.0.113.3/32'], ['203.0.113.2/32']]);
  });

  test('a 2-byte peer sees AS_TRANS and the real AS in AS4_PATH', () => {
    const c = { ...ctx, fourOctetAs: false, localAs: 4200000001 };
    const u = decodedValue(decodeMessage(announceUpdates([route('203.0.113.1/32')], c)[0] ?? Buffer.alloc(0), c)) as UpdateMessage;
    expect(u.attributes).toContainEqual({ kind: 'asPath', segments: [{ type: 2, asns: [23456] }] });
    expect(u.attributes).toContainEqual({ kind: 'as4Path', segments: [{ type: 2, asns: [4200000001] }] });
  });

  test('withdrawals and End-of-RIB', () => {
    const w = withdrawUpdates(['203.0.113.1/32', '2001:db8:0:2::1/128'], ctx).map(decode);
    expect(w[0]?.withdrawn).toEqual(['203.0.113.1/32']);
    expect(w[1]?.attributes).toEqual([{ kind: 'mpUnreach', afi: 2, safi: 1, withdrawn: ['2001:db8:0:2::1/128'] }]);
    const eor: BgpMessage = decodedValue(decodeMessage(endOfRib('ipv4', ctx), ctx));
    expect(eor).toEqual({ type: 'update', withdrawn: [], attributes: [], nlri: [] });
  });

  test('property: applying diffRoutes moves sent to want', () => {
    const prefixes = fc.uniqueArray(fc.integer({ min: 0, max: 255 }).map((i) => `203.0.113.${i}/32`), { maxLength: 30 });
    fc.assert(fc.property(prefixes, prefixes, fc.integer({ min: 0, max: 3 }), (a, b, comm) => {
      const sent = new Map(a.map((p) => [p, route(p)]));
      const want = new Map(b.map((p) => [p, route(p, comm ? [comm] : [])]));
      const { announce, withdraw } = diffRoutes(sent, want);
      for (const p of withdraw) sent.delete(p);
      for (const r of announce) sent.set(r.prefix, r);
      expect([...sent.keys()].sort()).toEqual([...want.keys()].sort());
      if (!comm) expect(announce.every((r) => !a.includes(r.prefix))).toBe(true);
    }));
  });
});
