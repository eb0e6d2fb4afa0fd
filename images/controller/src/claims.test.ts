import fc from 'fast-check';
import { INSTANCE_LB_CLASS } from '../../../lib/api/index.js';
import { parsePool as poolOf, scopeOfPool } from '../../../lib/config/pool.js';
import { instanceClaim, parseDesired, serviceClaim } from './claims.js';
import type { ServiceLike } from './objects.js';
import { conditionFor, heldIps, nextStatus, allocatedEvent, failedEvent } from './status.js';

const NO_DEFAULT = { defaultL2Class: false };

function svc(extra: { annotations?: Record<string, string>; spec?: NonNullable<ServiceLike['spec']>; status?: ServiceLike['status'] } = {}): ServiceLike {
  return {
    metadata: { name: 'web', namespace: 'prod', labels: { app: 'web' }, annotations: extra.annotations ?? {} },
    spec: { type: 'LoadBalancer', ports: [{ port: 80 }, { protocol: 'UDP', port: 53 }], selector: { app: 'web' }, ...extra.spec },
    status: extra.status ?? {},
  };
}

describe('which objects are ours', () => {
  test.each([
    ['ClusterIP Service', svc({ spec: { type: 'ClusterIP' } }), NO_DEFAULT, 'not of type LoadBalancer'],
    ['foreign class', svc({ spec: { type: 'LoadBalancer', loadBalancerClass: 'example.com/lb' } }), NO_DEFAULT, 'spec.loadBalancerClass "example.com/lb" is served elsewhere'],
    ['L2 by annotation', svc({ annotations: { 'network.deckhouse.io/metal-load-balancer-class': 'ingress' } }), NO_DEFAULT, 'L2 Service (network.deckhouse.io/metal-load-balancer-class)'],
    ['L2 by bound condition', svc({ status: { conditions: [{ type: 'network.deckhouse.io/load-balancer-class', status: 'True' }] } }), NO_DEFAULT, 'L2 Service (bound to a MetalLoadBalancerClass)'],
    ['default class exists', svc(), { defaultL2Class: true }, 'L2 Service (a default MetalLoadBalancerClass exists and no BGP pool is named)'],
  ])('%s is skipped', (_n, s, ctx, why) => {
    expect(serviceClaim(s, {}, ctx)).toEqual({ kind: 'skip', why });
  });

  test('a BGP Service naming a pool is ours even with a default L2 class', () => {
    const r = serviceClaim(svc({ annotations: { 'network.deckhouse.io/load-balancer-pool': 'prod-ips' } }), {}, { defaultL2Class: true });
    expect(r).toMatchObject({ kind: 'claim', claim: { key: 'svc/prod/web', scope: 'bgp', pool: 'prod-ips' } });
  });

  test("with the module's loadBalancerClass setting, exactly the Services of that class are ours, as MetalLB's --lb-class", () => {
    const ctx = { defaultL2Class: true, lbClass: 'bgp', classNames: new Set(['ingress']) };
    const of = (cls?: string, annotations: Record<string, string> = {}) => serviceClaim(svc({ annotations, spec: { type: 'LoadBalancer', ...(cls ? { loadBalancerClass: cls } : {}) } }), {}, ctx);
    expect(of('bgp')).toMatchObject({ kind: 'claim', claim: { scope: 'bgp' } });
    expect(of('bgp', { 'network.deckhouse.io/metal-load-balancer-class': 'ingress' })).toMatchObject({ kind: 'claim' });
    expect(of()).toEqual({ kind: 'skip', why: 'spec.loadBalancerClass "" is not "bgp" (the module\'s loadBalancerClass setting)' });
    expect(of('ingress').kind).toBe('skip');
    expect(serviceClaim(svc({ spec: { type: 'LoadBalancer', loadBalancerClass: 'ingress' } }), {}, { ...ctx, lbClass: 'ingress' })).toEqual({ kind: 'skip', why: 'L2 Service (a MetalLoadBalancerClass is named "ingress")' });
  });

  test('each sharing annotation works alone', () => {
    for (const a of ['network.deckhouse.io/load-balancer-shared-ip-key', 'network.deckhouse.io/load-balancer-allow-shared-ip', 'metallb.universe.tf/allow-shared-ip', 'metallb.io/allow-shared-ip']) {
      expect(serviceClaim(svc({ annotations: { [a]: 'dns' } }), {}, NO_DEFAULT)).toMatchObject({ claim: { sharingKey: 'dns' } });
    }
  });

  test('an instance of another class is skipped', () => {
    expect(instanceClaim(svc(), {}).kind).toBe('skip');
  });
});

