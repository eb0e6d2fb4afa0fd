import { nextStep } from './resolver.js';

const n = (dst: string, state: string[], lladdr?: string) => ({ dst, dev: 'eth0', state, ...(lladdr ? { lladdr } : {}) });

describe('resolver step', () => {
  test('answered addresses are taken with their MAC and their entries dropped, as are failed ones; others wait their turn', () => {
    const pending = ['a', 'b', 'c', 'd', 'e', 'f'];
    const table = [n('a', ['REACHABLE'], '02:00:00:00:02:01'), n('b', ['STALE'], '02:00:00:00:02:02'), n('c', ['FAILED']), n('d', ['INCOMPLETE']), n('router', ['REACHABLE'], '02:00:00:00:00:01')];
    const step = nextStep(pending, table, 3);
    expect([...step.answered]).toEqual([['a', '02:00:00:00:02:01'], ['b', '02:00:00:00:02:02']]);
    expect(step.drop.map((x) => x.dst)).toEqual(['a', 'b', 'c']);
    // d is still being resolved: two more fit in a window of three.
    expect(step.ask).toEqual(['c', 'e']);
  });

  test('an entry with a MAC but INCOMPLETE or FAILED is not an answer', () => {
    const step = nextStep(['a', 'b'], [n('a', ['INCOMPLETE'], '02:00:00:00:02:01'), n('b', ['FAILED'], '02:00:00:00:02:02')], 10);
    expect(step.answered.size).toBe(0);
    expect(step.ask).toEqual(['b']);
  });
});
