// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { agreedBy, candidates, electOwner, fallbackOrder, shouldAnnounce, type PeerReport } from './owner.js';

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

/** Who hears whom (a -> the nodes a hears); views are exchanged, so each node knows what every node it hears hears. */
type Hears = ReadonlyMap<string, ReadonlySet<string>>;

/** What `self` knows of each peer once views, then candidates, were exchanged. */
function reports(self: string, hears: Hears, holding: ReadonlySet<string> = new Set()): Map<string, PeerReport> {
  const bare = (me: string): Map<string, PeerReport> => {
    const out = new Map<string, PeerReport>();
    for (const [n, h] of hears) if (n !== me) out.set(n, { up: hears.get(me)?.has(n) === true, holding: holding.has(n), view: [...h].filter((x) => x !== n), cands: [] });
    return out;
  };
  const out = bare(self);
  for (const [n, r] of out) out.set(n, { ...r, cands: [...candidates(n, holding.has(n), bare(n))] });
  return out;
}

/** The nodes that announce `ip`: each elects among its candidates, and only where every peer it hears agrees. */
function announcers(ip: string, hears: Hears, preferred?: string, holding: ReadonlySet<string> = new Set()): string[] {
  const ns = [...hears.keys()];
  return ns.filter((n) => {
    if (holding.has(n)) return false;
    const rs = reports(n, hears, holding);
    const c = candidates(n, false, rs);
    return electOwner({ ip, preferred, eligible: ns, usable: (x) => c.has(x) }) === n && agreedBy({ ip, preferred, eligible: ns, usable: all }, n, rs);
  });
}

const mesh = (nodes: readonly string[]): Map<string, Set<string>> => new Map(nodes.map((n) => [n, new Set(nodes.filter((m) => m !== n))]));
const names = fc.uniqueArray(fc.constantFrom<string>('n1', 'n2', 'n3', 'n4', 'n5', 'n6'), { minLength: 1 });
const pref = (ns: readonly string[]) => fc.option(fc.constantFrom(...ns, 'gone'), { nil: undefined });

describe('agreed candidates', () => {
  test('everyone hears everyone: one announcer, the plain election winner', () => {
    fc.assert(fc.property(names.chain((ns) => fc.tuple(fc.constant(ns), fc.ipV4(), pref(ns))), ([ns, ip, p]) => {
      expect(announcers(ip, mesh(ns), p)).toEqual([electOwner({ ip, preferred: p, eligible: ns, usable: all })]);
    }));
  });

  test('split into groups that do not hear each other: one announcer per group', () => {
    fc.assert(fc.property(names.chain((ns) => fc.tuple(fc.constant(ns), fc.array(fc.integer({ min: 0, max: 2 }), { minLength: ns.length, maxLength: ns.length }), fc.ipV4(), pref(ns))), ([ns, group, ip, p]) => {
      const g = (n: string): number => group[ns.indexOf(n)] ?? 0;
      const hears = new Map(ns.map((n) => [n, new Set(ns.filter((m) => m !== n && g(m) === g(n)))]));
      const won = announcers(ip, hears, p);
      expect(new Set(won.map(g)).size).toBe(won.length);
      expect(won.length).toBe(new Set(ns.map(g)).size);
    }));
  });

  test('heartbeats lost from one node to some, or from some to one (a stalled sender, a deaf receiver): still exactly one announcer', () => {
    const lossy = names.filter((ns) => ns.length >= 2).chain((ns) => fc.tuple(fc.constant(ns), fc.constantFrom(...ns), fc.subarray(ns), fc.boolean(), fc.ipV4(), pref(ns)));
    fc.assert(fc.property(lossy, ([ns, odd, others, deaf, ip, p]) => {
      const hears = mesh(ns);
      for (const o of others) if (o !== odd) (deaf ? hears.get(odd) : hears.get(o))?.delete(deaf ? o : odd);
      expect(announcers(ip, hears, p).length).toBe(1);
    }));
  });

  test('a node some live speaker declared down stands back; the one that took over is the same for all', () => {
    // n2 stalled: n1 stopped hearing it and took its address; n3 still hears it.
    const hears = new Map([['n1', new Set(['n3'])], ['n2', new Set(['n1', 'n3'])], ['n3', new Set(['n1', 'n2'])]]);
    expect(announcers('192.0.2.200', hears, 'n2')).toEqual([electOwner({ ip: '192.0.2.200', eligible: ['n1', 'n3'], usable: all })]);
  });

  test('a holding node is nobody\'s candidate and its (still empty) view counts for nothing', () => {
    const hears = mesh(['n1', 'n2', 'n3']);
    hears.set('n3', new Set());
    expect(announcers('192.0.2.200', hears, 'n3', new Set(['n3']))).toEqual([electOwner({ ip: '192.0.2.200', eligible: ['n1', 'n2'], usable: all })]);
    expect(candidates('n3', true, reports('n3', mesh(['n1', 'n2', 'n3'])))).toEqual(new Set(['n1', 'n2']));
  });

  test('any views: two nodes that hear each other never both announce', () => {
    const views = names.chain((ns) => fc.tuple(fc.constant(ns), fc.array(fc.subarray(ns), { minLength: ns.length, maxLength: ns.length }), fc.ipV4(), pref(ns)));
    fc.assert(fc.property(views, ([ns, hs, ip, p]) => {
      const hears = new Map(ns.map((n, i) => [n, new Set((hs[i] ?? []).filter((m) => m !== n))]));
      const won = announcers(ip, hears, p);
      const h = (a: string, b: string): boolean => hears.get(a)?.has(b) === true;
      for (const x of won) for (const y of won) if (x !== y) expect(h(x, y) || h(y, x)).toBe(false);
    }), { numRuns: 1000 });
  });

  test('two nodes deaf to each other that both hear a third: the third sees they disagree, and nobody answers until they hear each other', () => {
    const hears = new Map([['n1', new Set(['n3'])], ['n2', new Set(['n3'])], ['n3', new Set(['n1', 'n2'])]]);
    expect(announcers('192.0.2.200', hears, 'n1')).toEqual([]);
  });

  test('a peer that elects someone else for the address holds us back', () => {
    const peers = new Map<string, PeerReport>([['n2', { up: true, holding: false, view: ['n1'], cands: ['n2'] }]]);
    expect(agreedBy({ ip: '192.0.2.200', preferred: 'n1', eligible: ['n1', 'n2'], usable: all }, 'n1', peers)).toBe(false);
    expect(agreedBy({ ip: '192.0.2.200', preferred: 'n1', eligible: ['n1', 'n2'], usable: all }, 'n1', new Map([['n2', { up: true, holding: true, view: [], cands: [] }]]))).toBe(true);
  });
});
