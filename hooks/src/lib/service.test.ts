// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import { demandOf, MAX_COUNT, selectClassFor, serviceFromObject, withCondition, type ClassInfo, type ServiceInfo } from './service.js';

const cls = (name: string, isDefault = false): ClassInfo => ({ name, isDefault, addressPool: [], interfaces: [], nodeSelector: {}, tolerations: [] });
const svc = (over: Partial<ServiceInfo> = {}): ServiceInfo => ({ name: 's', namespace: 'ns', annotations: {}, conditions: [], ports: [], ...over });
const ANN = 'network.deckhouse.io/metal-load-balancer-class';

describe('selectClassFor', () => {
  const classes = [cls('a', true), cls('b'), cls('c'), cls('z', true)];
  test.each<[string, Partial<ServiceInfo>, unknown]>([
    ['default (the last by name when several)', {}, { kind: 'class', name: 'z', bound: false }],
    ['annotation beats default', { annotations: { [ANN]: 'b' } }, { kind: 'class', name: 'b', bound: false }],
    ['spec beats annotation', { annotations: { [ANN]: 'b' }, loadBalancerClass: 'c' }, { kind: 'class', name: 'c', bound: false }],
    ['bound beats spec', { loadBalancerClass: 'c', boundClass: 'b' }, { kind: 'class', name: 'b', bound: true }],
    ['bound class deleted', { boundClass: 'gone' }, { kind: 'unknown', name: 'gone', source: 'bound' }],
    ['unknown annotation falls back to the default', { annotations: { [ANN]: 'nope' } }, { kind: 'class', name: 'z', bound: false, instead: [{ name: 'nope', source: 'annotation' }] }],
    ['unknown spec class falls back to the annotation', { loadBalancerClass: 'nope', annotations: { [ANN]: 'b' } }, { kind: 'class', name: 'b', bound: false, instead: [{ name: 'nope', source: 'spec' }] }],
    ['unknown spec class and annotation fall back to the default', { loadBalancerClass: 'nope', annotations: { [ANN]: 'nah' } }, { kind: 'class', name: 'z', bound: false, instead: [{ name: 'nope', source: 'spec' }, { name: 'nah', source: 'annotation' }] }],
    ['an unknown spec class still excludes BGP pools from the default', { loadBalancerClass: 'nope', annotations: { 'network.deckhouse.io/load-balancer-pool': 'public' } }, { kind: 'class', name: 'z', bound: false, instead: [{ name: 'nope', source: 'spec' }] }],
    ['another implementation (a prefixed class)', { loadBalancerClass: 'example.com/x' }, { kind: 'foreign', loadBalancerClass: 'example.com/x' }],
    ['a BGP pool named: not for the default class', { annotations: { 'network.deckhouse.io/load-balancer-pool': 'public' } }, { kind: 'none' }],
    ['a BGP pool named but a class asked for', { annotations: { 'metallb.universe.tf/address-pool': 'p', [ANN]: 'b' } }, { kind: 'class', name: 'b', bound: false }],
  ])('%s', (_name, over, want) => {
    expect(selectClassFor(svc(over), classes)).toEqual(want);
  });

  test('no default and nothing asked: not ours', () => {
    expect(selectClassFor(svc(), [cls('b')])).toEqual({ kind: 'none' });
  });

  test('without a default, an unknown annotation is reported and an unknown spec class is not ours', () => {
    expect(selectClassFor(svc({ annotations: { [ANN]: 'nope' } }), [cls('b')])).toEqual({ kind: 'unknown', name: 'nope', source: 'annotation' });
    expect(selectClassFor(svc({ loadBalancerClass: 'nope' }), [cls('b')])).toEqual({ kind: 'foreign', loadBalancerClass: 'nope' });
  });

  test("the module's loadBalancerClass setting is the BGP controller's class, never a fallback", () => {
    expect(selectClassFor(svc({ loadBalancerClass: 'bgp' }), classes, 'bgp')).toEqual({ kind: 'foreign', loadBalancerClass: 'bgp' });
    expect(selectClassFor(svc({ loadBalancerClass: 'b' }), classes, 'bgp')).toEqual({ kind: 'class', name: 'b', bound: false });
  });
});

