// SPDX-License-Identifier: Apache-2.0
/**
 * Three node namespaces run the L2 speaker; a client asks with the real arping and ndisc6 and
 * captures with tcpdump, decoded by tshark. Names: mlb-l2a-*.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { L2Lab, l2LabUnavailableReason, labInstances, sleep } from './lab.js';
import { until } from '../helpers/until.js';

const reason = l2LabUnavailableReason();
const REPO = path.resolve(__dirname, '../..');
const suite = reason ? describe.skip : describe;
const V4 = ['192.0.2.200', '192.0.2.201', '192.0.2.202'];
const V6 = ['2001:db8:0:1::200', '2001:db8:0:1::201', '2001:db8:0:1::202'];

suite(`L2 speaker answers ARP and NDP from three nodes${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let lab: L2Lab;
  let owners: Map<string, string>;

  beforeAll(async () => {
    lab = new L2Lab('mlb-l2a-', { nodes: 3 });
    await lab.build();
    lab.setInstances([...labInstances(lab, V4), ...labInstances(lab, V6, 'web6')]);
    for (const n of lab.nodes) lab.startSpeaker(n.name);
    // Each preferred node, once every speaker is up (a busy machine starts them seconds apart).
    owners = new Map([...V4, ...V6].map((ip, i) => [ip, `node-${(i % 3) + 1}`]));
    await lab.waitOwners(owners, 90_000);
  }, 150_000);

  afterAll(async () => {
    await lab?.destroy();
  });

  function arpingMacs(ip: string): { macs: string[]; rc: number } {
    let out = '';
    let rc = 0;
    try {
      out = lab.topo.exec(lab.client, 'arping', ['-c', '3', '-W', '0.2', '-w', '5', '-i', 'eth0', ip]);
    } catch (e) {
      rc = 1;
      out = (e as Error).message;
    }
    const macs = [...out.matchAll(/bytes from ([0-9a-f:]{17}) \(/g)].map((m) => m[1] ?? '');
    return { macs, rc };
  }

  function ndiscMacs(ip: string): string[] {
    const out = lab.topo.exec(lab.client, 'ndisc6', ['-n', '-r', '3', '-w', '1000', ip, 'eth0'], { allowFail: true });
    return [...out.matchAll(/Target link-layer address: ([0-9A-F:]{17})/g)].map((m) => (m[1] ?? '').toLowerCase());
  }

  test('each preferred node owns its address', () => {
    expect(V4.map((ip) => owners.get(ip))).toEqual(['node-1', 'node-2', 'node-3']);
    expect(V6.map((ip) => owners.get(ip))).toEqual(['node-1', 'node-2', 'node-3']);
  });

  test('arping: exactly one MAC per IP, three different MACs, the owner\'s', () => {
    const seen = V4.map((ip) => {
      const { macs } = arpingMacs(ip);
      // On a busy machine some answers come after arping's deadline: at least one, all from one MAC.
      expect({ ip, answered: macs.length > 0 }).toEqual({ ip, answered: true });
      expect(new Set(macs).size).toBe(1);
      expect(macs[0]).toBe(lab.node(owners.get(ip) ?? '').mac);
      return macs[0];
    });
    expect(new Set(seen).size).toBe(3);
  });

  test('ndisc6: exactly one MAC per IP, three different MACs, the owner\'s', () => {
    const seen = V6.map((ip) => {
      const macs = ndiscMacs(ip);
      expect({ ip, macs: new Set(macs).size }).toEqual({ ip, macs: 1 });
      expect(macs[0]).toBe(lab.node(owners.get(ip) ?? '').mac);
      return macs[0];
    });
    expect(new Set(seen).size).toBe(3);
  });

  test('one forged gratuitous ARP or unsolicited NA: the owner defends the address (RFC 5227) and keeps answering', async () => {
    const forger = '02:00:00:00:00:66';
    const owner = lab.node('node-1');
    const n = owner.log.length;
    for (const ip of [V4[0] ?? '', V6[0] ?? '']) {
      lab.topo.exec(lab.client, process.execPath, [path.join(REPO, 'test/bgp/run-ts.js'), path.join(REPO, 'test/l2/forge.ts'), 'eth0', forger, ip]);
    }
    const defended = () => owner.log.slice(n).filter((l) => l.op === 'conflict' && l.mac === forger);
    await until('both addresses defended', () => defended().length >= 2, 10_000);
    expect(defended().map((l) => [l.ip, l.yielded])).toEqual([[V4[0], false], [V6[0], false]]);
    await sleep(1500);
    expect(lab.owners().get(V4[0] ?? '')).toEqual(['node-1']);
    expect(lab.owners().get(V6[0] ?? '')).toEqual(['node-1']);
    expect(new Set(arpingMacs(V4[0] ?? '').macs)).toEqual(new Set([owner.mac]));
    expect(new Set(ndiscMacs(V6[0] ?? ''))).toEqual(new Set([owner.mac]));
  }, 30_000);

  test('nobody answers for an address nobody owns', () => {
    const { macs, rc } = arpingMacs('192.0.2.203');
    expect(macs).toEqual([]);
    expect(rc).not.toBe(0);
    expect(ndiscMacs('2001:db8:0:1::203')).toEqual([]);
  });

  test('tcpdump and tshark decode our probes, announcements and answers without errors', async () => {
    const pcap = path.join(lab.dir, 'client.pcap');
    const dump = lab.topo.spawn(lab.client, 'tcpdump', ['-i', 'eth0', '-U', '-w', pcap, 'arp or icmp6']);
    await sleep(700);
    // A new address: probe, then gratuitous ARP / unsolicited NA.
    lab.setInstances([...labInstances(lab, V4), ...labInstances(lab, V6, 'web6'), ...labInstances(lab, ['192.0.2.204', '2001:db8:0:1::204'], 'new')]);
    await lab.waitAnnounced(['192.0.2.204', '2001:db8:0:1::204'], 30_000);
    expect(arpingMacs('192.0.2.204').macs.length).toBeGreaterThan(0);
    expect(ndiscMacs('2001:db8:0:1::204').length).toBeGreaterThan(0);
    // tcpdump may still be writing what the tools already saw.
    await sleep(1500);
    dump.kill('SIGINT');
    await new Promise((r) => dump.once('exit', r));
    expect(fs.statSync(pcap).size).toBeGreaterThan(24);

    const verbose = lab.topo.exec(lab.client, 'tcpdump', ['-r', pcap, '-n', '-vv']);
    const owner = lab.node((await lab.waitAnnounced(['192.0.2.204'])).get('192.0.2.204') ?? '').mac;
    expect(verbose).toMatch(/Request who-has 192\.0\.2\.204 tell 0\.0\.0\.0/); // RFC 5227 probe
    expect(verbose).toMatch(/Request who-has 192\.0\.2\.204 tell 192\.0\.2\.204/); // gratuitous, request form
    expect(verbose).toMatch(new RegExp(`Reply 192\\.0\\.2\\.204 is-at ${owner}`));
    expect(verbose).toMatch(/neighbor advertisement.*tgt is 2001:db8:0:1::204/);
    expect(verbose).not.toMatch(/bad icmp6 cksum|\[\|/);
    expect(verbose).toMatch(/icmp6 sum ok/);

    const tshark = lab.topo.exec(lab.client, 'tshark', ['-r', pcap, '-V']);
    expect(tshark).not.toMatch(/Malformed|Checksum Status: Bad|\[Expert Info \(Error/);
    expect(tshark).toMatch(/Checksum Status: Good/);
    expect(tshark).toMatch(/Flags: 0x20000000, Override/); // unsolicited NA
    expect(tshark).toMatch(/Flags: 0x60000000, Solicited, Override/); // answer to ndisc6
    expect(tshark).toMatch(/\[Is gratuitous: True\]/);
  }, 90_000);
});
