// SPDX-License-Identifier: Apache-2.0
/**
 * Sends one forged claim for an address, as an attacker or a misconfigured host would: a gratuitous ARP (IPv4)
 * or an unsolicited, overriding NA (IPv6) from `mac`. Usage: `node test/bgp/run-ts.js test/l2/forge.ts <interface> <mac> <ip>`.
 */
import { gratuitousArpFrame } from '../../images/speaker/src/l2/wire/arp.js';
import { unsolicitedNaFrame } from '../../images/speaker/src/l2/wire/ndp-na.js';
import { packetLinkAddon } from '../../images/speaker/src/l2/link/packet-link.js';

const [iface = '', mac = '', ip = ''] = process.argv.slice(2);
const link = packetLinkAddon();
const h = link.open(iface, () => undefined);
link.send(h, ip.includes(':') ? unsolicitedNaFrame(mac, ip) : gratuitousArpFrame(mac, ip, 'request'));
link.close(h);
