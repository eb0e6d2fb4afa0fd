// SPDX-License-Identifier: Apache-2.0
import type { V1EndpointSlice, V1Node } from '@kubernetes/client-node';
import type { L2Advertisement, SDNInternalL2LBService } from '../../../../../lib/schemas/types.generated.js';
import { configFor } from '../../../../../lib/config/model.js';
import { desiredL2 as desiredFromConfig, peerAddresses } from './desired.js';

/** The L2Advertisements read by the config model with no earlier version, then the instances' share. */
const desiredL2 = (instances: SDNInternalL2LBService[], advs: L2Advertisement[], nodes: V1Node[], slices: V1EndpointSlice[]): ReturnType<typeof desiredFromConfig> =>
  desiredFromConfig(instances, configFor({ l2Advertisements: advs }), nodes, slices);

const node = (name: string, labels: Record<string, string> = {}, ip = ''): V1Node => ({
  metadata: { name, labels },
  status: { addresses: ip ? [{ type: 'InternalIP', address: ip }] : [] },
});
const adv = (name: string, spec: L2Advertisement['spec'] = {}): L2Advertisement => ({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name, namespace: 'd8-metallb' }, spec });
const instance = (name: string, ip: string | undefined, annotations: Record<string, string>, etp = 'Cluster'): SDNInternalL2LBService => ({
  apiVersion: 'internal.network.deckhouse.io/v1alpha1',
  kind: 'SDNInternalL2LBService',
  metadata: { name, namespace: 'default', labels: { 'parent-service': 'web' }, annotations },
  spec: { serviceRef: { namespace: 'default', name: 'web' }, externalTrafficPolicy: etp, loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io' },
  ...(ip ? { status: { loadBalancer: { ingress: [{ ip }] } } } : {}),
} as SDNInternalL2LBService);

const nodes = [node('n1', { zone: 'a' }, '192.0.2.11'), node('n2', { zone: 'b' }, '192.0.2.12'), node('n3', { zone: 'a', 'node.kubernetes.io/exclude-from-external-load-balancers': '' }, '192.0.2.13')];

describe('desiredL2', () => {
  test('empty cluster', () => {
    expect(desiredL2([], [], [], [])).toEqual({ instances: [], problems: [], groups: [] });
  });

  test('IP from status, preferred node and class from annotations, eligible from the L2Advertisement', () => {
    const got = desiredL2(
      [instance('web-c-0', '192.0.2.200', { 'metallb.io/address-pool': 'c', 'metallb.io/preferredL2SpeakerNode': 'n1' })],
      [adv('c', { nodeSelectors: [{ matchLabels: { zone: 'a' } }], interfaces: ['eth0'] })],
      nodes,
      [],
    );
    expect(got.instances).toEqual([{ key: 'default/web-c-0', service: { namespace: 'default', name: 'web' }, ip: '192.0.2.200', preferred: 'n1', eligible: ['n1'], interfaces: ['eth0'] }]);
  });

  test("each class's node group is returned, and its instances share it as their eligible nodes", () => {
    const got = desiredL2(
      [instance('web-c-0', '192.0.2.200', { 'metallb.io/address-pool': 'c' }), instance('web-c-1', '192.0.2.201', { 'metallb.io/address-pool': 'c' })],
      [adv('c', { nodeSelectors: [{ matchLabels: { zone: 'a' } }] }), adv('all')],
      nodes,
      [],
    );
    expect(got.groups).toEqual([['n1'], ['n1', 'n2']]);
    expect(got.instances[0]?.eligible).toBe(got.instances[1]?.eligible);
  });

  test('externalTrafficPolicy Local: only nodes with ready endpoints', () => {
    const slice: V1EndpointSlice = {
      addressType: 'IPv4',
      metadata: { namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
      endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'n2', conditions: { ready: true } }, { addresses: ['10.0.0.2'], nodeName: 'n1', conditions: { ready: false } }],
    };
    const got = desiredL2([instance('web-c-0', '192.0.2.200', { 'metallb.io/address-pool': 'c' }, 'Local')], [adv('c')], nodes, [slice]);
    expect(got.instances[0]?.eligible).toEqual(['n2']);
  });

  test('a node whose kubelet went silent (Ready Unknown) hands its addresses over, unless no node is Ready', () => {
    const ready = (n: V1Node, status: string): V1Node => ({ ...n, status: { ...n.status, conditions: [{ type: 'Ready', status }] } });
    const i = [instance('web-c-0', '192.0.2.200', { 'metallb.io/address-pool': 'c' })];
    expect(desiredL2(i, [adv('c')], [ready(nodes[0]!, 'Unknown'), ready(nodes[1]!, 'True')], []).instances[0]?.eligible).toEqual(['n2']);
    expect(desiredL2(i, [adv('c')], [ready(nodes[0]!, 'Unknown'), ready(nodes[1]!, 'False')], []).instances[0]?.eligible).toEqual(['n1', 'n2']);
  });

  test('problems are reported, not thrown', () => {
    const got = desiredL2(
      [instance('a', undefined, { 'metallb.io/address-pool': 'c' }), instance('b', '192.0.2.201', { 'metallb.io/address-pool': 'gone' }), instance('d', '192.0.2.202', { 'metallb.io/address-pool': 'bad' })],
      [adv('c'), adv('bad', { nodeSelectors: [{ matchExpressions: [{ key: 'x', operator: 'Near' }] }] })],
      nodes,
      [],
    );
    expect(got.instances).toEqual([]);
    expect(got.problems.map((p) => [p.key, p.reason])).toEqual([['default/a', 'noAddress'], ['default/b', 'noAdvertisement'], ['default/d', 'invalidAdvertisement']]);
    expect(got.problems[2]?.message).toMatch(/Near/);
  });

  test('peers from InternalIP', () => {
    expect(peerAddresses([...nodes, node('n4')])).toEqual([{ node: 'n1', address: '192.0.2.11' }, { node: 'n2', address: '192.0.2.12' }, { node: 'n3', address: '192.0.2.13' }]);
  });
});
