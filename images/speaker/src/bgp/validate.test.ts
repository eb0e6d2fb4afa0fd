import { BgpProtocolError, OpenSubcode } from './errors.js';
import { openFor } from './messages/open.js';
import { validateOpen, type OpenExpectation } from './validate.js';

const want: OpenExpectation = { localAs: 64513, peerAs: 64512, routerId: '192.0.2.11', holdTime: 90, families: ['ipv4', 'ipv6'] };
const mp = (afi: number) => ({ kind: 'multiprotocol' as const, afi, safi: 1 });

function subcodeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof BgpProtocolError) return e.subcode;
    throw e;
  }
  return undefined;
}

describe('validateOpen', () => {
  test.each([
    ['hold min(90, 180), keepalive a third', openFor(64512, 180, '192.0.2.1', [mp(1), mp(2), { kind: 'fourOctetAs', asn: 64512 }]), { holdTime: 90, keepaliveTime: 30, families: ['ipv4', 'ipv6'], fourOctetAs: true, ibgp: false }],
    ['hold 0 disables keepalives', openFor(64512, 0, '192.0.2.1', [mp(1)]), { holdTime: 0, keepaliveTime: 0, families: ['ipv4'] }],
    ['no multiprotocol capability means IPv4 only', openFor(64512, 90, '192.0.2.1', []), { families: ['ipv4'], fourOctetAs: false }],
    ['graceful restart seen', openFor(64512, 90, '192.0.2.1', [{ kind: 'gracefulRestart', restarting: false, notification: false, restartTime: 120, families: [] }]), { peerGracefulRestart: true }],
  ])('%s', (_name, open, expected) => {
    expect(validateOpen(open, want)).toMatchObject(expected);
  });

  test('a configured keepalive shorter than hold/3 is kept', () => {
    expect(validateOpen(openFor(64512, 90, '192.0.2.1', []), { ...want, keepaliveTime: 10 }).keepaliveTime).toBe(10);
  });

  test('errors carry the OPEN subcodes', () => {
    expect(subcodeOf(() => validateOpen(openFor(64999, 90, '192.0.2.1', []), want))).toBe(OpenSubcode.BadPeerAs);
    expect(subcodeOf(() => validateOpen(openFor(64512, 1, '192.0.2.1', []), want))).toBe(OpenSubcode.UnacceptableHoldTime);
    expect(subcodeOf(() => validateOpen(openFor(64512, 90, '0.0.0.0', []), want))).toBe(OpenSubcode.BadBgpIdentifier);
    // iBGP with our own router ID
    expect(subcodeOf(() => validateOpen(openFor(64513, 90, '192.0.2.11', []), { ...want, peerAs: 64513 }))).toBe(OpenSubcode.BadBgpIdentifier);
    // a 4-byte local AS needs the peer's 4-octet AS capability
    expect(subcodeOf(() => validateOpen(openFor(64512, 90, '192.0.2.1', []), { ...want, localAs: 4200000000 }))).toBe(OpenSubcode.UnsupportedCapability);
  });

  test('peer AS 0 accepts any AS (dynamic ASN)', () => {
    expect(validateOpen(openFor(65001, 90, '192.0.2.1', []), { ...want, peerAs: 0 }).peerAs).toBe(65001);
  });
});
