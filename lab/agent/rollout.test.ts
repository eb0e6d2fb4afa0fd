// SPDX-License-Identifier: Apache-2.0
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { daemonSetStrategy, deploymentStrategy, scaled, updatable, type SlotState, type UpdateStrategy } from './rollout.js';

const rolling = (maxUnavailable: number): UpdateStrategy => ({ kind: 'RollingUpdate', maxUnavailable });
const slots = (...s: Array<[string, string | undefined, boolean]>): SlotState[] => s.map(([slot, revision, ready]) => ({ slot, revision, ready }));
const go = (s: SlotState[], strategy: UpdateStrategy = rolling(1)): string[] => [...updatable(s, 'new', strategy)].sort();

describe('rolling update', () => {
  test('a changed template replaces the first slot only, then the next once the first is Ready', () => {
    expect(go(slots(['node-1', 'old', true], ['node-2', 'old', true], ['node-3', 'old', true]))).toEqual(['node-1']);
    // node-1's new pod is not Ready yet: nobody else goes
    expect(go(slots(['node-1', 'new', false], ['node-2', 'old', true], ['node-3', 'old', true]))).toEqual(['node-1']);
    // node-1's old pod is gone and the new one not there yet: same
    expect(go(slots(['node-1', undefined, false], ['node-2', 'old', true], ['node-3', 'old', true]))).toEqual(['node-1']);
    expect(go(slots(['node-1', 'new', true], ['node-2', 'old', true], ['node-3', 'old', true]))).toEqual(['node-1', 'node-2']);
    expect(go(slots(['node-1', 'new', true], ['node-2', 'new', true], ['node-3', 'old', true]))).toEqual(['node-1', 'node-2', 'node-3']);
  });

  test('maxUnavailable 2 replaces two at a time', () => {
    expect(go(slots(['a', 'old', true], ['b', 'old', true], ['c', 'old', true]), rolling(2))).toEqual(['a', 'b']);
  });

  test('an old pod that is not Ready is replaced at once, and uses up the budget of the Ready ones', () => {
    expect(go(slots(['a', 'old', true], ['b', 'old', false], ['c', 'old', true]))).toEqual(['b']);
  });

  test('an unavailable slot of any revision holds the rest back', () => {
    expect(go(slots(['a', 'old', true], ['b', 'new', false], ['c', 'old', true]))).toEqual(['b']);
  });

  test('Recreate replaces every pod at once; OnDelete only fills slots without a pod', () => {
    expect(go(slots(['a', 'old', true], ['b', 'old', true]), { kind: 'Recreate' })).toEqual(['a', 'b']);
    expect(go(slots(['a', 'old', true], ['b', undefined, false]), { kind: 'OnDelete' })).toEqual(['b']);
  });

  test('strategies from the workloads, with Kubernetes defaults and percentages', () => {
    expect(scaled('25%', 2, 1, false)).toBe(0);
    expect(scaled('25%', 5, 1, true)).toBe(2);
    expect(scaled(undefined, 4, '50%', false)).toBe(2);
    const ds = (rollingUpdate?: object, type?: string): V1DaemonSet => ({ spec: { selector: {}, template: {}, updateStrategy: { ...(type ? { type } : {}), ...(rollingUpdate ? { rollingUpdate } : {}) } } });
    expect(daemonSetStrategy(ds(), 4)).toEqual(rolling(1));
    expect(daemonSetStrategy(ds({ maxUnavailable: '50%' }), 4)).toEqual(rolling(2));
    expect(daemonSetStrategy(ds(undefined, 'OnDelete'), 4)).toEqual({ kind: 'OnDelete' });
    const dep = (replicas: number, rollingUpdate?: object, type?: string): V1Deployment => ({ spec: { replicas, selector: {}, template: {}, strategy: { ...(type ? { type } : {}), ...(rollingUpdate ? { rollingUpdate } : {}) } } });
    // 25% of 2 rounds down to 0: without surge the lab still replaces one at a time
    expect(deploymentStrategy(dep(2))).toEqual(rolling(1));
    expect(deploymentStrategy(dep(8))).toEqual(rolling(2));
    expect(deploymentStrategy(dep(2, undefined, 'Recreate'))).toEqual({ kind: 'Recreate' });
  });
});
