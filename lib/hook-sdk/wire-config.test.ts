import { configErrors, wireConfig } from './wire-config.js';
import { kubernetes } from './types.js';

describe('wireConfig', () => {
  const services = kubernetes({ name: 'services', apiVersion: 'v1', kind: 'Service', filter: (o) => o.metadata?.name });

  test('a TS filter is dropped and full objects are kept unless a jqFilter projects them; jqFilter passes through with keepFullObjectsInMemory said explicitly', () => {
    const w = wireConfig(
      {
        beforeHelm: 10,
        kubernetes: [services, { name: 'nodes', kind: 'Node', jqFilter: '.metadata.name', keepFullObjectsInMemory: false, executeHookOnEvent: ['Added'] }, { name: 'pods', kind: 'Pod' }, { name: 'lbs', kind: 'Service', jqFilter: '{metadata}', filter: (o) => o.metadata?.name }],
        schedule: [{ name: 'cron', crontab: '*/5 * * * *', includeSnapshotsFrom: ['nodes'] }],
      },
      { name: 'h', path: 'hooks/src/h.ts' },
    );
    expect(w).toEqual({
      configVersion: 'v1',
      metadata: { name: 'h', path: 'hooks/src/h.ts' },
      beforeHelm: 10,
      schedule: [{ name: 'cron', crontab: '*/5 * * * *', includeSnapshotsFrom: ['nodes'] }],
      kubernetes: [
        { name: 'services', apiVersion: 'v1', kind: 'Service', keepFullObjectsInMemory: true },
        { name: 'nodes', kind: 'Node', jqFilter: '.metadata.name', keepFullObjectsInMemory: false, executeHookOnEvent: ['Added'] },
        { name: 'pods', kind: 'Pod', keepFullObjectsInMemory: true },
        { name: 'lbs', kind: 'Service', jqFilter: '{metadata}', keepFullObjectsInMemory: false },
      ],
    });
    expect(JSON.stringify(w)).not.toContain('filter"');
  });

  test('invalid configs are reported, each problem in words', () => {
    expect(configErrors({})).toEqual(['the hook has no bindings']);
    const errs = configErrors({
      onStartup: -1,
      kubernetes: [
        { name: 'a', kind: 'Pod', group: 'g', includeSnapshotsFrom: ['a'] },
        { name: 'a', kind: '' },
        { name: 'b', kind: 'Pod', filter: () => 1, keepFullObjectsInMemory: false },
        { name: 'c', kind: 'Pod', keepFullObjectsInMemory: false },
      ],
      schedule: [{ name: 's', crontab: '* *', includeSnapshotsFrom: ['zzz'] }],
    });
    expect(errs).toEqual([
      'onStartup order must be a non-negative integer, got -1',
      'binding "a": group and includeSnapshotsFrom cannot be combined',
      'binding name "a" is used twice',
      'binding "s": includeSnapshotsFrom names unknown binding "zzz"',
      'binding "a" needs a kind',
      'binding "b": a TS filter without a jqFilter needs keepFullObjectsInMemory',
      'binding "c": keepFullObjectsInMemory false needs a jqFilter',
      'schedule "s": crontab needs 5 or 6 fields, got "* *"',
    ]);
    expect(() => wireConfig({}, { name: 'x', path: 'p' })).toThrow('invalid hook config "x": the hook has no bindings');
  });
});
