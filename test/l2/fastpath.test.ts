// SPDX-License-Identifier: Apache-2.0
/**
 * The packet link's fast path with real packets: a small program in a node namespace opens the
 * link (its answering thread and all) and tells it what to answer; a client asks with arping and ndisc6.
 * Names: mlb-l2f-*.
 */
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { ChildProcess } from 'node:child_process';
import { Topology } from '../helpers/netns.js';
import { until } from '../helpers/until.js';
import { REPO, l2LabUnavailableReason } from './lab.js';

const reason = l2LabUnavailableReason();
const suite = reason ? describe.skip : describe;
const NODE_MAC = '02:00:00:00:0f:0b';
const IP4 = '192.0.2.210';
const IP6 = '2001:db8:0:1::210';
const L2 = path.join(REPO, 'dist/images/speaker/src/l2');

// Opens the link on eth0 and speaks JSON lines: {"answer":[ips]} (the whole set; the link is told the change) or {"stallMs":n} in;
// frame / answered / applied / stalled / closed out.
const DRIVER = `const { openPacketLink } = require(${JSON.stringify(path.join(L2, 'link/packet-link.js'))});
const { decodeFrame } = require(${JSON.stringify(path.join(L2, 'wire/frame.js'))});
const say = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
const link = openPacketLink('eth0', process.argv[1]);
link.onFrame((f) => { const d = decodeFrame(f); const m = d.ok ? d.value : undefined;
  say({ ev: 'frame', kind: m ? m.kind : d.error.reason, target: m?.kind === 'arp' ? m.arp.tpa : m?.kind === 'ns' ? m.ns.target : m?.na.target, sender: m?.kind === 'arp' ? m.arp.spa : undefined }); });
link.onAnswered((ip) => say({ ev: 'answered', ip }));
link.onClose((reason) => say({ ev: 'closed', reason }));
let current = new Set();
require('readline').createInterface({ input: process.stdin }).on('line', (l) => { const { answer, stallMs } = JSON.parse(l);
  if (stallMs) { const end = Date.now() + stallMs; while (Date.now() < end); return say({ ev: 'stalled' }); }
  const next = new Set(answer);
  const change = link.answerChange(answer.filter((ip) => !current.has(ip)), [...current].filter((ip) => !next.has(ip)));
  current = next;
  change.then(() => say({ ev: 'applied', count: answer.length })); });`;

type Said = { ev: string; ip?: string; kind?: string; target?: string; sender?: string; count?: number; reason?: string };

