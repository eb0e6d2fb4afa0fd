// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { accusations, agreedBy, candidates, electOwner, fallbackOrder, shouldAnnounce, type NodeReport } from './owner.js';

const nodes = ['node-a', 'node-b', 'node-c'];
const all = (): boolean => true;

describe('ownership', () => {
  const chain = (ip: string, preferred: string, rest: string[]): string[] => [preferred, ...fallbackOrder(ip, rest)];

  test('the first member of the chain (the preferred node) owns while it is usable', () => {
    expect(electOwner({ ip: '192.0.2.200', chain: chain('192.0.2.200', 'node-b', ['node-a', 'node-c']), usable: all })).toBe('node-b');
  });

  test('a dead first member hands over to the next usable one, in the per-address order', () => {
    const c = chain('192.0.2.200', 'node-b', ['node-a', 'node-c']);
    const usable = (n: string): boolean => n !== 'node-b';
    expect(electOwner({ ip: '192.0.2.200', chain: c, usable })).toBe(c[1]);
  });

  test('nobody usable: no owner; not in the chain: not eligible', () => {
    expect(electOwner({ ip: '192.0.2.200', chain: nodes, usable: () => false })).toBeUndefined();
    expect(shouldAnnounce({ ip: '192.0.2.200', chain: nodes, usable: () => false }, 'node-a')).toBe('noLiveNode');
    expect(shouldAnnounce({ ip: '192.0.2.200', chain: ['node-b'], usable: all }, 'node-a')).toBe('notEligible');
  });

  test('every speaker computes the same order whatever order it lists the nodes in', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 8 }), fc.ipV4(), (ns, ip) => {
      const shuffled = [...ns].reverse();
      expect(fallbackOrder(ip, shuffled)).toEqual(fallbackOrder(ip, ns));
    }));
  });

  test('exactly one owner per address, and it is usable and in the chain', () => {
    fc.assert(fc.property(fc.uniqueArray(fc.constantFrom(...nodes, 'node-d'), { minLength: 1 }), fc.subarray(nodes), fc.ipV4(), (c, dead, ip) => {
      const usable = (n: string): boolean => !dead.includes(n);
      const owner = electOwner({ ip, chain: c, usable });
      const winners = [...nodes, 'node-d'].filter((n) => shouldAnnounce({ ip, chain: c, usable }, n) === true);
      expect(winners.length).toBe(owner === undefined ? 0 : 1);
      if (owner !== undefined) {
        expect(c).toContain(owner);
        expect(usable(owner)).toBe(true);
      }
    }));
  });

  test("a dead node's addresses spread over its backups", () => {
    const owners = new Set<string>();
    for (let i = 200; i < 230; i++) owners.add(electOwner({ ip: `192.0.2.${i}`, chain: chain(`192.0.2.${i}`, 'node-a', ['node-b', 'node-c', 'node-d']), usable: (n) => n !== 'node-a' }) ?? '');
    expect(owners).toEqual(new Set(['node-b', 'node-c', 'node-d']));
  });
});

/** Who hears whom (a -> the nodes a hears); every node watches every other member. */
type Hears = ReadonlyMap<string, ReadonlySet<string>>;

const none = (): boolean => false;

/** Every node's report once statuses, then what they pass on, then their candidates were exchanged. */
function reports(hears: Hears, holding: ReadonlySet<string> = new Set()): Map<string, NodeReport> {
  const ns = [...hears.keys()];
  const others = (n: string): string[] => ns.filter((m) => m !== n);
  let rs = new Map<string, NodeReport>(ns.map((n) => [n, {
    holding: holding.has(n), accused: false, candidate: false, accuses: none, elects: none,
    status: (m: string) => (m === n || !hears.has(m) ? undefined : hears.get(n)?.has(m) ? (holding.has(m) ? 'holding' : 'live') : 'silent'),
  }]));
  const passed = rs;
  rs = new Map(ns.map((n) => {
    const a = accusations(n, others(n), passed);
    return [n, { ...(passed.get(n) as NodeReport), accused: a.accused, accuses: (m: string) => a.accuses.has(m) }];
  }));
  const withAccusations = rs;
  return new Map(ns.map((n) => {
    const c = candidates(n, others(n), withAccusations);
    return [n, { ...(withAccusations.get(n) as NodeReport), candidate: c.has(n), elects: (m: string) => c.has(m) }];
  }));
}

/** The nodes that announce `ip`: each elects among its candidates, and only where every member it hears agrees. */
function announcers(ip: string, hears: Hears, first?: string, holding: ReadonlySet<string> = new Set()): string[] {
  const ns = [...hears.keys()];
  const c = first && ns.includes(first) ? [first, ...fallbackOrder(ip, ns.filter((n) => n !== first))] : fallbackOrder(ip, ns);
  const rs = reports(hears, holding);
  return ns.filter((n) => {
    if (holding.has(n)) return false;
    const cands = candidates(n, ns.filter((m) => m !== n), rs);
    return electOwner({ ip, chain: c, usable: (x) => cands.has(x) }) === n && agreedBy({ ip, chain: c, usable: all }, n, rs);
  });
}

