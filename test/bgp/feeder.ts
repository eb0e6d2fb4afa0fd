// SPDX-License-Identifier: Apache-2.0
/**
 * A minimal iBGP peer for namespace tests: it hands the lab router one route that another AS aggregated
 * (ATOMIC_AGGREGATE, AGGREGATOR, every kind of community), so the router passes it on to the speakers.
 * Usage: `node test/bgp/run-ts.js test/bgp/feeder.ts <router address> <AS> <our address> <prefix>`; prints "established".
 * It keeps the session with a KEEPALIVE every 30 s (GoBGP drops a peer that offers hold time 0) and ignores what it hears.
 */
import * as net from 'node:net';
import { encodeKeepalive } from '../../images/speaker/src/bgp/messages/keepalive.js';
import { encodeOpen, openFor } from '../../images/speaker/src/bgp/messages/open.js';
import { encodeUpdate } from '../../images/speaker/src/bgp/messages/update.js';

const [router = '', asText = '', self = '', prefix = ''] = process.argv.slice(2);
const asn = Number(asText);
const sock = net.connect({ host: router, port: 179 }, () => {
  sock.write(encodeOpen(openFor(asn, 90, self, [{ kind: 'multiprotocol', afi: 1, safi: 1 }, { kind: 'fourOctetAs', asn }])));
  sock.write(encodeKeepalive());
  setInterval(() => sock.write(encodeKeepalive()), 30_000);
});
let sent = false;
sock.on('data', () => {
  if (sent) return;
  sent = true;
  sock.write(encodeUpdate({
    withdrawn: [],
    attributes: [
      { kind: 'origin', value: 0 },
      { kind: 'asPath', segments: [{ type: 2, asns: [65010] }] },
      { kind: 'nextHop', address: self },
      { kind: 'localPref', value: 100 },
      { kind: 'atomicAggregate' },
      { kind: 'aggregator', asn: 65010, address: self },
      { kind: 'communities', values: [0xfc000008] },
      { kind: 'extendedCommunities', values: ['0002fc000000000a'] }, // route target 64512:10
      { kind: 'largeCommunities', values: [[64512, 2, 2]] },
    ],
    nlri: [prefix],
  }, { fourOctetAs: true }));
  console.log('established');
});
sock.on('error', (e) => console.error(e.message));
sock.on('close', () => { console.log('closed'); process.exit(1); });
