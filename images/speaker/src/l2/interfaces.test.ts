// SPDX-License-Identifier: Apache-2.0
import { interfaceAllowed, isExcluded, usableLinks } from './interfaces.js';

describe('interfaces', () => {
  test('the module exclusion list', () => {
    for (const n of ['docker0', 'cbr0', 'dummy0', 'virbr0', 'lxcbr0', 'veth1234', 'lo', 'cali123', 'tunl0', 'flannel.1', 'kube-ipvs0', 'cni0', 'nodelocaldns', 'cilium_vxlan']) expect({ n, ex: isExcluded(n) }).toEqual({ n, ex: true });
    // The lab's and common node interfaces must not match.
    for (const n of ['eth0', 'ens3', 'bond0', 'eth0.100', 'lo1', 'mlb-l2a']) expect({ n, ex: isExcluded(n) }).toEqual({ n, ex: false });
  });

  test('class interfaces: empty means all not excluded', () => {
    expect(interfaceAllowed('eth0', [])).toBe(true);
    expect(interfaceAllowed('eth1', ['eth0'])).toBe(false);
    expect(interfaceAllowed('eth0', ['eth0'])).toBe(true);
    expect(interfaceAllowed('docker0', ['docker0'])).toBe(false);
  });

  test('usable links skip down, enslaved, NOARP and excluded ones', () => {
    const base = { mac: '02:00:00:00:00:01', up: true, enslaved: false, noArp: false };
    const got = usableLinks([
      { ...base, name: 'eth0' },
      { ...base, name: 'eth1', up: false },
      { ...base, name: 'eth2', enslaved: true },
      { ...base, name: 'eth3', noArp: true },
      { ...base, name: 'veth9' },
    ]);
    expect(got.map((l) => l.name)).toEqual(['eth0']);
  });
});
