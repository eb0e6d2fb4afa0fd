// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { electOwner, fallbackOrder, shouldAnnounce } from './owner.js';

const nodes = ['node-a', 'node-b', 'node-c'];
const all = (): boolean => true;

describe('ownership', () => {
  test('the preferred node owns while it is usable and eligible', () => {
    expect(electOwner({ ip: '192.0.2.200', preferred: 'node-b', eligible: nodes, usable: all })).toBe('node-b');
  });

  test('a dead preferred node hands over to the first usable node of the fallback order', () => {
    const order = fallbackOrder('192.0.2.200', nodes);
    const usable = (n: string): boolean => n !== 'node-b';
    expect(electOwner({ ip: '192.0.2.200', preferred: 'node-b', eligible: nodes, usable })).toBe(order.find(usable));
  });

  test('a preferred node that is not eligible (e.g. no local endpoints) is skipped', () => {
    expect(electOwner({ ip: '192.0.2.200', preferred: 'node-b', eligible: ['node-a', 'node-c'], usable: all })).not.toBe('node-b');
  });

  test('nobody usable: no owner', () => {
    expect(electOwner({ ip: '192.0.2.200', eligible: nodes, usable: () => false })).toBeUndefined();
    expect(shouldAnnounce({ ip: '192.0.2.200', eligible: nodes, usable: () => false }, 'node-a')).toBe('noLiveNode');
    expect(shouldAnnounce({ ip: '192.0.2.200', eligible: ['node-b'], usable: all }, 'node-a')).toBe('notEligible');
  });

  test('every speaker computes the same order whatever order it lists the nodes in', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 8 }), fc.ipV4(), (ns, ip) => {
      const shuffled = [...ns].reverse();
      expect(fallbackOrder(ip, shuffled)).toEqual(fallbackOrder(ip, ns));
    }));
  });

  test('exactly one owner per address, and it is usable and eligible', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.constantFrom(...nodes, 'node-d'), { minLength: 1 }), fc.subarray(nodes), fc.ipV4(), fc.option(fc.constantFrom(...nodes), { nil: undefined }), (eligible, dead, ip, preferred) => {
      const usable = (n: string): boolean => !dead.includes(n);
      const owner = electOwner({ ip, preferred, eligible, usable });
      const winners = [...nodes, 'node-d'].filter((n) => shouldAnnounce({ ip, preferred, eligible, usable }, n) === true);
      expect(winners.length).toBe(owner === undefined ? 0 : 1);
      if (owner !== undefined) {
        expect(eligible).toContain(owner);
        expect(usable(owner)).toBe(true);
      }
    }));
  });

  test('addresses spread over nodes when nobody is preferred', () => {
    const owners = new Set<string>();
    for (let i = 200; i < 230; i++) owners.add(electOwner({ ip: `192.0.2.${i}`, eligible: nodes, usable: all }) ?? '');
    expect(owners.size).toBe(3);
  });
});
