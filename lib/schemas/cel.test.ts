// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { CelError, evalCel, parseCel } from './cel.js';

const run = (rule: string, self: unknown, oldSelf?: unknown) => evalCel(parseCel(rule), { self, ...(oldSelf !== undefined ? { oldSelf } : {}) });

describe('CEL subset', () => {
  test.each([
    ['self == oldSelf', 'a', 'a', true],
    ['self == oldSelf', { a: [1] }, { a: [1] }, true],
    ['self == oldSelf', 'a', 'b', false],
    ['duration(self).getSeconds() >= 1 && duration(self).getSeconds() <= 65535', '120s', undefined, true],
    ['duration(self).getSeconds() >= 1 && duration(self).getSeconds() <= 65535', '500ms', undefined, false],
    ['duration(self).getMilliseconds() % 1000 == 0', '1m30s', undefined, true],
    ['duration(self).getMilliseconds() % 1000 == 0', '1.5s', undefined, false],
    ['size(self) <= 3 && self.all_ok', undefined, undefined, 'error'],
    ['has(self.a) ? self.a > 1 : true', { a: 2 }, undefined, true],
    ['has(self.a) ? self.a > 1 : true', {}, undefined, true],
    ['!(self.x in ["a", "b"]) || self.y.startsWith("p")', { x: 'a', y: 'pq' }, undefined, true],
    ["self.name.matches('^[a-z]+$') && size(self.name) == 3", { name: 'abc' }, undefined, true],
    ['self.items.size() == 2 && self.items[1] - 1 == 4 * 1', { items: [1, 5] }, undefined, true],
    ['-self + 10 / 3 == 1', 2, undefined, true],
  ] as const)('%s on %j', (rule, self, old, want) => {
    if (want === 'error') expect(() => run(rule, self ?? {}, old)).toThrow(CelError);
    else expect(run(rule, self, old)).toBe(want);
  });

  test('a missing field is an evaluation error, as in CEL', () => {
    expect(() => run('self.a == 1', {})).toThrow('no such key: a');
  });

  test('syntax outside the subset is a CelError, never a crash', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (src) => {
        try {
          evalCel(parseCel(src), { self: {}, oldSelf: {} });
        } catch (e) {
          expect(e).toBeInstanceOf(CelError);
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('generated expressions from the grammar parse', () => {
    const atom = fc.oneof(fc.constantFrom('self', 'oldSelf', '1', '"s"', 'true', 'size(self)', 'duration("1s").getSeconds()'), fc.integer({ min: 0, max: 99 }).map(String));
    const e = fc.letrec<{ e: string }>((tie) => ({ e: fc.oneof({ depthSize: 'small' }, atom, fc.tuple(tie('e'), fc.constantFrom('==', '&&', '||', '<', '+', '%', 'in'), tie('e')).map(([a, op, b]) => `(${a} ${op} ${b})`), tie('e').map((a) => `!${a}`)) })).e;
    fc.assert(
      fc.property(e, (src) => {
        expect(() => parseCel(src)).not.toThrow();
      }),
    );
  });
});
