// SPDX-License-Identifier: Apache-2.0
/** The BPF filter of the capture: ARP, NS and NA, plain or VLAN-tagged, not sent by us. Pure. */
export function captureFilter(mac: string): string {
  const nd = 'arp or (icmp6 and (ip6[40] == 135 or ip6[40] == 136))';
  return `not ether src ${mac} and (${nd} or (vlan and (${nd})))`;
}
