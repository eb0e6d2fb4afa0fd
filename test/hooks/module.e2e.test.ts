// SPDX-License-Identifier: Apache-2.0
/**
 * The module's own hooks and chart through the module runtime against the embedded API server:
 * the docs example (a class with 3 nodes, a Service asking for 3 IPs) renders 3 SDNInternalL2LBService
 * objects on 3 distinct nodes, the nodes get the member label, the Service is bound to its class,
 * the controller gives the instances their IPs and the Service reads "3 of 3 public IPs were assigned",
 * and a node leaving moves only the instance it held.
 */
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import type { Kube } from '../../lab/runtime/kube.js';
import { fixture } from './harness.js';
import { useModuleE2e } from './module-e2e.js';
import { until as waitUntil } from '../helpers/until.js';

jest.setTimeout(400000);
const e2e = useModuleE2e('hooks-module-e2e');
const { missing, it } = e2e;
let kube: Kube;

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 200000): Promise<T> => waitUntil(what, fn, ms, 200);

const instances = async (): Promise<KubeObject[]> => (await kube.list('internal.network.deckhouse.io/v1alpha1', 'SDNInternalL2LBService', 'web')).items;
const preferred = (o: KubeObject): string => o.metadata?.annotations?.['metallb.io/preferredL2SpeakerNode'] ?? '';

describe(`module hooks and chart in the module runtime${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('the docs example: 3 instances on 3 distinct nodes of the class', async () => {
    kube = e2e.kube();
    e2e.startRuntime();
    await until('the module CRDs', () => kube.list('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass').then(() => true));
    await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
    // The fixture is a snapshot of a cluster with another Service CIDR: the API server allocates the ClusterIP itself.
    const created = fixture('l2-docs-example').map((o) => (o.kind === 'Service' ? { ...o, spec: { ...(o.spec as object), clusterIP: undefined, clusterIPs: undefined } } : o));
    for (const o of created) await until(`creating ${o.kind} ${o.metadata?.name}`, () => kube.create(o).then(() => true));

    const list = await until('3 instances', async () => {
      const l = await instances();
      return l.length === 3 && l;
    });
    expect(list.map((o) => o.metadata?.name).sort()).toEqual(['nginx-ingress-0', 'nginx-ingress-1', 'nginx-ingress-2']);
    expect(new Set(list.map(preferred))).toEqual(new Set(['lb-1', 'lb-2', 'lb-3']));
    for (const o of list) {
      expect(o.metadata?.annotations?.['metallb.io/address-pool']).toBe('ingress');
      expect((o.spec as { serviceRef: unknown }).serviceRef).toEqual({ name: 'nginx', namespace: 'web' });
    }
  });

  it('the class nodes carry the member label and the Service is bound to its class', async () => {
    const labelled = await until('member labels', async () => {
      const nodes = (await kube.list('v1', 'Node')).items.filter((n) => n.metadata?.labels?.['l2-load-balancer.network.deckhouse.io/member'] === '');
      return nodes.length === 3 && nodes;
    });
    expect(labelled.map((n) => n.metadata?.name).sort()).toEqual(['lb-1', 'lb-2', 'lb-3']);
    const svc = await until('the bound condition', async () => {
      const s = await kube.get('v1', 'Service', 'web', 'nginx');
      return ((s?.status as { conditions?: { type: string }[] } | undefined)?.conditions ?? []).length > 0 && s;
    });
    expect((svc.status as { conditions: unknown[] }).conditions).toContainEqual(expect.objectContaining({ type: 'network.deckhouse.io/load-balancer-class', status: 'True', reason: 'LoadBalancerClassBound', message: 'ingress' }));
  });

  it('with the controller: the Service lists its 3 IPs and reads "3 of 3 public IPs were assigned"', async () => {
    await e2e.startController('controller-e2e');
    const svc = await until('3 IPs in the Service status', async () => {
      const s = await kube.get('v1', 'Service', 'web', 'nginx');
      const st = s?.status as { loadBalancer?: { ingress?: { ip: string }[] }; conditions?: { type: string; message?: string }[] } | undefined;
      return (st?.loadBalancer?.ingress ?? []).length === 3 && st?.conditions?.some((c) => c.type === 'AllPublicIPsAssigned') && st;
    });
    const ips = (svc.loadBalancer?.ingress ?? []).map((i) => i.ip);
    expect(new Set(ips).size).toBe(3);
    for (const ip of ips) expect(ip).toMatch(/^192\.0\.2\.(2[0-4]\d|250)$/);
    expect(svc.conditions).toContainEqual(expect.objectContaining({ type: 'AllPublicIPsAssigned', status: 'True', reason: 'AllIPsAssigned', message: '3 of 3 public IPs were assigned' }));
    // Each instance holds one of them.
    const held = (await instances()).map((o) => ((o.status as { loadBalancer?: { ingress?: { ip: string }[] } } | undefined)?.loadBalancer?.ingress ?? [])[0]?.ip).sort();
    expect(held).toEqual([...ips].sort());
  });

  it('a node leaving the class moves only its instance, and says the count is above the node count', async () => {
    const before = new Map((await instances()).map((o) => [o.metadata?.name, preferred(o)]));
    await kube.patch('v1', 'Node', undefined, 'lb-2', 'merge', { metadata: { labels: { 'node-role.kubernetes.io/loadbalancer': null } } });
    const after = await until('instance moved off lb-2', async () => {
      const l = await instances();
      return l.length === 3 && l.every((o) => preferred(o) !== 'lb-2') && l;
    });
    const moved = after.filter((o) => before.get(o.metadata?.name) !== preferred(o));
    expect(moved).toHaveLength(1);
    const ev = await until('CountAboveNodes event', async () => (await kube.list('v1', 'Event', 'web')).items.find((e) => (e as { reason?: string }).reason === 'CountAboveNodes'));
    expect((ev as { message: string }).message).toContain('3 IPs requested but MetalLoadBalancerClass "ingress" has 2 eligible node(s)');
  });
});