describe('annotations', () => {
  test('newest annotation wins: pool, IPs, sharing key', () => {
    const r = serviceClaim(svc({
      annotations: {
        'metallb.universe.tf/address-pool': 'legacy', 'network.deckhouse.io/load-balancer-pool': 'new',
        'metallb.io/loadBalancerIPs': '203.0.113.9', 'network.deckhouse.io/load-balancer-ips': '203.0.113.10',
        'metallb.universe.tf/allow-shared-ip': 'old', 'network.deckhouse.io/load-balancer-allow-shared-ip': 'older', 'network.deckhouse.io/load-balancer-shared-ip-key': 'k',
      },
      spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.11', externalTrafficPolicy: 'Local', selector: { b: '2', a: '1' }, ports: [{ port: 443 }] },
    }), { zone: 'x' }, NO_DEFAULT);
    expect(r).toEqual({ kind: 'claim', claim: {
      key: 'svc/prod/web', scope: 'bgp', namespace: 'prod', namespaceLabels: { zone: 'x' }, labels: { app: 'web' }, familyPolicy: 'SingleStack', families: [],
      pool: 'new', desired: ['203.0.113.10'], sharingKey: 'k', backendKey: 'a=1,b=2', ports: [{ protocol: 'TCP', port: 443 }],
    } });
  });

  test('spec.loadBalancerIP is the last resort', () => {
    expect(serviceClaim(svc({ spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.11' } }), {}, NO_DEFAULT)).toMatchObject({ claim: { desired: ['203.0.113.11'] } });
  });

  test('an instance reads the metallb.io annotations the templates write', () => {
    const inst: ServiceLike = {
      metadata: { name: 'web-ingress-0', namespace: 'prod', annotations: { 'metallb.io/address-pool': 'ingress', 'metallb.io/loadBalancerIPs': '192.0.2.201', 'metallb.io/allow-shared-ip': 's' } },
      spec: { type: 'LoadBalancer', loadBalancerClass: INSTANCE_LB_CLASS, ports: [{ port: 80 }], serviceRef: { name: 'web', namespace: 'prod' } },
    };
    expect(instanceClaim(inst, {})).toMatchObject({ kind: 'claim', claim: { key: 'l2/prod/web-ingress-0', scope: 'l2', pool: 'ingress', desired: ['192.0.2.201'], sharingKey: 's' } });
  });

  test.each([
    ['203.0.113.1, 2001:db8::1', 'SingleStack', 'two addresses need ipFamilyPolicy PreferDualStack or RequireDualStack'],
    ['203.0.113.1,203.0.113.2', 'RequireDualStack', 'more than one IPv4 address'],
    ['203.0.113.1', 'RequireDualStack', 'ipFamilyPolicy RequireDualStack needs one IPv4 and one IPv6 address'],
    ['one.two', 'SingleStack', '"one.two" is not an IP address'],
    [' , ', 'SingleStack', 'no address given'],
  ] as const)('"%s" with %s is a bad annotation', (value, policy, detail) => {
    expect(parseDesired('network.deckhouse.io/load-balancer-ips', value, policy)).toEqual({ kind: 'BadAnnotation', annotation: 'network.deckhouse.io/load-balancer-ips', value, detail });
  });

  test('dual-stack desired IPs come back canonical', () => {
    expect(parseDesired('a', '2001:DB8::0:1, 203.0.113.1', 'RequireDualStack')).toEqual(['2001:db8::1', '203.0.113.1']);
  });

  test('a bad ipFamilyPolicy is refused, not guessed', () => {
    expect(serviceClaim(svc({ spec: { type: 'LoadBalancer', ipFamilyPolicy: 'Both' } }), {}, NO_DEFAULT)).toMatchObject({ kind: 'invalid', failure: { kind: 'BadAnnotation', annotation: 'spec.ipFamilyPolicy' } });
  });

  test('property: parseDesired returns addresses or a BadAnnotation, never throws', () => {
    fc.assert(fc.property(fc.string(), fc.constantFrom('SingleStack' as const, 'PreferDualStack' as const, 'RequireDualStack' as const), (v, p) => {
      const r = parseDesired('x', v, p);
      if (!Array.isArray(r)) expect(r.kind).toBe('BadAnnotation');
    }));
  });
});

describe('pools', () => {
  test.each([
    [{ heritage: 'deckhouse', app: 'l2' }, { l2: true, bgp: false }],
    [{ heritage: 'deckhouse', app: 'bgp' }, { l2: false, bgp: true }],
    [{}, { l2: false, bgp: true }],
  ])('labels %j serve %j', (labels, scope) => {
    expect(scopeOfPool(labels)).toEqual(scope);
  });

  test('a pool object becomes a pool, or a PoolError that names it', () => {
    expect(poolOf({ metadata: { name: 'b', labels: { heritage: 'deckhouse', app: 'bgp' } }, spec: { addresses: ['203.0.113.0/24'] } })).toMatchObject({ name: 'b', scope: { l2: false, bgp: true } });
    expect(() => poolOf({ metadata: { name: 'a' }, spec: { addresses: ['nope'] } })).toThrow('pool "a": invalid IP "nope": not an IPv4 or IPv6 address');
  });
});

describe('status', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  test('writes ingress and the condition, keeps other conditions', () => {
    const o = svc({ status: { conditions: [{ type: 'Other', status: 'True' }] } });
    const s = nextStatus(o, { ok: true, ips: ['203.0.113.1'], pools: ['p'] }, now);
    expect(s).toEqual({
      loadBalancer: { ingress: [{ ip: '203.0.113.1' }] },
      conditions: [{ type: 'Other', status: 'True' }, { type: 'IPAllocated', status: 'True', reason: 'IPAllocated', message: 'assigned 203.0.113.1 from pool "p"', lastTransitionTime: now.toISOString() }],
    });
    expect(nextStatus({ ...o, status: s }, { ok: true, ips: ['203.0.113.1'], pools: ['p'] }, new Date())).toBeUndefined();
    expect(heldIps({ status: s })).toEqual(['203.0.113.1']);
  });

  test('a failure clears ingress and says why', () => {
    const s = nextStatus(svc({ status: { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } } }), { ok: false, failure: { kind: 'PoolExhausted', pools: ['ingress'] } }, now);
    expect(s?.loadBalancer?.ingress).toEqual([]);
    expect(s?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'PoolExhausted', message: 'no available IPs in pool "ingress"' });
  });

  test('lastTransitionTime stays while the status stays', () => {
    const first = nextStatus(svc(), { ok: true, ips: ['203.0.113.1'], pools: ['p'] }, now);
    const second = nextStatus(svc({ status: first }), { ok: true, ips: ['203.0.113.2'], pools: ['p'] }, new Date('2027-01-01T00:00:00Z'));
    expect(second?.conditions?.[0]?.lastTransitionTime).toBe(now.toISOString());
  });

  test('condition carries the generation', () => {
    expect(conditionFor({ ok: true, ips: ['203.0.113.1'], pools: ['p'] }, 3)).toMatchObject({ observedGeneration: 3 });
  });

  test('event texts follow MetalLB', () => {
    expect(allocatedEvent(['192.0.2.1', '2001:db8::1'])).toEqual({ type: 'Normal', reason: 'IPAllocated', message: 'Assigned IP ["192.0.2.1" "2001:db8::1"]' });
    expect(failedEvent('ns', 'x', { kind: 'PoolExhausted', pools: ['p'] }).message).toBe('Failed to allocate IP for "ns/x": no available IPs in pool "p"');
  });

  test('heldIps skips garbage', () => {
    expect(heldIps({ status: { loadBalancer: { ingress: [{ ip: 'x' }, { hostname: 'h' }, { ip: '2001:DB8::1' }] } } })).toEqual(['2001:db8::1']);
  });
});
