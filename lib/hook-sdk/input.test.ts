import { buildInput, latestSnapshots } from './input.js';
import { kubernetes, type HookConfig } from './types.js';

const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name } });

describe('buildInput', () => {
  const services = kubernetes({ name: 'services', kind: 'Service', filter: (o) => (o.metadata?.name === 'skip' ? null : { name: o.metadata?.name ?? '' }) });
  const nodes = kubernetes<string>({ name: 'nodes', kind: 'Node', jqFilter: '.metadata.name', keepFullObjectsInMemory: false });
  const config: HookConfig = { kubernetes: [services, nodes] };

  test('snapshots go through the TS filter, nulls dropped; jqFilter results are taken as they are', () => {
    const { input } = buildInput(
      config,
      [{ binding: 'services', type: 'Group', groupName: 'main', snapshots: { services: [{ object: svc('a') }, { object: svc('skip') }], nodes: [{ filterResult: 'n1' }] } }],
      {},
      {},
    );
    expect(input.snapshot(services)).toEqual([{ name: 'a' }]);
    expect(input.snapshot(nodes)).toEqual(['n1']);
    expect(input.snapshot('nodes')).toEqual(['n1']);
    expect(input.hasSnapshot('services')).toBe(true);
    expect(input.snapshot('unknown')).toEqual([]);
  });

  test('a Synchronization without snapshots gives its objects; later contexts win', () => {
    const m = latestSnapshots([
      { binding: 'services', type: 'Synchronization', objects: [{ object: svc('a') }] },
      { binding: 'nodes', type: 'Synchronization', objects: [] },
      { binding: 'services', type: 'Event', watchEvent: 'Added', object: svc('b'), snapshots: { services: [{ object: svc('a') }, { object: svc('b') }] } },
    ]);
    expect(m.get('services')).toHaveLength(2);
    expect(m.get('nodes')).toEqual([]);
  });

  test('effects are collected separately for values, config values, kube and metrics', () => {
    const { input, output } = buildInput(config, [{ binding: 'beforeHelm' }], { metallb: { internal: {} } }, { metallb: {} }, { module: 'metallb' });
    input.values.set('metallb.internal.x', 1);
    input.configValues.set('metallb.y', 2);
    input.kube.deleteInBackground({ kind: 'Pod', name: 'p' });
    input.metrics.set('m', 1);
    expect(output()).toEqual({
      values: [{ op: 'add', path: '/metallb/internal/x', value: 1 }],
      configValues: [{ op: 'add', path: '/metallb/y', value: 2 }],
      kube: [{ operation: 'DeleteInBackground', kind: 'Pod', name: 'p' }],
      metrics: [{ name: 'm', action: 'set', value: 1, labels: {} }],
    });
  });
});
