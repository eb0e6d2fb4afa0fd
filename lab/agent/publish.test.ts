// SPDX-License-Identifier: Apache-2.0
import type { V1PodSpec } from '@kubernetes/client-node';
import { workloadStatus } from '../apiserver/workload-status.js';
import type { KObject } from '../apiserver/types.js';
import type { PodRef } from './desired.js';
import { AGENT_LABEL, automounts, byPod, podObject, podStatus, SA_MOUNT } from './publish.js';
import type { UnitStatus } from './supervisor.js';

const spec: V1PodSpec = { serviceAccountName: 'speaker', containers: [{ name: 'speaker', image: 'registry.example/metallb/speaker:dev' }] };
const ref = (name: string, node: string, kind: 'DaemonSet' | 'Deployment', owner: string, container: string): PodRef => ({ namespace: 'd8-metallb', name, node, container, hostNetwork: kind === 'DaemonSet', owner: { kind, name: owner, uid: `uid-${owner}` }, slot: node, labels: { app: owner }, podIP: '192.0.2.11', spec });
const unit = (p: PodRef, state: UnitStatus['state'], restarts = 0, ready = state === 'running'): UnitStatus => ({
  key: `pod:${p.name}/${p.container}`, kind: 'pod', netns: `mlab-${p.node}`, restarts, state, ready, ...(restarts ? { lastExit: 'signal SIGKILL' } : {}), pod: p,
});

describe('the Pods a node agent publishes', () => {
  test('a Pod is created Pending, owned by its workload, with the service-account volume mounted in every container', () => {
    const o = podObject(ref('speaker-a-node-1', 'node-1', 'DaemonSet', 'speaker', 'speaker'), true);
    expect(o.metadata?.labels).toEqual({ app: 'speaker', [AGENT_LABEL]: 'true' });
    expect(o.metadata?.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'speaker', uid: 'uid-speaker', controller: true, blockOwnerDeletion: true }]);
    expect(o.spec?.nodeName).toBe('node-1');
    const vol = o.spec?.volumes?.[0];
    expect(vol?.name).toMatch(/^kube-api-access-[0-9a-f]{5}$/);
    expect(vol?.projected?.sources?.map((s) => Object.keys(s)[0])).toEqual(['serviceAccountToken', 'configMap', 'downwardAPI']);
    expect(o.spec?.containers[0]?.volumeMounts).toEqual([{ name: vol?.name, mountPath: SA_MOUNT, readOnly: true }]);
    expect(podObject(ref('p', 'node-1', 'DaemonSet', 'speaker', 'speaker'), false).spec?.volumes).toBeUndefined();
  });

  test('the pod\'s automountServiceAccountToken wins over its ServiceAccount\'s', () => {
    expect(automounts({ containers: [], automountServiceAccountToken: true }, { automountServiceAccountToken: false })).toBe(true);
    expect(automounts({ containers: [] }, { automountServiceAccountToken: false })).toBe(false);
    expect(automounts({ containers: [] }, {})).toBe(true);
  });

  test('status: phase, readiness (a failing readiness probe is Running but not Ready) and restarts', () => {
    const units = [unit(ref('a', 'node-1', 'DaemonSet', 'speaker', 'speaker'), 'waiting', 3), unit(ref('b', 'node-1', 'Deployment', 'controller', 'controller'), 'running', 1, false), unit(ref('c', 'node-1', 'Deployment', 'controller', 'controller'), 'running')];
    const s = [...byPod(units).values()].map((us) => podStatus(us));
    expect(s.map((x) => [x.phase, x.conditions?.[0]?.status, x.containerStatuses?.[0]?.restartCount])).toEqual([['Pending', 'False', 3], ['Running', 'False', 1], ['Running', 'True', 0]]);
    expect(s[0]?.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'signal SIGKILL' } });
    expect(s[0]?.containerStatuses?.[0]?.image).toBe('registry.example/metallb/speaker:dev');
  });
});

describe('workload status from the Pods', () => {
  const pod = (name: string, kind: string, owner: string, ready: boolean): KObject => ({ metadata: { name, namespace: 'd8-metallb', ownerReferences: [{ apiVersion: 'apps/v1', kind, name: owner, uid: `uid-${owner}` }] }, status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] } });
  const pods = [pod('s1', 'DaemonSet', 'speaker', true), pod('s2', 'DaemonSet', 'speaker', false), pod('c1', 'Deployment', 'controller', true), pod('c2', 'Deployment', 'controller', false)];
  const nodes: KObject[] = [{ metadata: { name: 'node-1' } }, { metadata: { name: 'node-2' } }, { metadata: { name: 'node-3' } }];

  test('DaemonSet and Deployment ready counts', () => {
    const ds: KObject = { kind: 'DaemonSet', metadata: { name: 'speaker', namespace: 'd8-metallb', uid: 'uid-speaker' }, spec: { template: { spec: { containers: [] } } } };
    const dep: KObject = { kind: 'Deployment', metadata: { name: 'controller', namespace: 'd8-metallb', uid: 'uid-controller', generation: 2 }, spec: { replicas: 2 } };
    expect(workloadStatus(dep, pods, nodes)).toEqual({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 });
    expect(workloadStatus(ds, pods, nodes)).toEqual({ observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberReady: 1, numberAvailable: 1, numberMisscheduled: 0, numberUnavailable: 2 });
  });
});