const mesh = (nodes: readonly string[]): Map<string, Set<string>> => new Map(nodes.map((n) => [n, new Set(nodes.filter((m) => m !== n))]));
const names = fc.uniqueArray(fc.constantFrom<string>('n1', 'n2', 'n3', 'n4'), { minLength: 1 });
const pref = (ns: readonly string[]) => fc.option(fc.constantFrom(...ns, 'gone'), { nil: undefined });
const chainOf = (ip: string, ns: string[], p?: string): string[] => (p && ns.includes(p) ? [p, ...fallbackOrder(ip, ns.filter((n) => n !== p))] : fallbackOrder(ip, ns));

describe('agreed candidates', () => {
  test('everyone hears everyone: one announcer, the plain election winner', () => {
    fc.assert(fc.property(names.chain((ns) => fc.tuple(fc.constant(ns), fc.ipV4(), pref(ns))), ([ns, ip, p]) => {
      expect(announcers(ip, mesh(ns), p)).toEqual([electOwner({ ip, chain: chainOf(ip, ns, p), usable: all })]);
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

  test('a node some live member declared down stands back; the one that took over is the same for all', () => {
    // n2 stalled: n1 stopped hearing it and took its address; n3 still hears it.
    const hears = new Map([['n1', new Set(['n3'])], ['n2', new Set(['n1', 'n3'])], ['n3', new Set(['n1', 'n2'])]]);
    const c = chainOf('192.0.2.200', ['n1', 'n2', 'n3'], 'n2');
    expect(announcers('192.0.2.200', hears, 'n2')).toEqual([c.find((n) => n !== 'n2')]);
  });

  test("a holding node is nobody's candidate and its reports count for nothing", () => {
    const hears = mesh(['n1', 'n2', 'n3']);
    hears.set('n3', new Set());
    const c = chainOf('192.0.2.200', ['n1', 'n2', 'n3'], 'n3');
    expect(announcers('192.0.2.200', hears, 'n3', new Set(['n3']))).toEqual([c.find((n) => n !== 'n3')]);
    expect(candidates('n3', ['n1', 'n2'], reports(mesh(['n1', 'n2', 'n3']), new Set(['n3'])))).toEqual(new Set(['n1', 'n2']));
  });

  test('any reports: two nodes that hear each other never both announce', () => {
    const views = names.chain((ns) => fc.tuple(fc.constant(ns), fc.array(fc.subarray(ns), { minLength: ns.length, maxLength: ns.length }), fc.ipV4(), pref(ns)));
    fc.assert(fc.property(views, ([ns, hs, ip, p]) => {
      const hears = new Map(ns.map((n, i) => [n, new Set((hs[i] ?? []).filter((m) => m !== n))]));
      const won = announcers(ip, hears, p);
      const h = (a: string, b: string): boolean => hears.get(a)?.has(b) === true;
      for (const x of won) for (const y of won) if (x !== y) expect(h(x, y) || h(y, x)).toBe(false);
    }), { numRuns: 1000 });
  });

  test('two nodes deaf to each other that both hear a third: the third passes each accusation on, so both stand back and the third answers', () => {
    const hears = new Map([['n1', new Set(['n3'])], ['n2', new Set(['n3'])], ['n3', new Set(['n1', 'n2'])]]);
    expect(announcers('192.0.2.200', hears, 'n1')).toEqual(['n3']);
  });

  test('one node not heard by a peer that not every member hears: the members still elect alike', () => {
    // n4 does not hear n1; only n1 and n2 hear n4. Accusations passed on reach n3 through n2 and n1 itself.
    const hears = new Map([['n1', new Set(['n2', 'n3', 'n4'])], ['n2', new Set(['n1', 'n3', 'n4'])], ['n3', new Set(['n1', 'n2'])], ['n4', new Set(['n2'])]]);
    const rs = reports(hears);
    for (const n of ['n1', 'n2', 'n3']) expect(candidates(n, ['n1', 'n2', 'n3', 'n4'].filter((m) => m !== n), rs).has('n1')).toBe(false);
  });

  test('a member that does not watch a node yet (no opinion) does not accuse it', () => {
    const r = (status: NodeReport['status']): NodeReport => ({ holding: false, accused: false, candidate: true, status, accuses: none, elects: none });
    const rs = new Map<string, NodeReport>([['n1', r((n) => (n === 'n2' ? 'live' : undefined))], ['n2', r((n) => (n === 'n1' ? 'live' : undefined))]]);
    expect(candidates('n2', ['n1', 'n3'], rs)).toEqual(new Set(['n1', 'n2']));
  });

  test('a member that elects someone else for the address holds us back; a holding one does not', () => {
    const c = ['n1', 'n2'];
    const r = (x: Partial<NodeReport>): NodeReport => ({ holding: false, accused: false, candidate: true, status: () => 'live', accuses: none, elects: () => true, ...x });
    const e = { ip: '192.0.2.200', chain: c, usable: all };
    expect(agreedBy(e, 'n1', new Map([['n1', r({})], ['n2', r({ elects: none })]]))).toBe(false);
    expect(agreedBy(e, 'n1', new Map([['n1', r({})], ['n2', r({})]]))).toBe(true);
    expect(agreedBy(e, 'n1', new Map([['n1', r({ status: () => 'holding' })], ['n2', r({ holding: true, elects: none })]]))).toBe(true);
  });
});
