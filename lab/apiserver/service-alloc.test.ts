import { allocateService, heldBy, LAB_SERVICE_NETWORK as NET, ServiceHoldings, type InUse } from './service-alloc.js';
import type { KObject } from './types.js';

const svc = (spec: Record<string, unknown>): KObject => ({ metadata: { name: 's', namespace: 'default' }, spec: { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }], ...spec } });
const none: InUse = { ips: new Set(), ports: new Set() };
const spec = (o: KObject): Record<string, unknown> => o.spec as Record<string, unknown>;
const messages = (causes: Array<{ field?: string; message: string }>): string[] => causes.map((c) => `${c.field}: ${c.message}`);

describe('Service allocation', () => {
  test('a ClusterIP Service gets the lowest free address above the static band, SingleStack IPv4', () => {
    const o = svc({});
    expect(allocateService(o, undefined, none, NET)).toEqual([]);
    expect(spec(o)).toMatchObject({ clusterIP: '198.51.100.145', clusterIPs: ['198.51.100.145'], ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' });
    const next = svc({});
    allocateService(next, undefined, { ips: new Set(['198.51.100.145']), ports: new Set() }, NET);
    expect(spec(next).clusterIP).toBe('198.51.100.146');
  });

  test('dual-stack policies get one address per family, the asked family first', () => {
    const o = svc({ ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv6'] });
    expect(allocateService(o, undefined, none, NET)).toEqual([]);
    expect(spec(o).ipFamilies).toEqual(['IPv6', 'IPv4']);
    expect(spec(o).clusterIPs).toEqual(['2001:db8:0:ff::101', '198.51.100.145']);
  });

  test('LoadBalancer Services get NodePorts unless allocateLoadBalancerNodePorts is false; ETP Local a health-check port', () => {
    const o = svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP' }, { port: 80, protocol: 'UDP' }, { port: 443, protocol: 'TCP' }] });
    expect(allocateService(o, undefined, { ips: new Set(), ports: new Set([30086]) }, NET)).toEqual([]);
    expect((spec(o).ports as Array<{ nodePort: number }>).map((p) => p.nodePort)).toEqual([30087, 30087, 30088]);
    expect(spec(o).healthCheckNodePort).toBe(30089);
    const noPorts = svc({ type: 'LoadBalancer', allocateLoadBalancerNodePorts: false });
    allocateService(noPorts, undefined, none, NET);
    expect((spec(noPorts).ports as Array<{ nodePort?: number }>)[0]?.nodePort).toBeUndefined();
  });

  test('the API server\'s errors for bad, taken and out-of-range values', () => {
    const cases: Array<[Record<string, unknown>, InUse, string]> = [
      [{ clusterIP: '1.2.3.4' }, none, 'spec.clusterIPs: Invalid value: []string{"1.2.3.4"}: failed to allocate IP 1.2.3.4: the provided IP (1.2.3.4) is not in the valid range. The range of valid IPs is 198.51.100.128/25'],
      [{ clusterIP: '198.51.100.200' }, { ips: new Set(['198.51.100.200']), ports: new Set() }, 'spec.clusterIPs: Invalid value: []string{"198.51.100.200"}: failed to allocate IP 198.51.100.200: provided IP is already allocated'],
      [{ clusterIP: 'nope' }, none, 'spec.clusterIPs[0]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
      [{ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] }, none, 'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'],
      [{ type: 'NodePort', ports: [{ port: 80, nodePort: 30100 }] }, { ips: new Set(), ports: new Set([30100]) }, 'spec.ports[0].nodePort: Invalid value: 30100: provided port is already allocated'],
      [{ ports: [{ port: 80, nodePort: 30100 }] }, none, "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
      [{ ipFamilies: ['IPv4', 'IPv6'] }, none, "spec.ipFamilyPolicy: Invalid value: \"SingleStack\": must be 'RequireDualStack' or 'PreferDualStack' when multiple IP families are specified"],
      [{ type: 'ExternalName', externalName: 'x.example', clusterIP: '198.51.100.150' }, none, 'spec.clusterIPs: Forbidden: may not be set for ExternalName services'],
    ];
    for (const [s, used, want] of cases) expect(messages(allocateService(svc(s), undefined, used, NET))).toEqual([want]);
  });

  test('an update keeps what the stored Service holds, refuses a changed ClusterIP, and drops NodePorts on a change to ClusterIP', () => {
    const old = svc({ type: 'NodePort' });
    allocateService(old, undefined, none, NET);
    const same = svc({ type: 'NodePort' });
    expect(allocateService(same, old, { ips: new Set(heldBy(old).ips), ports: new Set(heldBy(old).ports) }, NET)).toEqual([]);
    expect(spec(same).clusterIP).toBe(spec(old).clusterIP);
    expect((spec(same).ports as Array<{ nodePort: number }>)[0]?.nodePort).toBe(30086);
    expect(messages(allocateService(svc({ type: 'NodePort', clusterIP: '198.51.100.199' }), old, none, NET))).toEqual(['spec.clusterIPs[0]: Invalid value: []string{"198.51.100.199"}: may not change once set']);
    const toClusterIp = svc({ type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP', nodePort: 30086 }] });
    expect(allocateService(toClusterIp, old, none, NET)).toEqual([]);
    expect((spec(toClusterIp).ports as Array<{ nodePort?: number }>)[0]?.nodePort).toBeUndefined();
  });

  test('headless Services hold no address', () => {
    const o = svc({ clusterIP: 'None' });
    expect(allocateService(o, undefined, none, NET)).toEqual([]);
    expect(spec(o)).toMatchObject({ clusterIP: 'None', clusterIPs: ['None'] });
    expect(heldBy(o).ips).toEqual([]);
  });

  test('holdings kept from writes allocate as a scan of every Service would: the lowest free address, a released one again', () => {
    const held = new ServiceHoldings(NET);
    const stored = new Map<string, KObject>();
    const create = (name: string, extra: Record<string, unknown> = {}): KObject => {
      const o = { ...svc({ type: 'NodePort', ...extra }), metadata: { name, namespace: 'default' } };
      expect(allocateService(o, undefined, held.inUseExcept(undefined), NET)).toEqual([]);
      held.add(o);
      stored.set(name, o);
      return o;
    };
    const ips = ['a', 'b', 'c', 'd'].map((n) => spec(create(n)).clusterIP);
    expect(ips).toEqual(['198.51.100.145', '198.51.100.146', '198.51.100.147', '198.51.100.148']);
    held.remove(stored.get('b') as KObject);
    expect(spec(create('e')).clusterIP).toBe('198.51.100.146');
    expect(spec(create('f')).clusterIP).toBe('198.51.100.149');
    // A Service asking for a taken address or port is refused; its own ones stay its own on an update.
    const a = stored.get('a') as KObject;
    expect(messages(allocateService(svc({ clusterIP: '198.51.100.147' }), undefined, held.inUseExcept(undefined), NET))).toEqual([
      'spec.clusterIPs: Invalid value: []string{"198.51.100.147"}: failed to allocate IP 198.51.100.147: provided IP is already allocated',
    ]);
    const port = (spec(a).ports as Array<{ nodePort: number }>)[0]?.nodePort;
    expect(messages(allocateService(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: port }] }), undefined, held.inUseExcept(undefined), NET))).toEqual([
      `spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`,
    ]);
    const again = { ...svc({ type: 'NodePort', clusterIP: spec(a).clusterIP, ports: [{ port: 80, protocol: 'TCP', nodePort: port }] }), metadata: { name: 'a', namespace: 'default' } };
    expect(allocateService(again, a, held.inUseExcept(a), NET)).toEqual([]);
  });
});
