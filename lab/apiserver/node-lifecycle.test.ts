import { nodeVerdict, silentConditions, taintsFor, UNREACHABLE } from './node-lifecycle.js';
import type { KObject } from './types.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const node = (ready: string, heartbeat: number, taints: unknown[] = []): KObject => ({
  metadata: { name: 'node-1', creationTimestamp: at(0) },
  spec: taints.length ? { taints } : {},
  status: { conditions: [{ type: 'Ready', status: ready, reason: 'KubeletReady', lastHeartbeatTime: at(heartbeat), lastTransitionTime: at(0) }, { type: 'MemoryPressure', status: 'False' }] },
});
const lease = (renew: number): KObject => ({ metadata: { name: 'node-1' }, spec: { renewTime: `${at(renew).slice(0, -1)}.000000Z` } });

describe('node lifecycle', () => {
  test('a node is silent once neither its Lease nor its Ready heartbeat is newer than the grace period', () => {
    expect(nodeVerdict(node('True', 0), lease(30), T0 + 60_000, 40_000)).toBe('heard');
    expect(nodeVerdict(node('True', 0), lease(10), T0 + 60_000, 40_000)).toBe('silent');
    expect(nodeVerdict(node('True', 50), undefined, T0 + 60_000, 40_000)).toBe('heard');
  });

  test('a silent node\'s conditions all go Unknown with the controller manager\'s words', () => {
    const c = silentConditions(node('True', 0), T0 + 60_000);
    expect(c.map((x) => [x.type, x.status, x.reason, x.message])).toEqual([
      ['Ready', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
      ['MemoryPressure', 'Unknown', 'NodeStatusUnknown', 'Kubelet stopped posting node status.'],
    ]);
  });

  test('unreachable taints come with Unknown and go with Ready; other taints stay', () => {
    const other = { key: 'dedicated', value: 'x', effect: 'NoSchedule' };
    expect(taintsFor(node('Unknown', 0, [other]), T0).map((t) => `${String(t.key)}:${String(t.effect)}`)).toEqual(['dedicated:NoSchedule', `${UNREACHABLE}:NoSchedule`, `${UNREACHABLE}:NoExecute`]);
    expect(taintsFor(node('True', 0, [other, { key: UNREACHABLE, effect: 'NoExecute' }]), T0)).toEqual([other]);
    expect(taintsFor(node('False', 0), T0).map((t) => t.key)).toEqual(['node.kubernetes.io/not-ready', 'node.kubernetes.io/not-ready']);
  });
});
