import fc from 'fast-check';
import type { JsonPatchOp } from '../../lib/hook-sdk/index.js';
import { compileValuesSchema } from '../../lib/schemas/index.js';
import { applyPatches, compactPatches, ModuleValues } from './values.js';

const schema = {
  type: 'object',
  properties: {
    logLevel: { type: 'string', enum: ['Info', 'Debug'], default: 'Info' },
    internal: { type: 'object', default: {}, properties: { pools: { type: 'array', items: { type: 'string' } } } },
  },
};

describe('compactPatches', () => {
  test('a later write of a path drops earlier writes of it and below it', () => {
    const ops: JsonPatchOp[] = [
      { op: 'add', path: '/m/internal', value: {} },
      { op: 'add', path: '/m/internal/a', value: 1 },
      { op: 'add', path: '/m/internal/ab', value: 2 },
    ];
    expect(compactPatches(ops, [{ op: 'add', path: '/m/internal/a', value: 3 }])).toEqual([ops[0], ops[2], { op: 'add', path: '/m/internal/a', value: 3 }]);
    expect(compactPatches(ops, [{ op: 'remove', path: '/m/internal' }])).toEqual([{ op: 'remove', path: '/m/internal' }]);
  });

  test('property: compacted patches give the same document as the full history', () => {
    const key = fc.constantFrom('a', 'b', 'c');
    const op = fc.oneof(
      fc.record({ op: fc.constant('add' as const), path: fc.array(key, { minLength: 1, maxLength: 3 }).map((k) => '/m/' + k.join('/')), value: fc.oneof(fc.integer(), fc.constant({})) }),
      fc.record({ op: fc.constant('remove' as const), path: fc.array(key, { minLength: 1, maxLength: 3 }).map((k) => '/m/' + k.join('/')) }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(op, { maxLength: 4 }), { maxLength: 6 }), (runs) => {
        let full: JsonPatchOp[] = [];
        let compacted: JsonPatchOp[] = [];
        for (const r of runs) {
          full = [...full, ...r];
          compacted = compactPatches(compacted, r);
        }
        expect(applyPatches({ m: {} }, compacted).doc).toEqual(applyPatches({ m: {} }, full).doc);
      }),
    );
  });
});

describe('ModuleValues', () => {
  const mv = () => {
    const v = new ModuleValues('m', { enabledModules: ['m'] }, compileValuesSchema(schema as never, { prefix: ['m'] }));
    v.setConfig({ logLevel: 'Debug' });
    return v;
  };

  test('the committed values are checked once until a commit or new settings change them', () => {
    const v = mv();
    const a = v.check();
    expect(v.check()).toBe(a);
    v.commit([]);
    expect(v.check()).toBe(a);
    v.commit([{ op: 'add', path: '/m/internal/pools', value: ['a'] }]);
    const b = v.check();
    expect(b).not.toBe(a);
    expect(b.values.m).toEqual({ logLevel: 'Debug', internal: { pools: ['a'] } });
    v.setConfig({ logLevel: 'Info' });
    expect(v.check().values.m).toEqual({ logLevel: 'Info', internal: { pools: ['a'] } });
  });

  test('settings, then defaults, then hook patches; global rides along', () => {
    const v = mv();
    expect(v.check().values).toEqual({ global: { enabledModules: ['m'] }, m: { logLevel: 'Debug', internal: {} } });
    v.commit([{ op: 'add', path: '/m/internal/pools', value: ['a'] }]);
    expect(v.check().values.m).toEqual({ logLevel: 'Debug', internal: { pools: ['a'] } });
  });

  test('check does not commit; invalid patches are reported in the schema words', () => {
    const v = mv();
    const r = v.check([{ op: 'add', path: '/m/internal/pools', value: [1] }]);
    expect(r.ok).toBe(false);
    expect(r.errors.join()).toContain('m.internal.pools[0]');
    expect(v.check().values.m).toEqual({ logLevel: 'Debug', internal: {} });
  });

  test('config values patches land in config values and in values', () => {
    const v = mv();
    v.commit([], [{ op: 'replace', path: '/m/logLevel', value: 'Info' }]);
    expect(v.configValues().m).toEqual({ logLevel: 'Info' });
    expect((v.check().values.m as { logLevel: string }).logLevel).toBe('Info');
  });
});
