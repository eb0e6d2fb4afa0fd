// SPDX-License-Identifier: Apache-2.0
/**
 * Bindings whose jqFilter projects objects for a TS filter: the filter gives the same on the projection (run by
 * the real jq) as on the whole object, for every object of the hook scenarios and a few made to differ outside
 * the projection, which must project alike (their changes run no hook).
 */
import * as fs from 'node:fs';
import type { KubeObject, KubernetesBinding } from '../../lib/hook-sdk/index.js';
import { filterItem } from '../../lib/hook-sdk/input.js';
import { jqEach } from '../../lab/runtime/jq.js';
import { bindingMatches, FIXTURES, fixture } from '../../test/hooks/harness.js';
import { hooks } from './index.js';

const projected = hooks.flatMap((h) => (h.config.kubernetes ?? []).filter((b) => b.jqFilter !== undefined && b.filter !== undefined).map((b: KubernetesBinding<unknown>) => ({ hook: h.name, b })));
const scenarios = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')).flatMap((f) => fixture(f.replace(/\.yaml$/, '')));

const lb = (extra: Partial<KubeObject> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'web', namespace: 'app', uid: 'u1', annotations: { 'metallb.universe.tf/address-pool': 'p', 'network.deckhouse.io/l2-load-balancer-name': 'x', other: 'y' }, resourceVersion: '7' },
  spec: { type: 'LoadBalancer', loadBalancerClass: 'c', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'web' }, ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', sessionAffinity: 'None' },
  status: { conditions: [{ type: 'network.deckhouse.io/load-balancer-class', status: 'True', reason: 'LoadBalancerClassBound', message: 'c' }], loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
  ...extra,
});
const made: KubeObject[] = [lb(), lb({ metadata: { name: 'bare' } }), lb({ spec: { type: 'ClusterIP' } }), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'no-spec' } }];

describe('jqFilter projections', () => {
  test('the projected bindings are the Service bindings of the hooks that run on Service changes', () => {
    expect(projected.map((p) => `${p.hook}/${p.b.name}`).sort()).toEqual(['alert-deprecated-annotations/services', 'check-requirements-for-upgrade/services', 'discovery-l2-load-balancers/services', 'update-service-status/services']);
  });

  test.each(projected.map((p) => [`${p.hook}/${p.b.name}`, p.b] as const))('%s: the filter sees the same on the projection as on the object', (_name, b) => {
    const objs = [...scenarios, ...made].filter((o) => bindingMatches(b, o));
    expect(objs.length).toBeGreaterThan(3);
    const results = jqEach(b.jqFilter ?? '.', objs);
    objs.forEach((o, i) => expect([o.metadata?.name, filterItem(b, { filterResult: results[i] }) ?? null]).toEqual([o.metadata?.name, b.filter?.(o) ?? null]));
  });

  test.each(projected.map((p) => [`${p.hook}/${p.b.name}`, p.b] as const))('%s: a change of resourceVersion, managedFields or an unrelated spec field projects alike', (_name, b) => {
    const base = lb();
    const touched = lb({ metadata: { ...base.metadata, resourceVersion: '8', managedFields: [{ manager: 'kubectl' }] }, spec: { ...(base.spec as object), sessionAffinity: 'ClientIP' } });
    const [a, c] = jqEach(b.jqFilter ?? '.', [base, touched]);
    expect(c).toEqual(a);
  });
});
