// SPDX-License-Identifier: Apache-2.0
import type { V1DaemonSet, V1Deployment } from '@kubernetes/client-node';
import { AGENT_LABEL, podObjects, workloadStatuses } from './publish.js';
import type { UnitStatus } from './supervisor.js';

const pod = (name: string, node: string, kind: 'DaemonSet' | 'Deployment', owner: string, container: string, state: UnitStatus['state'], restarts = 0, ready = state === 'running'): UnitStatus => ({
  key: `pod:${name}/${container}`, kind: 'pod', netns: `mlab-${node}`, restarts, state, ready, ...(restarts ? { lastExit: 'signal SIGKILL' } : {}),
  pod: { namespace: 'd8-metallb', name, node, container, hostNetwork: kind === 'DaemonSet', owner: { kind, name: owner }, labels: { app: owner }, podIP: '192.0.2.11' },
});

const units: UnitStatus[] = [
  pod('speaker-a-node-1', 'node-1', 'DaemonSet', 'speaker', 'speaker', 'running'),
  pod('speaker-a-node-2', 'node-2', 'DaemonSet', 'speaker', 'speaker', 'waiting', 3),
  pod('controller-b-0', 'node-1', 'Deployment', 'controller', 'controller', 'running', 1),
  pod('controller-b-1', 'node-2', 'Deployment', 'controller', 'controller', 'running', 0, false),
  { key: 'backend:x', kind: 'backend', netns: 'mlab-node-1', restarts: 0, state: 'running', ready: true },
];

describe('published pods and workload status', () => {
  const pods = podObjects(units);

  test('one Pod per pod, labelled for the agent, with phase, readiness and restarts', () => {
    expect(pods.map((p) => [p.metadata?.name, p.spec?.nodeName, p.status?.phase, p.status?.containerStatuses?.[0]?.restartCount])).toEqual([
      ['controller-b-0', 'node-1', 'Running', 1],
      ['controller-b-1', 'node-2', 'Running', 0],
      ['speaker-a-node-1', 'node-1', 'Running', 0],
      ['speaker-a-node-2', 'node-2', 'Pending', 3],
    ]);
    expect(pods[3]?.status?.containerStatuses?.[0]?.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'signal SIGKILL' } });
    expect(pods[0]?.metadata?.labels).toEqual({ app: 'controller', [AGENT_LABEL]: 'true' });
  });

  test('a running pod that fails its readiness probe is Running but not Ready', () => {
    const p = pods[1];
    expect(p?.status?.conditions).toEqual([{ type: 'Ready', status: 'False' }]);
    expect(p?.status?.containerStatuses?.[0]).toMatchObject({ ready: false, state: { running: {} } });
    expect(pods[0]?.status?.conditions).toEqual([{ type: 'Ready', status: 'True' }]);
  });

  test('DaemonSet and Deployment ready counts', () => {
    const ds: V1DaemonSet = { metadata: { name: 'speaker', namespace: 'd8-metallb' }, spec: { selector: {}, template: { spec: { containers: [] } } } };
    const dep: V1Deployment = { metadata: { name: 'controller', namespace: 'd8-metallb' }, spec: { replicas: 2, selector: {}, template: { spec: { containers: [] } } } };
    const nodes = [{ metadata: { name: 'node-1' } }, { metadata: { name: 'node-2' } }, { metadata: { name: 'node-3' } }];
    const s = workloadStatuses({ nodes, deployments: [dep], daemonSets: [ds], secrets: [], configMaps: [], services: [] }, pods);
    expect(s).toEqual([
      { path: '/apis/apps/v1/namespaces/d8-metallb/deployments/controller/status', status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1, unavailableReplicas: 1 } },
      { path: '/apis/apps/v1/namespaces/d8-metallb/daemonsets/speaker/status', status: { observedGeneration: 1, desiredNumberScheduled: 3, currentNumberScheduled: 2, updatedNumberScheduled: 2, numberReady: 1, numberAvailable: 1, numberMisscheduled: 0, numberUnavailable: 2 } },
    ]);
  });
});
