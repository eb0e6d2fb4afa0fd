// SPDX-License-Identifier: Apache-2.0
import type { V1DaemonSet, V1Deployment, V1Node, V1Pod } from '@kubernetes/client-node';
import { desiredState, loadBalancers, type ClusterView, type Layout } from './desired.js';

const node = (i: number, labels: Record<string, string> = {}, ready = true): V1Node => ({
  metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, ...labels } },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], addresses: [{ type: 'InternalIP', address: `192.0.2.${10 + i}` }] },
});

const layout: Layout = {
  appRoot: '/repo',
  nodeNs: (n) => (/^node-[1-4]$/.test(n) ? `mlab-${n}` : undefined),
  podNs: (w, slot) => `mlab-${w}-${slot}`,
  apiPort: 6443,
  apiSocket: '/repo/lab/out/api.sock',
  kubeconfig: '/repo/lab/out/kubeconfig',
  node: '/usr/bin/node',
};

const speaker: V1DaemonSet = {
  metadata: { name: 'speaker', namespace: 'd8-metallb' },
  spec: { selector: {}, template: { spec: { hostNetwork: true, nodeSelector: { lb: 'yes' }, containers: [{ name: 'speaker', command: ['node', '/app/dist/images/speaker/src/main.js'], env: [{ name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] }] } } },
};
const controller: V1Deployment = {
  metadata: { name: 'controller', namespace: 'd8-metallb' },
  spec: { replicas: 2, selector: {}, template: { spec: { containers: [{ name: 'controller', command: ['node', '/app/dist/images/controller/src/main.js'] }] } } },
};
const empty: ClusterView = { nodes: [], deployments: [], daemonSets: [], secrets: [], configMaps: [], services: [] };

describe('desiredState', () => {
  const view: ClusterView = { ...empty, nodes: [node(1, { lb: 'yes' }), node(2), node(3, { lb: 'yes' }), node(9, { lb: 'yes' })], deployments: [controller], daemonSets: [speaker] };
  const d = desiredState(view, layout);
  const pods = d.units.filter((u) => u.kind === 'pod');

  test('the DaemonSet runs on matching nodes the lab has, in their namespaces', () => {
    expect(pods.filter((u) => u.pod?.container === 'speaker').map((u) => [u.pod?.node, u.netns, u.env.NODE_NAME])).toEqual([
      ['node-1', 'mlab-node-1', 'node-1'],
      ['node-3', 'mlab-node-3', 'node-3'],
    ]);
  });

  test('Deployment replicas spread over Ready nodes, each in its own pod namespace, with the lab kubeconfig', () => {
    const c = pods.filter((u) => u.pod?.container === 'controller');
    expect(c.map((u) => [u.pod?.node, u.netns])).toEqual([['node-1', 'mlab-controller-0'], ['node-2', 'mlab-controller-1']]);
    expect(c[0]?.argv).toEqual(['node', '/repo/dist/images/controller/src/main.js']);
    expect(c[0]?.env.KUBECONFIG).toBe('/repo/lab/out/kubeconfig');
  });

  test('one forwarder per namespace that runs anything, one backend per node', () => {
    expect(d.units.filter((u) => u.kind === 'forwarder').map((u) => u.netns)).toEqual(['mlab-controller-0', 'mlab-controller-1', 'mlab-node-1', 'mlab-node-2', 'mlab-node-3']);
    expect(d.units.filter((u) => u.kind === 'backend').map((u) => u.argv.slice(2))).toEqual([['node-1', '80'], ['node-2', '80'], ['node-3', '80']]);
  });

  test('keys are stable for the same input and change with the template', () => {
    expect(desiredState(view, layout).units.map((u) => u.key)).toEqual(d.units.map((u) => u.key));
    const changed = { ...view, daemonSets: [{ ...speaker, spec: { ...speaker.spec, template: { spec: { ...speaker.spec?.template.spec, containers: [{ name: 'speaker', command: ['node', 'x.js'] }] } } } } as V1DaemonSet] };
    const k = (v: ClusterView): string[] => desiredState(v, layout).units.filter((u) => u.pod?.container === 'speaker').map((u) => u.key);
    expect(k(changed)).not.toEqual(k(view));
  });

  test('a changed template: with the Pods known, only the first node replaces its speaker, the others keep theirs', () => {
    const ds: V1DaemonSet = { ...speaker, metadata: { ...speaker.metadata, uid: 'ds-1' } };
    const v1: ClusterView = { ...view, deployments: [], daemonSets: [ds] };
    const running = desiredState(v1, layout).units.filter((u) => u.pod);
    const pods: V1Pod[] = running.map((u) => ({ metadata: { name: u.pod?.name ?? '', labels: { ...u.pod?.labels }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'speaker', uid: 'ds-1' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }));
    expect(pods.map((p) => [p.metadata?.labels?.['lab.metallb/slot'], p.metadata?.labels?.['controller-revision-hash']?.length])).toEqual([['node-1', 10], ['node-3', 10]]);
    const spec = ds.spec;
    if (!spec) throw new Error('no spec');
    const v2: ClusterView = { ...v1, pods, daemonSets: [{ ...ds, spec: { ...spec, template: { ...spec.template, metadata: { annotations: { release: 'v2' } } } } }] };
    const d2 = desiredState(v2, layout);
    expect(d2.units.filter((u) => u.pod).map((u) => u.pod?.node)).toEqual(['node-1']);
    expect(d2.held).toEqual([{ ownerUid: 'ds-1', slot: 'node-3' }]);
    // without the Pods (no rollout known) every node takes the new template
    const { pods: _known, ...unknown } = v2;
    expect(desiredState(unknown, layout).held).toEqual([]);
  });

  test('no Ready node: the Deployment reports FailedScheduling', () => {
    const r = desiredState({ ...empty, nodes: [node(1, {}, false)], deployments: [controller] }, layout);
    expect(r.problems.map((p) => p.reason)).toEqual(['FailedScheduling', 'FailedScheduling']);
    expect(r.units.filter((u) => u.kind === 'pod')).toEqual([]);
  });

  test('LoadBalancer IPs and TCP ports; other Services ignored', () => {
    expect(loadBalancers([
      { spec: { type: 'LoadBalancer', ports: [{ port: 443 }, { port: 53, protocol: 'UDP' }] }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } } },
      { spec: { type: 'ClusterIP', ports: [{ port: 8080 }] }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } },
      { spec: { type: 'LoadBalancer', ports: [{ port: 80 }] }, status: { loadBalancer: { ingress: [{ ip: '2001:db8:0:1::200' }, { ip: '192.0.2.200' }] } } },
    ])).toEqual({ ips: ['192.0.2.200', '2001:db8:0:1::200', '203.0.113.1'], ports: [80, 443] });
  });
});
