import type { WireHookConfig } from '../../lib/hook-sdk/wire-config.js';
import { compact, eventContext, lifecycleContext, lifecycleOrder, remapBatchConfig, runsOnEvent, scheduleContext, synchronizationContexts, withSnapshots } from './contexts.js';

const obj = (name: string) => ({ object: { kind: 'Pod', metadata: { name } } });
const snaps: Record<string, ReturnType<typeof obj>[]> = { pods: [obj('p1')], nodes: [obj('n1'), obj('n2')], cms: [] };
const snap = (b: string) => snaps[b] ?? [];

const hook: WireHookConfig = {
  configVersion: 'v1',
  metadata: { name: 'h', path: 'hooks/src/h.ts' },
  kubernetes: [
    { name: 'pods', kind: 'Pod', includeSnapshotsFrom: ['nodes'] },
    { name: 'nodes', kind: 'Node', group: 'g' },
    { name: 'cms', kind: 'ConfigMap', group: 'g' },
    { name: 'quiet', kind: 'Secret', executeHookOnSynchronization: false, executeHookOnEvent: [] },
  ],
  schedule: [
    { name: 'cron', crontab: '* * * * *', includeSnapshotsFrom: ['pods'] },
    { name: 'gcron', crontab: '* * * * *', group: 'g' },
  ],
};

describe('binding contexts', () => {
  test('Synchronization: one context per binding with its objects, one Group context per group, none when disabled; snapshots at run time', () => {
    const sync = synchronizationContexts(hook, snap);
    expect(sync).toEqual([
      { binding: 'pods', type: 'Synchronization', objects: [obj('p1')] },
      { binding: 'nodes', type: 'Group', groupName: 'g', snapshots: {} },
    ]);
    expect(withSnapshots(hook, sync, snap)).toEqual([
      { binding: 'pods', type: 'Synchronization', objects: [obj('p1')], snapshots: { nodes: [obj('n1'), obj('n2')] } },
      { binding: 'nodes', type: 'Group', groupName: 'g', snapshots: { nodes: [obj('n1'), obj('n2')], cms: [] } },
    ]);
  });

  test('Event: watchEvent and the object; grouped bindings give a Group context; snapshots are read at run time, once per binding', () => {
    const e = eventContext(hook, 'pods', 'Deleted', obj('p2'));
    expect(e).toEqual({ binding: 'pods', type: 'Event', watchEvent: 'Deleted', object: obj('p2').object });
    expect(eventContext(hook, 'cms', 'Added', obj('c'))).toMatchObject({ binding: 'nodes', type: 'Group', groupName: 'g' });
    const reads: string[] = [];
    const counted = (b: string) => (reads.push(b), snap(b));
    expect(withSnapshots(hook, [e, e], counted)).toEqual([1, 2].map(() => ({ ...e, snapshots: { nodes: snaps.nodes } })));
    expect(reads).toEqual(['nodes']);
  });

  test('Schedule and lifecycle contexts', () => {
    expect(withSnapshots(hook, [scheduleContext(hook, 'cron')], snap)).toEqual([{ binding: 'cron', type: 'Schedule', snapshots: { pods: snaps.pods } }]);
    expect(scheduleContext(hook, 'gcron')).toMatchObject({ type: 'Group', groupName: 'g' });
    expect(lifecycleContext(hook, 'onStartup', snap)).toEqual({ binding: 'onStartup' });
    expect(Object.keys((lifecycleContext(hook, 'beforeHelm', snap) as { snapshots: object }).snapshots)).toEqual(['pods', 'nodes', 'cms', 'quiet']);
  });

  test('executeHookOnEvent filters events; the default is all three', () => {
    expect(runsOnEvent({ name: 'a', kind: 'Pod' }, 'Modified')).toBe(true);
    expect(runsOnEvent({ name: 'a', kind: 'Pod', executeHookOnEvent: ['Added'] }, 'Modified')).toBe(false);
    expect(runsOnEvent({ name: 'a', kind: 'Pod', executeHookOnEvent: [] }, 'Added')).toBe(false);
  });

  test('compaction keeps only the last Group context of each group, events in order', () => {
    const g = (n: number) => ({ binding: 'nodes', type: 'Group' as const, groupName: 'g', snapshots: { n: [obj(String(n))] } });
    const e = { binding: 'pods', type: 'Event' as const, watchEvent: 'Added' as const };
    expect(compact([g(1), e, g(2), e])).toEqual([e, g(2), e]);
    expect(withSnapshots(hook, [g(1)], snap)).toEqual([{ binding: 'nodes', type: 'Group', groupName: 'g', snapshots: { nodes: snaps.nodes, cms: [] } }]);
  });

  test('lifecycle order: by order, then by hook name', () => {
    const h = (name: string, beforeHelm?: number): WireHookConfig => ({ configVersion: 'v1', metadata: { name, path: '' }, ...(beforeHelm !== undefined ? { beforeHelm } : {}) });
    expect(lifecycleOrder([h('b', 10), h('a', 10), h('c', 5), h('d')], 'beforeHelm')).toEqual([2, 1, 0]);
  });

  test('batch hooks: kubernetes bindings are grouped as "main" unless they include snapshots or name a group', () => {
    const r = remapBatchConfig(hook);
    expect(r.kubernetes?.map((k) => k.group)).toEqual([undefined, 'g', 'g', 'main']);
  });
});
