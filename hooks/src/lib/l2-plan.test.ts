// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import type { NodeInfo } from './eligibility.js';
import { planL2, type InstanceInfo } from './l2-plan.js';
import type { ClassInfo, ServiceInfo } from './service.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const COUNT = 'network.deckhouse.io/l2-load-balancer-external-ips-count';
const CLASS = 'network.deckhouse.io/metal-load-balancer-class';

const node = fc.record({
  name: fc.constantFrom('n1', 'n2', 'n3', 'n4', 'n5'),
  zone: fc.constantFrom('a', 'b'),
  ready: fc.boolean(),
  tainted: fc.boolean(),
});
const cluster = fc.record({
  nodes: fc.uniqueArray(node, { selector: (n) => n.name, maxLength: 5 }),
  classes: fc.uniqueArray(fc.record({ name: fc.constantFrom('ca', 'cb', 'cc'), zone: fc.option(fc.constantFrom('a', 'b')), isDefault: fc.boolean(), tolerate: fc.boolean() }), { selector: (c) => c.name, maxLength: 3 }),
  services: fc.uniqueArray(
    fc.record({ name: fc.constantFrom('s1', 's2', 's3', 's4', 's5', 's6'), ns: fc.constantFrom('x', 'y'), count: fc.option(fc.oneof(fc.integer({ min: -1, max: 7 }).map(String), fc.string())), cls: fc.option(fc.constantFrom('ca', 'cb', 'cc', 'zz')) }),
    { selector: (s) => `${s.ns}/${s.name}`, maxLength: 12 },
  ),
  stale: fc.array(fc.record({ svc: fc.constantFrom('s1', 's2', 's3'), i: fc.nat(4), node: fc.constantFrom('n1', 'n2', 'n9') }), { maxLength: 6 }),
});

describe('planL2', () => {
  test('every instance is unique, sorted, on an eligible node of its class; a re-run on its own output is stable', () => {
    fc.assert(
      fc.property(cluster, (c) => {
        const nodes: NodeInfo[] = c.nodes.map((n) => ({ name: n.name, labels: { zone: n.zone }, taints: n.tainted ? [{ key: 't', effect: 'NoSchedule' }] : [], ready: n.ready }));
        const classes: ClassInfo[] = c.classes.map((k) => ({ name: k.name, isDefault: k.isDefault, addressPool: ['192.0.2.0/24'], interfaces: [], nodeSelector: k.zone ? { zone: k.zone } : {}, tolerations: k.tolerate ? [{ operator: 'Exists' }] : [] }));
        const services: ServiceInfo[] = c.services.map((s) => {
          const annotations: Record<string, string> = {};
          if (s.count !== null) annotations[COUNT] = s.count;
          if (s.cls !== null) annotations[CLASS] = s.cls;
          return { name: s.name, namespace: s.ns, annotations, conditions: [], ports: [{ port: 80 }] };
        });
        const stale: InstanceInfo[] = c.stale.map((x) => ({ name: `${x.svc}-ca-${x.i}`, namespace: 'x', preferredNode: x.node }));
        const plan = planL2({ classes, nodes, services, instances: stale, now: NOW });

        const keys = plan.instances.map((i) => `${i.namespace}/${i.name}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys).toEqual([...plan.instances].sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1)).map((i) => `${i.namespace}/${i.name}`));
        for (const i of plan.instances) {
          const cls = classes.find((k) => k.name === i.mlbcName) as ClassInfo;
          const n = nodes.find((x) => x.name === i.preferredNode) as NodeInfo;
          expect(n.ready).toBe(true);
          expect(Object.entries(cls.nodeSelector).every(([k, v]) => n.labels[k] === v)).toBe(true);
          expect(n.taints.length === 0 || cls.tolerations.length > 0).toBe(true);
        }
        expect(plan.classes.map((k) => k.name)).toEqual(classes.map((k) => k.name).sort());

        const back: InstanceInfo[] = plan.instances.map((i) => ({ name: i.name, namespace: i.namespace, preferredNode: i.preferredNode }));
        expect(planL2({ classes, nodes, services, instances: back, now: NOW }).instances).toEqual(plan.instances);
      }),
    );
  });

  test('a class whose nodeSelector is no valid selector places nothing and says so in the Service Event; planning goes on', () => {
    const nodes: NodeInfo[] = [{ name: 'n1', labels: { 'zone a': 'x' }, taints: [], ready: true }];
    const classes: ClassInfo[] = [
      { name: 'bad', isDefault: false, addressPool: ['192.0.2.0/24'], interfaces: [], nodeSelector: { 'zone a': 'x' }, tolerations: [] },
      { name: 'good', isDefault: false, addressPool: ['198.51.100.0/24'], interfaces: [], nodeSelector: {}, tolerations: [] },
    ];
    const services: ServiceInfo[] = ['bad', 'good'].map((cls) => ({ name: `s-${cls}`, namespace: 'x', annotations: { [CLASS]: cls }, conditions: [], ports: [{ port: 80 }] }));
    const plan = planL2({ classes, nodes, services, instances: [], now: NOW });
    expect(plan.instances.map((i) => [i.name, i.preferredNode])).toEqual([['s-good-good-0', 'n1']]);
    const messages = plan.events.map((e) => (e as { message?: string }).message ?? '');
    expect(messages).toEqual([expect.stringMatching(/^MetalLoadBalancerClass "bad" has no eligible node .*: its nodeSelector is invalid: invalid label key "zone a"/)]);
  });
});
