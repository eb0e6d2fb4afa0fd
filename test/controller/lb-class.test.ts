// SPDX-License-Identifier: Apache-2.0
/**
 * The module's `loadBalancerClass` setting (METALLB_LB_CLASS), through the real API server: as MetalLB's
 * --lb-class, BGP serves exactly the Services of that class and leaves the others alone.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { useApiServer } from '../helpers/apiserver.js';
import { bgpPool, FAST, prepare, replica, statusIps, waitFor, type Cluster } from './cluster.js';
import type { Controller } from '../../images/controller/src/reconciler.js';

const api = useApiServer();
let c: Cluster;
let ctl: Controller;

const service = (name: string, loadBalancerClass?: string): KubernetesObject => ({
  apiVersion: 'v1', kind: 'Service',
  metadata: { name, namespace: 'apps', annotations: { 'network.deckhouse.io/load-balancer-shared-ip-key': 'dns' } },
  spec: { type: 'LoadBalancer', ...(loadBalancerClass ? { loadBalancerClass } : {}), selector: { app: 'dns' }, ports: [{ port: 53, protocol: name.endsWith('udp') ? 'UDP' : 'TCP' }] },
} as KubernetesObject);

beforeAll(async () => {
  c = await prepare(api);
  await c.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  ({ controller: ctl } = await replica(c, 'ctl-lb-class', FAST, { lbClass: 'example.com/bgp' }));
  await waitFor(() => ctl.isLeader(), 10_000, 'leadership');
});

afterAll(async () => {
  await ctl?.stop(true);
});

test('only Services of the configured class get a BGP address; the DNS pair of that class shares it by its shared-ip-key', async () => {
  await c.apply(bgpPool('public', ['203.0.113.0/30']));
  await c.apply(service('dns-tcp', 'example.com/bgp'), service('dns-udp', 'example.com/bgp'), service('classless'), service('other', 'example.com/other'));
  await waitFor(async () => (await statusIps(c, 'service', 'apps', 'dns-udp')).length === 1 && (await statusIps(c, 'service', 'apps', 'dns-tcp')).length === 1, 15_000, 'both statuses');
  expect(await statusIps(c, 'service', 'apps', 'dns-tcp')).toEqual(['203.0.113.0']);
  expect(await statusIps(c, 'service', 'apps', 'dns-udp')).toEqual(['203.0.113.0']);
  await ctl.idle();
  expect(await statusIps(c, 'service', 'apps', 'classless')).toEqual([]);
  expect(await statusIps(c, 'service', 'apps', 'other')).toEqual([]);
});
