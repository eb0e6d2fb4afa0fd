// SPDX-License-Identifier: Apache-2.0
import { JqFilter, jqEach } from './jq.js';

describe('JqFilter', () => {
  test('one result per input, in order, across runs of one process; an input the filter fails on gets its error', async () => {
    const f = new JqFilter('.n | tonumber | select(. > 0)');
    try {
      const inputs = Array.from({ length: 2000 }, (_, i) => ({ n: String(i) }));
      const r = await f.run([...inputs, { n: 'x' }]);
      expect(r.slice(0, 3)).toEqual([{ ok: null }, { ok: 1 }, { ok: 2 }]);
      expect(r[1999]).toEqual({ ok: 1999 });
      expect(r[2000]).toEqual({ err: expect.stringContaining("while parsing 'x'") });
      const [a, b] = await Promise.all([f.run([{ n: '5' }]), f.run([{ n: '6' }, { n: '7' }])]);
      expect([a, b]).toEqual([[{ ok: 5 }], [{ ok: 6 }, { ok: 7 }]]);
    } finally {
      f.close();
    }
  });

  test('gives what jqEach gives, and starts again after it was closed', async () => {
    const filter = '{name: .metadata.name, a: (.metadata.annotations // {} | keys)}';
    const objs = [{ metadata: { name: 'a', annotations: { x: '1' } } }, { metadata: { name: 'b' } }];
    const f = new JqFilter(filter);
    try {
      expect((await f.run(objs)).map((r) => ('ok' in r ? r.ok : r.err))).toEqual(jqEach(filter, objs));
      f.close();
      expect(await f.run([objs[1]])).toEqual([{ ok: { name: 'b', a: [] } }]);
    } finally {
      f.close();
    }
  });

  test('a filter jq cannot compile rejects the run with its message', async () => {
    const f = new JqFilter('.[');
    await expect(f.run([{}])).rejects.toThrow(/jq filter "\.\[" exited 3/);
    f.close();
  });
});
