// SPDX-License-Identifier: Apache-2.0
import { at, Cluster, fixture, runHook, syncInstances } from '../../test/hooks/harness.js';
import * as hook from './discovery-l2-load-balancers.js';
import type { L2InstanceValue } from './lib/l2-plan.js';

const NOW = new Date('2026-11-25T12:00:00Z');
beforeAll(() => {
  hook.clock.now = () => NOW;
});

type Ev = { reason: string; message: string; involvedObject: { name: string } };
const instancesOf = (values: unknown): L2InstanceValue[] => at(values, 'metallb.internal.l2lbservices') as L2InstanceValue[];
const eventsOf = (r: Awaited<ReturnType<typeof runHook>>): Ev[] =>
  r.output.kube.flatMap((o) => ('object' in o && o.object.kind === 'Event' ? [o.object as unknown as Ev] : []));
const nodesOf = (values: unknown, svc: string): string[] => instancesOf(values).filter((i) => i.serviceName === svc).map((i) => i.preferredNode);

describe('discovery-l2-load-balancers', () => {
  test('empty cluster: empty lists, no operations', async () => {
    const r = await runHook(hook, new Cluster());
    expect(at(r.values, 'metallb.internal.l2loadbalancers')).toEqual([]);
    expect(at(r.values, 'metallb.internal.l2lbservices')).toEqual([]);
    expect(r.output.kube).toEqual([]);
  });

  test('docs example: 3 IPs on 3 distinct nodes of the class, bound in the Service condition', async () => {
    const cluster = new Cluster(fixture('l2-docs-example'));
    const r = await runHook(hook, cluster);
    const inst = instancesOf(r.values);
    expect(inst.map((i) => i.name)).toEqual(['nginx-ingress-0', 'nginx-ingress-1', 'nginx-ingress-2']);
    expect(new Set(inst.map((i) => i.preferredNode))).toEqual(new Set(['lb-1', 'lb-2', 'lb-3']));
    expect(inst[0]).toEqual({
      name: 'nginx-ingress-0',
      namespace: 'web',
      serviceName: 'nginx',
      serviceNamespace: 'web',
      mlbcName: 'ingress',
      preferredNode: inst[0]?.preferredNode,
      clusterIP: '10.222.0.10',
      externalTrafficPolicy: 'Local',
      selector: { app: 'nginx' },
      ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
    });
    const svc = cluster.get('v1', 'Service', 'nginx', 'web') as { status: { conditions: unknown[] } };
    expect(svc.status.conditions).toEqual([
      { type: 'network.deckhouse.io/load-balancer-class', status: 'True', reason: 'LoadBalancerClassBound', message: 'ingress', lastTransitionTime: '2026-11-25T12:00:00Z' },
    ]);
    expect(eventsOf(r)).toEqual([]);
  });

  test('a re-run after the instances exist changes nothing and patches nothing', async () => {
    const cluster = new Cluster(fixture('l2-docs-example'));
    const first = await runHook(hook, cluster);
    syncInstances(cluster, first.values);
    const second = await runHook(hook, cluster);
    expect(instancesOf(second.values)).toEqual(instancesOf(first.values));
    expect(second.output.kube).toEqual([]);
  });

  describe('two classes, three Services', () => {
    let r: Awaited<ReturnType<typeof runHook>>;
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = new Cluster(fixture('l2-two-classes'));
      r = await runHook(hook, cluster);
    });

    test('classes are listed sorted by name with their settings', () => {
      expect(at(r.values, 'metallb.internal.l2loadbalancers')).toEqual([
        { name: 'default-l2', addressPool: ['192.0.2.200-192.0.2.220'], interfaces: ['eth1'], nodeSelector: {}, isDefault: true, tolerations: [] },
        { name: 'frontend', addressPool: ['192.0.2.230-192.0.2.250'], interfaces: [], nodeSelector: { 'node-role.deckhouse.io/frontend': '' }, isDefault: false, tolerations: [] },
      ]);
    });

    test('class precedence: default < annotation < spec.loadBalancerClass; other implementations and ClusterIP are left alone', () => {
      const byService = Object.fromEntries(instancesOf(r.values).map((i) => [i.serviceName, i.mlbcName]));
      expect(byService).toEqual({ plain: 'default-l2', shop: 'frontend', api: 'frontend' });
      expect(instancesOf(r.values).map((i) => `${i.namespace}/${i.name}`)).toEqual(['default/plain-default-l2-0', 'shop/api-frontend-0', 'shop/shop-frontend-0', 'shop/shop-frontend-1']);
    });

    test('desired IPs go to the instance of the same index; the sharing key to every instance', () => {
      const shop = instancesOf(r.values).filter((i) => i.serviceName === 'shop');
      expect(shop.map((i) => [i.desiredIP, i.lbAllowSharedIP])).toEqual([
        ['192.0.2.231', 'shop-key'],
        ['192.0.2.232', 'shop-key'],
      ]);
      expect(new Set(shop.map((i) => i.preferredNode))).toEqual(new Set(['frontend-1', 'frontend-2']));
    });

    test('the frontend class balances its two Services over its two nodes', () => {
      const fe = instancesOf(r.values).filter((i) => i.mlbcName === 'frontend');
      const per = fe.reduce<Record<string, number>>((m, i) => ({ ...m, [i.preferredNode]: (m[i.preferredNode] ?? 0) + 1 }), {});
      expect(Object.values(per).sort()).toEqual([1, 2]);
    });

    test('the bound class sticks even when the annotation changes later', async () => {
      const api = cluster.get('v1', 'Service', 'api', 'shop') as { metadata: { annotations: Record<string, string> }; spec: Record<string, unknown> };
      delete api.spec.loadBalancerClass;
      api.metadata.annotations['network.deckhouse.io/metal-load-balancer-class'] = 'default-l2';
      const again = await runHook(hook, cluster);
      expect(instancesOf(again.values).find((i) => i.serviceName === 'api')?.mlbcName).toBe('frontend');
    });
  });

  describe('problems are reported as Service events', () => {
    let r: Awaited<ReturnType<typeof runHook>>;
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = new Cluster(fixture('l2-problems'));
      r = await runHook(hook, cluster);
    });
    const reasons = (svc: string): string[] => eventsOf(r).filter((e) => e.involvedObject.name === svc).map((e) => e.reason);

    test('only Ready, selected, tolerated, not excluded nodes are used', () => {
      const used = new Set(instancesOf(r.values).map((i) => i.preferredNode));
      expect(used).toEqual(new Set(['pair-1', 'pair-2']));
    });

    test('a garbage count falls back to one IP with an InvalidAnnotation event', () => {
      expect(nodesOf(r.values, 'garbage-count')).toHaveLength(1);
      expect(reasons('garbage-count')).toEqual(['InvalidAnnotation']);
      expect(eventsOf(r).find((e) => e.involvedObject.name === 'garbage-count')?.message).toContain('"three" is not a positive integer');
    });

    test('a count above the node count wraps evenly and says so; a bad IP in the list is skipped', () => {
      const nodes = nodesOf(r.values, 'too-many');
      expect(nodes).toHaveLength(5);
      expect([nodes.filter((n) => n === 'pair-1').length, nodes.filter((n) => n === 'pair-2').length].sort()).toEqual([2, 3]);
      expect(reasons('too-many').sort()).toEqual(['CountAboveNodes', 'InvalidAnnotation']);
      expect(instancesOf(r.values).filter((i) => i.serviceName === 'too-many').map((i) => i.desiredIP)).toEqual(['192.0.2.201', undefined, '192.0.2.203', undefined, undefined]);
    });

    test('an unknown class in the annotation: event and a False condition, no instances', () => {
      expect(nodesOf(r.values, 'typo')).toEqual([]);
      expect(reasons('typo')).toEqual(['UnknownLoadBalancerClass']);
      const svc = cluster.get('v1', 'Service', 'typo', 'app') as { status: { conditions: { status: string; reason: string }[] } };
      expect(svc.status.conditions[0]).toMatchObject({ status: 'False', reason: 'LoadBalancerClassNotFound' });
    });

    test('a class without eligible nodes: event naming why each node is out', () => {
      expect(nodesOf(r.values, 'stranded')).toEqual([]);
      const ev = eventsOf(r).find((e) => e.involvedObject.name === 'stranded');
      expect(ev?.reason).toBe('NoEligibleNodes');
      expect(ev?.message).toContain('nowhere-1: taint gpu:NoSchedule not tolerated');
    });

    test('a class deleted while bound: no instances (IPs released), event, condition kept', () => {
      expect(nodesOf(r.values, 'orphan')).toEqual([]);
      expect(reasons('orphan')).toEqual(['UnknownLoadBalancerClass']);
      const svc = cluster.get('v1', 'Service', 'orphan', 'app') as { status: { conditions: { message: string }[] } };
      expect(svc.status.conditions[0]?.message).toBe('deleted-class');
    });

    test('events are named after their content, so a re-run does not add copies', async () => {
      const before = cluster.list('Event').length;
      await runHook(hook, cluster);
      expect(cluster.list('Event').length).toBe(before);
      expect(before).toBe(eventsOf(r).length);
    });
  });

  describe("Services as today's users write them", () => {
    let r: Awaited<ReturnType<typeof runHook>>;
    let cluster: Cluster;
    beforeAll(async () => {
      cluster = new Cluster(fixture('drop-in-services'));
      r = await runHook(hook, cluster);
    });
    const classOf = (svc: string): string[] => [...new Set(instancesOf(r.values).filter((i) => i.serviceName === svc).map((i) => i.mlbcName))];
    const boundTo = (svc: string): string | undefined =>
      (cluster.get('v1', 'Service', svc, 'default') as { status?: { conditions?: { type: string; message: string }[] } }).status?.conditions?.find((c) => c.type === 'network.deckhouse.io/load-balancer-class')?.message;

    test('the DNS pair of the docs carries its shared-ip-key to every instance; the older annotation still works', () => {
      const keyOf = (svc: string) => instancesOf(r.values).filter((i) => i.serviceName === svc).map((i) => i.lbAllowSharedIP);
      expect(keyOf('dns-service-tcp')).toEqual(['key-to-share-1.2.3.4']);
      expect(keyOf('dns-service-udp')).toEqual(['key-to-share-1.2.3.4']);
      expect(keyOf('ntp')).toEqual(['time']);
    });

    test('a class name that does not exist falls back to the annotation, then to the default class, and is bound there', () => {
      expect(classOf('typo-in-spec')).toEqual(['l2-default']);
      expect(classOf('typo-in-annotation')).toEqual(['l2-default']);
      expect(classOf('typo-in-spec-right-annotation')).toEqual(['ingress']);
      expect(boundTo('typo-in-spec')).toBe('l2-default');
      expect(boundTo('typo-in-spec-right-annotation')).toBe('ingress');
    });

    test('each fallback is told in an UnknownLoadBalancerClass Event naming the missing class and the one used', () => {
      const ev = (svc: string) => eventsOf(r).filter((e) => e.involvedObject.name === svc);
      expect(ev('typo-in-spec').map((e) => e.message)).toEqual(['MetalLoadBalancerClass "ingres" named in spec.loadBalancerClass does not exist; MetalLoadBalancerClass "l2-default" serves the Service instead and stays bound to it. Fix the name and recreate the Service to use another class']);
      expect(ev('typo-in-annotation')[0]?.message).toContain('"ingres" named in annotation network.deckhouse.io/metal-load-balancer-class does not exist; MetalLoadBalancerClass "l2-default" serves');
      expect(ev('typo-in-spec-right-annotation')[0]?.message).toContain('MetalLoadBalancerClass "ingress" serves the Service instead');
      expect(ev('dns-service-tcp')).toEqual([]);
      expect(eventsOf(r).map((e) => e.reason)).toEqual(['UnknownLoadBalancerClass', 'UnknownLoadBalancerClass', 'UnknownLoadBalancerClass']);
    });

    test('a Service of another implementation (a prefixed class) is left alone', () => {
      expect(classOf('cilium-owned')).toEqual([]);
      expect(boundTo('cilium-owned')).toBeUndefined();
    });

    test("the module's loadBalancerClass setting names the BGP controller's class: no fallback for it", async () => {
      const c = new Cluster(fixture('drop-in-services'));
      const again = await runHook(hook, c, { values: { metallb: { loadBalancerClass: 'ingres', internal: {} } } });
      expect(instancesOf(again.values).filter((i) => i.serviceName === 'typo-in-spec')).toEqual([]);
    });

    test('a re-run keeps the bound class and reports nothing new', async () => {
      const before = cluster.list('Event').length;
      const again = await runHook(hook, cluster);
      expect(instancesOf(again.values)).toEqual(instancesOf(r.values));
      expect(cluster.list('Event').length).toBe(before);
    });
  });

  test('a node leaving moves only its instances; joining again moves at most its fair share', async () => {
    const cluster = new Cluster(fixture('l2-churn'));
    const first = await runHook(hook, cluster);
    syncInstances(cluster, first.values);
    const before = new Map(instancesOf(first.values).map((i) => [i.name, i.preferredNode]));
    const held = [...before.values()].filter((n) => n === 'node-2').length;
    const node2 = cluster.get('v1', 'Node', 'node-2');
    cluster.objects.delete('|Node||node-2');

    const left = await runHook(hook, cluster);
    syncInstances(cluster, left.values);
    const afterLeave = new Map(instancesOf(left.values).map((i) => [i.name, i.preferredNode]));
    const movedOnLeave = [...afterLeave].filter(([k, n]) => before.get(k) !== n).length;
    expect(movedOnLeave).toBe(held);
    expect([...afterLeave.values()]).not.toContain('node-2');

    cluster.put(node2 as NonNullable<typeof node2>);
    const joined = await runHook(hook, cluster);
    const afterJoin = new Map(instancesOf(joined.values).map((i) => [i.name, i.preferredNode]));
    const movedOnJoin = [...afterJoin].filter(([k, n]) => afterLeave.get(k) !== n).length;
    const total = afterJoin.size;
    expect(movedOnJoin).toBe([...afterJoin.values()].filter((n) => n === 'node-2').length);
    expect(movedOnJoin).toBeLessThanOrEqual(Math.ceil(total / 4));
    const loads = ['node-1', 'node-2', 'node-3', 'node-4'].map((n) => [...afterJoin.values()].filter((x) => x === n).length);
    expect(Math.max(...loads) - Math.min(...loads)).toBeLessThanOrEqual(1);
  });

  test('while the old L2 Services are not adopted yet, nothing is written', async () => {
    const r = await runHook(hook, new Cluster(fixture('l2-docs-example')), { values: { metallb: { internal: { migrationOfOldFashionedLBsAdoptionComplete: false } } } });
    expect(r.output.values).toEqual([]);
    expect(r.output.kube).toEqual([]);
  });

  describe('a class edited into something unusable keeps its last valid version in force', () => {
    type Cls = { metadata: { uid?: string; resourceVersion?: string }; spec: Record<string, unknown> };
    const edit = (cluster: Cluster, name: string, rv: string, spec: Record<string, unknown>): void => {
      const c = cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', name) as unknown as Cls;
      c.metadata.resourceVersion = rv;
      c.spec = { ...c.spec, ...spec };
    };
    const stale = (r: Awaited<ReturnType<typeof runHook>>): number | undefined => {
      const ops = r.output.metrics.filter((m): m is Extract<typeof m, { name: string }> => 'name' in m && m.name === 'metallb_k8s_client_config_stale_bool');
      return ops.at(-1)?.value;
    };
    let cluster: Cluster;
    let first: Awaited<ReturnType<typeof runHook>>;
    beforeEach(async () => {
      cluster = new Cluster(fixture('l2-two-classes'));
      for (const [name, uid] of [['default-l2', 'uid-d'], ['frontend', 'uid-f']] as const) {
        const c = cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', name) as unknown as Cls;
        c.metadata.uid = uid;
        c.metadata.resourceVersion = '1';
      }
      first = await runHook(hook, cluster);
      syncInstances(cluster, first.values);
      expect(stale(first)).toBe(0);
    });

    test('a bad nodeSelector and a reversed range: same classes, same instances, a ConfigStale Event on the class and the stale metric', async () => {
      edit(cluster, 'frontend', '2', { nodeSelector: { 'node-role.deckhouse.io/frontend': 'yes please' }, addressPool: ['192.0.2.250-192.0.2.230'] });
      const r = await runHook(hook, cluster, { values: first.values });
      expect(at(r.values, 'metallb.internal.l2loadbalancers')).toEqual(at(first.values, 'metallb.internal.l2loadbalancers'));
      expect(instancesOf(r.values)).toEqual(instancesOf(first.values));
      const ev = eventsOf(r).filter((e) => e.reason === 'ConfigStale');
      expect(ev).toEqual([expect.objectContaining({
        involvedObject: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', name: 'frontend', uid: 'uid-f' },
        metadata: expect.objectContaining({ namespace: 'default' }),
        message: 'MetalLoadBalancerClass "frontend": addressPool: invalid IP "192.0.2.250-192.0.2.230": range starts after it ends; nodeSelector: invalid label value "yes please" for "node-role.deckhouse.io/frontend": at most 63 alphanumeric, \'-\', \'_\' or \'.\' characters, starting and ending alphanumeric; the last valid version (resourceVersion 1) stays in force until this is fixed',
      })]);
      expect(stale(r)).toBe(1);
      const accepted = (): unknown => ((cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', 'frontend') as { status?: { conditions?: unknown[] } }).status?.conditions ?? []);
      expect(accepted()).toEqual([{ type: 'Accepted', status: 'False', reason: 'ConfigStale', message: ev[0]?.message, lastTransitionTime: '2026-11-25T12:00:00Z' }]);
      // A re-run tells nothing new (the Event has the same name) and still keeps the last valid version.
      const again = await runHook(hook, cluster, { values: r.values });
      expect(instancesOf(again.values)).toEqual(instancesOf(first.values));
      expect(again.output.kube.filter((o) => 'object' in o && o.object.kind === 'Event').map((o) => ('object' in o ? o.object.metadata?.name : ''))).toEqual(ev.map((e) => (e as unknown as { metadata: { name: string } }).metadata.name));
      // Fixed: the new version is in force and the metric clears.
      edit(cluster, 'frontend', '3', { nodeSelector: { 'node-role.deckhouse.io/frontend': '' }, addressPool: ['192.0.2.230-192.0.2.240'] });
      const fixed = await runHook(hook, cluster, { values: again.values });
      expect((at(fixed.values, 'metallb.internal.l2loadbalancers') as Array<{ name: string; addressPool: string[]; resourceVersion: string }>).find((c) => c.name === 'frontend')).toMatchObject({ addressPool: ['192.0.2.230-192.0.2.240'], resourceVersion: '3' });
      expect(stale(fixed)).toBe(0);
      expect(accepted()).toEqual([{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'the class is in force as written', lastTransitionTime: '2026-11-25T12:00:00Z' }]);
      expect((await runHook(hook, cluster, { values: fixed.values })).output.kube).toEqual([]);
    });

    test('a restart of Deckhouse loses the values, not the class: the version in force recorded in its status stays in force', async () => {
      const recorded = (cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', 'frontend') as { status?: { inForce?: unknown } }).status?.inForce;
      expect(recorded).toEqual({ name: 'frontend', addressPool: ['192.0.2.230-192.0.2.250'], interfaces: [], nodeSelector: { 'node-role.deckhouse.io/frontend': '' }, isDefault: false, tolerations: [], resourceVersion: '1' });
      edit(cluster, 'frontend', '2', { nodeSelector: { 'node-role.deckhouse.io/frontend': 'yes please' } });
      const r = await runHook(hook, cluster);
      expect(instancesOf(r.values)).toEqual(instancesOf(first.values));
      expect(eventsOf(r).map((e) => e.message)).toEqual([expect.stringMatching(/; the last valid version \(resourceVersion 1\) stays in force until this is fixed$/)]);
      // recorded once: a re-run patches nothing (its Event is the same object, created if missing)
      expect((await runHook(hook, cluster, { values: r.values })).output.kube.filter((o) => o.operation !== 'CreateIfNotExists')).toEqual([]);
    });

    test('a status.inForce edited by hand is checked like the spec: a garbled or invalid one is not used, and the Event says why', async () => {
      const cls = (): { status: { inForce?: unknown } } => cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', 'frontend') as unknown as { status: { inForce?: unknown } };
      const good = cls().status.inForce as Record<string, unknown>;
      const frontend = (r: Awaited<ReturnType<typeof runHook>>): string[] => instancesOf(r.values).filter((i) => i.mlbcName === 'frontend').map((i) => i.name);
      edit(cluster, 'frontend', '2', { nodeSelector: { 'node-role.deckhouse.io/frontend': 'yes please' } });
      for (const [forged, why] of [
        [{ ...good, addressPool: '192.0.2.0/24' }, 'addressPool: must be a list of strings'],
        [{ ...good, nodeSelector: { 'node-role.deckhouse.io/frontend': 1 }, tolerations: [{ operator: 'Exists', tolerationSeconds: 5 }] }, 'nodeSelector: must be a map of strings; tolerations[0]: must be a map of strings'],
        [{ ...good, name: 'default-l2' }, 'name: "default-l2" is not this class'],
        [{ ...good, addressPool: ['192.0.2.300/32'] }, 'addressPool: invalid IP "192.0.2.300": not an IPv4 or IPv6 address'],
        ['192.0.2.230-192.0.2.250', 'not an object'],
      ] as const) {
        cls().status.inForce = forged;
        // Deckhouse restarted: only the status remembers the version in force.
        const r = await runHook(hook, cluster);
        expect([why, frontend(r)]).toEqual([why, []]);
        expect([why, eventsOf(r).find((e) => e.reason === 'ConfigStale')?.message]).toEqual([why, expect.stringContaining(`; its status.inForce is not a valid version either (${why}), so it is not used; no valid version of it was ever seen`)]);
      }
      // The genuine record is used, and a garbled one is rewritten from the version in force.
      cls().status.inForce = good;
      const kept = await runHook(hook, cluster);
      expect(frontend(kept)).toEqual(frontend(first));
      cls().status.inForce = { ...good, addressPool: 'garbled' };
      await runHook(hook, cluster, { values: kept.values });
      expect(cls().status.inForce).toEqual(good);
    });

    test('interfaces and tolerations are checked too', async () => {
      edit(cluster, 'default-l2', '2', { l2: { interfaces: ['eth 1'] }, tolerations: [{ operator: 'Exists', value: 'x' }] });
      const r = await runHook(hook, cluster, { values: first.values });
      expect(eventsOf(r).map((e) => e.message)).toEqual(['MetalLoadBalancerClass "default-l2": l2.interfaces: "eth 1" is not an interface name; tolerations[0]: value must be empty when operator is Exists; the last valid version (resourceVersion 1) stays in force until this is fixed']);
      expect(instancesOf(r.values)).toEqual(instancesOf(first.values));
    });

    test('a class recreated under the same name is another object: its bad first version is left out, and says so', async () => {
      const c = cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', 'frontend') as unknown as Cls;
      c.metadata.uid = 'uid-f2';
      edit(cluster, 'frontend', '5', { addressPool: ['192.0.2.300/32'] });
      const r = await runHook(hook, cluster, { values: first.values });
      expect((at(r.values, 'metallb.internal.l2loadbalancers') as Array<{ name: string }>).map((x) => x.name)).toEqual(['default-l2']);
      expect(eventsOf(r).find((e) => e.reason === 'ConfigStale')?.message).toBe('MetalLoadBalancerClass "frontend": addressPool: invalid IP "192.0.2.300": not an IPv4 or IPv6 address; no valid version of it was ever seen, so it is not used until it is fixed');
      // The Services bound to it are told what is wrong with it, not that it does not exist.
      expect(eventsOf(r).filter((e) => e.involvedObject.name === 'shop').map((e) => [e.reason, e.message])).toEqual([
        ['InvalidLoadBalancerClass', 'MetalLoadBalancerClass "frontend", which this Service is bound to, is invalid: addressPool: invalid IP "192.0.2.300": not an IPv4 or IPv6 address. It is not used until it is fixed; the Service gets no address from it meanwhile'],
      ]);
    });
  });

  describe('a class that never was valid', () => {
    test('Services naming it are told what is wrong with it, wait for it instead of falling back to the default class, and get it once fixed', async () => {
      const cluster = new Cluster(fixture('l2-two-classes'));
      const c = cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', 'frontend') as unknown as { metadata: { uid?: string }; spec: Record<string, unknown> };
      c.metadata.uid = 'uid-f';
      c.spec = { ...c.spec, nodeSelector: { 'node-role.deckhouse.io/frontend': 'yes please' } };
      const r = await runHook(hook, cluster);
      expect(instancesOf(r.values).map((i) => `${i.serviceName}:${i.mlbcName}`)).toEqual(['plain:default-l2']);
      const problem = 'nodeSelector: invalid label value "yes please" for "node-role.deckhouse.io/frontend": at most 63 alphanumeric, \'-\', \'_\' or \'.\' characters, starting and ending alphanumeric';
      const told = (svc: string): string[][] => eventsOf(r).filter((e) => e.involvedObject.name === svc).map((e) => [e.reason, e.message]);
      expect(told('shop')).toEqual([['InvalidLoadBalancerClass', `MetalLoadBalancerClass "frontend", named in annotation network.deckhouse.io/metal-load-balancer-class, is invalid: ${problem}. It is not used until it is fixed; the Service gets no address from it meanwhile`]]);
      expect(told('api')).toEqual([['InvalidLoadBalancerClass', `MetalLoadBalancerClass "frontend", named in spec.loadBalancerClass, is invalid: ${problem}. It is not used until it is fixed; the Service gets no address from it meanwhile`]]);
      const condition = (svc: string): unknown => (cluster.get('v1', 'Service', svc, 'shop') as { status?: { conditions?: unknown[] } }).status?.conditions;
      expect(condition('api')).toEqual([expect.objectContaining({ type: 'network.deckhouse.io/load-balancer-class', status: 'False', reason: 'LoadBalancerClassInvalid' })]);
      const now = cluster.get('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass', 'frontend') as unknown as typeof c;
      now.spec = { ...now.spec, nodeSelector: { 'node-role.deckhouse.io/frontend': '' } };
      const fixed = await runHook(hook, cluster, { values: r.values });
      expect(instancesOf(fixed.values).map((i) => `${i.serviceName}:${i.mlbcName}`).sort()).toEqual(['api:frontend', 'plain:default-l2', 'shop:frontend', 'shop:frontend']);
      expect(condition('api')).toEqual([expect.objectContaining({ status: 'True', reason: 'LoadBalancerClassBound', message: 'frontend' })]);
    });
  });
});
