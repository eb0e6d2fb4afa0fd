import fc from 'fast-check';
import { KeyQueue } from './queue.js';

/** Drains a queue. */
function drain(q: KeyQueue): string[] {
  const out: string[] = [];
  for (let k = q.take(); k !== undefined; k = q.take()) out.push(k);
  return out;
}

describe('KeyQueue', () => {
  test('first come, first taken; a waiting key is not added twice', () => {
    const q = new KeyQueue();
    for (const k of ['a', 'b', 'a', 'c']) q.add(k);
    expect(q.size).toBe(3);
    expect(q.take()).toBe('a');
    q.add('a');
    expect(drain(q)).toEqual(['b', 'c', 'a']);
    expect(q.size).toBe(0);
    expect(q.take()).toBeUndefined();
  });

  test('clear forgets every key', () => {
    const q = new KeyQueue();
    for (const k of ['a', 'b', 'c']) q.add(k);
    expect(q.has('a')).toBe(true);
    q.clear();
    expect(q.has('a')).toBe(false);
    expect(q.size).toBe(0);
    expect(q.take()).toBeUndefined();
  });

  test('behaves as an insertion-ordered Set drained from its front, through compaction', () => {
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ op: fc.constant('take' as const), n: fc.integer({ min: 1, max: 1500 }) }),
      fc.record({ op: fc.constant('bulk' as const), n: fc.integer({ min: 0, max: 2500 }) }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      const q = new KeyQueue();
      const model = new Set<string>();
      const taken: Array<string | undefined> = [];
      const expected: Array<string | undefined> = [];
      let bulk = 0;
      for (const o of ops) {
        if (o.op === 'add') {
          q.add(`k${o.key}`);
          model.add(`k${o.key}`);
        } else if (o.op === 'bulk') {
          for (let i = 0; i < o.n; i++, bulk++) {
            q.add(`b${bulk}`);
            model.add(`b${bulk}`);
          }
        } else {
          for (let i = 0; i < o.n; i++) {
            const want = model.values().next();
            if (!want.done) model.delete(want.value);
            expected.push(want.done ? undefined : want.value);
            taken.push(q.take());
          }
        }
        expect(q.size).toBe(model.size);
      }
      expect(taken).toEqual(expected);
      expect(drain(q)).toEqual([...model]);
    }), { numRuns: 100 });
  });
});
