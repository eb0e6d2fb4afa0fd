// SPDX-License-Identifier: Apache-2.0
import type { V1DaemonSet, V1Pod } from '@kubernetes/client-node';
import { rolloutPending } from './observe.js';

const ds = (desired: number, generation = 2, observed = 2): V1DaemonSet => ({ kind: 'DaemonSet', metadata: { name: 'speaker', uid: 'u', generation }, status: { observedGeneration: observed, desiredNumberScheduled: desired, currentNumberScheduled: desired, numberMisscheduled: 0, numberReady: desired } });
const pod = (name: string, ready: boolean, leaving = false): V1Pod => ({
  metadata: { name, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'speaker', uid: 'u' }], ...(leaving ? { deletionTimestamp: new Date() } : {}) },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('module rollout', () => {
  test('rolled out: every wanted Pod Ready, none leaving, status observed', () => {
    expect(rolloutPending([ds(2)], [pod('a', true), pod('b', true)])).toEqual([]);
  });

  test('a Pod not Ready, a Pod terminating, or a status behind its spec is pending', () => {
    expect(rolloutPending([ds(2)], [pod('a', true), pod('b', false)])).toEqual(['DaemonSet speaker: 1/2 Pods ready']);
    expect(rolloutPending([ds(2)], [pod('a', true), pod('b', true), pod('c', true, true)])).toEqual(['DaemonSet speaker: 1 Pod(s) terminating', 'DaemonSet speaker: 3 Pods for 2 wanted']);
    expect(rolloutPending([ds(2, 3, 2)], [pod('a', true), pod('b', true)])).toEqual(['DaemonSet speaker: status not observed yet']);
  });

  test('a Deployment wants its replicas', () => {
    const d = { kind: 'Deployment', metadata: { name: 'controller', uid: 'u', generation: 1 }, spec: { replicas: 2, selector: {}, template: {} }, status: { observedGeneration: 1 } };
    const p = (n: string) => ({ ...pod(n, true), metadata: { name: n, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'controller', uid: 'u' }] } });
    expect(rolloutPending([d], [p('a')])).toEqual(['Deployment controller: 1/2 Pods ready']);
    expect(rolloutPending([d], [p('a'), p('b')])).toEqual([]);
  });
});
