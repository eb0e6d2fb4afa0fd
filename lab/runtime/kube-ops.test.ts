import type { KubeOperation } from '../../lib/hook-sdk/index.js';
import { concurrentRuns } from './kube-ops.js';

const patch = (kind: string, name: string): KubeOperation => ({ operation: 'MergePatch', apiVersion: 'v1', kind, namespace: 'default', name, mergePatch: {} });
const create = (kind: string, name: string, namespace?: string): KubeOperation => ({ operation: 'Create', object: { apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) } } });

describe('concurrentRuns', () => {
  test('consecutive operations of one type and kind on distinct objects go together, in order', () => {
    const ops = [patch('Service', 'a'), patch('Service', 'b'), patch('Service', 'c')];
    expect(concurrentRuns(ops)).toEqual([ops]);
  });

  test('another kind, another operation, or the same object again starts a new run', () => {
    const ns = create('Namespace', 'x');
    const inNs = create('ConfigMap', 'c', 'x');
    const [a, b, a2] = [patch('Service', 'a'), patch('Service', 'b'), patch('Service', 'a')];
    const ev = create('Event', 'e', 'default');
    expect(concurrentRuns([ns, inNs, a, b, a2, ev])).toEqual([[ns], [inNs], [a, b], [a2], [ev]]);
  });

  test('nothing in, nothing out', () => {
    expect(concurrentRuns([])).toEqual([]);
  });
});
