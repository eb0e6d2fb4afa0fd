// SPDX-License-Identifier: Apache-2.0
import { pending, renderTable, rows, type Observation } from './table.js';

const base: Observation = {
  at: 0,
  services: [
    { namespace: 'default', name: 'web', mode: 'L2 lab', wanted: 2, ips: ['192.0.2.201', '192.0.2.200'] },
    { namespace: 'default', name: 'bgp', mode: 'BGP', wanted: 1, ips: ['203.0.113.10'] },
  ],
  neighbours: { '192.0.2.200': '02:00:00:00:02:01', '192.0.2.201': '02:00:00:00:02:02' },
  nextHops: { '203.0.113.10/32': ['192.0.2.11', '192.0.2.12'] },
  traffic: { '192.0.2.200': { rps: 50, nodes: ['node-1'], outages: 1, lastOutageMs: 312.4 }, '192.0.2.201': { rps: 49, nodes: ['node-2'], outages: 0 }, '203.0.113.10': { rps: 50, nodes: ['node-1', 'node-2'], outages: 0 } },
  nodeOf: { '02:00:00:00:02:01': 'node-1', '02:00:00:00:02:02': 'node-2', '192.0.2.11': 'node-1', '192.0.2.12': 'node-2' },
};

describe('live view', () => {
  test('one row per Service IP with node, MAC, rate, next hops and outages', () => {
    expect(rows(base)).toEqual([
      { service: 'default/bgp', mode: 'BGP', ip: '203.0.113.10', node: 'node-1,node-2', mac: '-', rps: 50, nextHops: 'node-1,node-2', outages: '0' },
      { service: 'default/web', mode: 'L2 lab', ip: '192.0.2.201', node: 'node-2', mac: '02:00:00:00:02:02 (node-2)', rps: 49, nextHops: '-', outages: '0' },
      { service: 'default/web', mode: 'L2 lab', ip: '192.0.2.200', node: 'node-1', mac: '02:00:00:00:02:01 (node-1)', rps: 50, nextHops: '-', outages: '1 (last 312 ms)' },
    ]);
  });

  test('the table aligns columns and has a header', () => {
    const lines = renderTable(rows(base)).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^SERVICE\s+MODE\s+IP\s+ANSWERED BY\s+CLIENT SEES MAC\s+REQ\/S\s+ROUTER NEXT HOPS\s+OUTAGES$/);
    const col = (lines[0] ?? '').indexOf('IP ');
    expect(lines.slice(1).every((l) => /\d/.test(l.slice(col, col + 1)))).toBe(true);
  });

  test('pending lists what is missing; empty when converged', () => {
    expect(pending(base)).toEqual([]);
    const o: Observation = { ...base, services: [{ namespace: 'default', name: 'web', mode: 'L2 lab', wanted: 3, ips: ['192.0.2.200'] }, { namespace: 'd', name: 'b', mode: 'BGP', wanted: 1, ips: ['203.0.113.11'] }], traffic: {} };
    expect(pending(o)).toEqual(['default/web: 1/3 IPs', '192.0.2.200: no answers yet', '203.0.113.11: no answers yet', '203.0.113.11: no route at the router']);
  });

  test('converged asks for distinct L2 nodes per Service, one node per L2 IP, and the BGP next hops', () => {
    expect(pending(base, { bgpNextHops: 2 })).toEqual([]);
    expect(pending(base, { bgpNextHops: 4 })).toEqual(['203.0.113.10: 2/4 next hops at the router']);
    const same: Observation = { ...base, traffic: { ...base.traffic, '192.0.2.201': { rps: 49, nodes: ['node-1'], outages: 0 } } };
    expect(pending(same)).toEqual(['192.0.2.200: answered by node-1, which also answers 192.0.2.201']);
    const split: Observation = { ...base, traffic: { ...base.traffic, '192.0.2.201': { rps: 49, nodes: ['node-2', 'node-3'], outages: 0 } } };
    expect(pending(split)).toEqual(['192.0.2.201: answered by node-2 and node-3']);
  });

  test('a Service without IPs shows as pending', () => {
    const o: Observation = { ...base, services: [{ namespace: 'a', name: 'b', mode: 'L2 x', wanted: 1, ips: [] }] };
    expect(rows(o)[0]).toMatchObject({ ip: '(pending)', node: '-', rps: 0 });
  });
});