suite(`packet link answers by itself what it is told${reason ? ` (skipped: ${reason})` : ''}`, () => {
  const topo = new Topology('mlb-l2f-');
  let node = '';
  let client = '';
  let driver: ChildProcess | undefined;
  const said: Said[] = [];

  beforeAll(async () => {
    const sw = topo.addNamespace('sw');
    topo.addBridge(sw);
    node = topo.addNamespace('n');
    client = topo.addNamespace('c');
    topo.plug(node, sw, 'eth0', { mac: NODE_MAC });
    topo.plug(client, sw, 'eth0', { mac: '02:00:00:00:0f:64' });
    topo.addAddress(node, 'eth0', '192.0.2.11/24');
    topo.addAddress(client, 'eth0', '192.0.2.100/24');
    topo.addAddress(node, 'eth0', '2001:db8:0:1::11/64');
    topo.addAddress(client, 'eth0', '2001:db8:0:1::100/64');
    driver = topo.spawn(node, 'node', ['-e', DRIVER, NODE_MAC], { stdio: ['pipe', 'pipe', 'pipe'] });
    readline.createInterface({ input: driver.stdout! }).on('line', (l) => said.push(JSON.parse(l) as Said));
    // The first change confirmed means the link is up and capturing.
    await answer([]);
  }, 60_000);

  afterAll(async () => {
    await topo.destroy();
  });

  async function answer(ips: string[]): Promise<void> {
    const n = said.length;
    driver?.stdin?.write(`${JSON.stringify({ answer: ips })}\n`);
    await until(`the link applying ${ips.join(',') || 'nothing'}`, () => said.slice(n).some((s) => s.ev === 'applied'), 20_000);
  }

  function arping(ip: string, extra: string[] = []): string[] {
    const out = topo.exec(client, 'arping', ['-c', '3', '-W', '0.2', '-w', '5', '-i', 'eth0', ...extra, ip], { allowFail: true });
    return [...out.matchAll(/bytes from ([0-9a-f:]{17}) \(/g)].map((m) => m[1] ?? '');
  }

  function ndisc(ip: string): string[] {
    const out = topo.exec(client, 'ndisc6', ['-n', '-r', '3', '-w', '1000', ip, 'eth0'], { allowFail: true });
    return [...out.matchAll(/Target link-layer address: ([0-9A-F:]{17})/g)].map((m) => (m[1] ?? '').toLowerCase());
  }

  test('told nothing, it answers nothing and passes the requests on', async () => {
    const n = said.length;
    expect(arping(IP4)).toEqual([]);
    await until('the who-has passed on', () => said.slice(n).some((s) => s.ev === 'frame' && s.kind === 'arp' && s.target === IP4), 10_000);
    expect(said.slice(n).filter((s) => s.ev === 'answered')).toEqual([]);
  }, 30_000);

  test('told two addresses, it answers ARP and NS for them with our MAC and reports each answer', async () => {
    await answer([IP4, IP6]);
    const n = said.length;
    const macs = arping(IP4);
    expect(macs.length).toBeGreaterThan(0);
    expect(new Set(macs)).toEqual(new Set([NODE_MAC]));
    expect(ndisc(IP6)).toContain(NODE_MAC);
    await until('the NS answer reported', () => said.slice(n).some((s) => s.ev === 'answered' && s.ip === IP6), 10_000);
    const answered = said.slice(n).filter((s) => s.ev === 'answered' && s.ip === IP4).length;
    expect(answered).toBeGreaterThanOrEqual(macs.length);
    // Answered here, so not passed on.
    expect(said.slice(n).filter((s) => s.ev === 'frame' && (s.target === IP4 || s.target === IP6) && s.kind !== 'na')).toEqual([]);
  }, 30_000);

  test('someone else claiming an answered address is passed on, not answered', async () => {
    await answer([IP4]);
    const n = said.length;
    // Gratuitous ARP from the client for our address: a conflict for the speaker to see.
    topo.exec(client, 'arping', ['-c', '1', '-U', '-S', IP4, '-i', 'eth0', IP4], { allowFail: true });
    await until('the claim passed on', () => said.slice(n).some((s) => s.ev === 'frame' && s.sender === IP4), 10_000);
    expect(said.slice(n).filter((s) => s.ev === 'answered')).toEqual([]);
  }, 30_000);

  test('told 5,000 addresses at once, it answers the last of them; removing all but one leaves that one', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => `2001:db8:0:1::1:${i.toString(16)}`);
    await answer(many);
    expect(ndisc(many[4999] as string)).toContain(NODE_MAC);
    await answer([many[2500] as string]);
    expect(ndisc(many[4999] as string)).toEqual([]);
    expect(ndisc(many[2500] as string)).toContain(NODE_MAC);
  }, 60_000);

  test('once a change is confirmed, a removed address gets no answer', async () => {
    await answer([IP6]);
    expect(arping(IP4)).toEqual([]);
    await answer([]);
    expect(ndisc(IP6)).toEqual([]);
  }, 30_000);

  test('a speaker whose event loop stalls past its lease gets no answers from its link until it runs again', async () => {
    await answer([IP4]);
    expect(arping(IP4).length).toBeGreaterThan(0);
    const n = said.length;
    driver?.stdin?.write(`${JSON.stringify({ stallMs: 4000 })}\n`);
    await new Promise((r) => setTimeout(r, 800));
    expect(arping(IP4, ['-w', '2'])).toEqual([]);
    await until('the stall over', () => said.slice(n).some((s) => s.ev === 'stalled'), 10_000);
    // Nor queued for the stalled speaker to answer late.
    expect(said.slice(n).filter((s) => s.ev === 'frame' && s.kind === 'arp' && s.target === IP4)).toEqual([]);
    await until('answered again once renewed', () => arping(IP4).length > 0, 10_000);
  }, 30_000);

  test('when the speaker dies, nothing is answered: the answering thread is part of its process', async () => {
    await answer([IP4]);
    expect(arping(IP4).length).toBeGreaterThan(0);
    const pid = driver?.pid ?? 0;
    expect(topo.exec(node, 'sh', ['-c', `cat /proc/${pid}/task/*/children`]).trim()).toBe('');
    const exited = new Promise((r) => driver?.once('exit', r));
    driver?.kill('SIGKILL');
    await exited;
    expect(arping(IP4)).toEqual([]);
  }, 30_000);
});