describe('demandOf', () => {
  const COUNT = 'network.deckhouse.io/l2-load-balancer-external-ips-count';
  test.each([
    [undefined, 1, 0],
    ['3', 3, 0],
    [' 2 ', 2, 0],
    ['0', 1, 1],
    ['-1', 1, 1],
    ['1.5', 1, 1],
    ['three', 1, 1],
    ['1000', MAX_COUNT, 1],
  ])('count %j gives %d with %d problems', (raw, count, problems) => {
    const d = demandOf(svc({ annotations: raw === undefined ? {} : { [COUNT]: raw } }));
    expect(d.count).toBe(count);
    expect(d.problems).toHaveLength(problems);
  });

  test('sharing key: the current annotation wins over the older one, either alone works', () => {
    const KEY = 'network.deckhouse.io/load-balancer-shared-ip-key';
    const OLD = 'network.deckhouse.io/load-balancer-allow-shared-ip';
    expect(demandOf(svc({ annotations: { [KEY]: 'dns' } })).sharingKey).toBe('dns');
    expect(demandOf(svc({ annotations: { [OLD]: 'dns' } })).sharingKey).toBe('dns');
    expect(demandOf(svc({ annotations: { [OLD]: 'old', [KEY]: 'new' } })).sharingKey).toBe('new');
    expect(demandOf(svc()).sharingKey).toBeUndefined();
  });

  test('IPs are canonicalised per index; bad entries leave a hole and a problem', () => {
    const d = demandOf(svc({ annotations: { 'network.deckhouse.io/load-balancer-ips': '192.0.2.1, 2001:DB8::0001,x' } }));
    expect(d.ips).toEqual(['192.0.2.1', '2001:db8::1', undefined]);
    expect(d.problems).toEqual(['annotation network.deckhouse.io/load-balancer-ips: "x" is not an IP address; ignored']);
  });

  test('any annotation text gives a usable demand, never an exception', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (count, ips) => {
        const d = demandOf(svc({ annotations: { [COUNT]: count, 'network.deckhouse.io/load-balancer-ips': ips } }));
        expect(d.count).toBeGreaterThanOrEqual(1);
        expect(d.count).toBeLessThanOrEqual(MAX_COUNT);
      }),
    );
  });
});

describe('serviceFromObject', () => {
  test('only LoadBalancer Services; the bound class needs status True and the bound reason', () => {
    expect(serviceFromObject({ metadata: { name: 'x' }, spec: { type: 'ClusterIP' } })).toBeNull();
    const cond = (status: string, reason: string) => ({ metadata: { name: 'x' }, spec: { type: 'LoadBalancer' }, status: { conditions: [{ type: 'network.deckhouse.io/load-balancer-class', status, reason, message: 'a' }] } });
    expect(serviceFromObject(cond('True', 'LoadBalancerClassBound'))?.boundClass).toBe('a');
    expect(serviceFromObject(cond('False', 'LoadBalancerClassNotFound'))?.boundClass).toBeUndefined();
  });

  test('ports keep only well-typed fields', () => {
    const s = serviceFromObject({ metadata: { name: 'x' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 5, targetPort: 'http', extra: 1 }, { port: '81' }, { port: 1.5 }] } });
    expect(s?.ports).toEqual([{ port: 80, targetPort: 'http' }]);
  });

  test('any object shape is decoded or dropped, never thrown on', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (spec, status) => {
        expect(() => serviceFromObject({ metadata: { name: 'x' }, spec: spec as never, status: status as never })).not.toThrow();
      }),
    );
  });
});

test('withCondition replaces in place and appends new types', () => {
  const a = { type: 'A', status: 'True' };
  const b = { type: 'B', status: 'True' };
  expect(withCondition([a, b], { type: 'A', status: 'False' })).toEqual([{ type: 'A', status: 'False' }, b]);
  expect(withCondition([a], b)).toEqual([a, b]);
});
