// SPDX-License-Identifier: Apache-2.0
import * as fs from 'node:fs';
import * as path from 'node:path';
import { interfaceAllowed, isExcluded, parseExclusions, usableLinks } from './interfaces.js';

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

  test('the exclusion list from the metallb-excludel2 ConfigMap', () => {
    const ex = parseExclusions('announcedInterfacesToExclude:\n- ^docker.*\n- ^eth9$\n');
    expect(isExcluded('eth9', ex)).toBe(true);
    expect(isExcluded('veth1', ex)).toBe(false);
    expect(interfaceAllowed('eth9', [], ex)).toBe(false);
    expect(() => parseExclusions('announcedInterfacesToExclude: eth0')).toThrow(/must be a list/);
    expect(() => parseExclusions('announcedInterfacesToExclude:\n- "(("\n')).toThrow(/"\(\("/);
  });

  test('the template renders the same list as the built-in one', () => {
    const text = fs.readFileSync(path.resolve(__dirname, '../../../../../templates/speaker/excluded-interfaces.yaml'), 'utf8');
    const block = text.slice(text.indexOf('excludel2.yaml: |') + 'excludel2.yaml: |'.length).split('\n').map((l) => l.replace(/^ {4}/, '')).join('\n');
    const fromTemplate = parseExclusions(block.replace(/\{\{-? end \}\}[\s\S]*$/, ''));
    for (const n of ['docker0', 'veth1', 'lo', 'cilium_vxlan', 'eth0', 'lo1']) expect({ n, ex: isExcluded(n, fromTemplate) }).toEqual({ n, ex: isExcluded(n) });
  });
});
