import { desiredSlices } from './endpointslices.js';
import type { KObject } from './types.js';

const svc = (spec: Record<string, unknown>): KObject => ({ metadata: { name: 'web', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ipFamilies: ['IPv4'], ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }], ...spec } });
const pod = (name: string, node: string, ip: string, ready: boolean, extra: Partial<KObject['metadata']> = {}): KObject => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...extra },
  spec: { nodeName: node, containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080 }] }] },
  status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});
const nodes: KObject[] = [{ metadata: { name: 'node-1', labels: { 'topology.kubernetes.io/zone': 'a' } } }];

describe('EndpointSlices', () => {
  test('selected Pods with an address, their readiness, node, zone and the resolved named port', () => {
    const slices = desiredSlices(svc({}), [pod('a', 'node-1', '192.0.2.11', true), pod('b', 'node-2', '192.0.2.12', false), { ...pod('c', 'node-3', '192.0.2.13', true), metadata: { name: 'c', labels: { app: 'other' } } }, pod('d', 'node-4', '', true)], nodes);
    expect(slices).toEqual([{
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [
        { addresses: ['192.0.2.11'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'node-1', zone: 'a', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
        { addresses: ['192.0.2.12'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'node-2', targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' } },
      ],
    }]);
  });

  test('terminating Pods are not ready but still listed while serving; publishNotReadyAddresses makes every one ready', () => {
    const gone = pod('a', 'node-1', '192.0.2.11', true, { deletionTimestamp: '2026-01-01T00:00:00Z' });
    expect(desiredSlices(svc({}), [gone], nodes)[0]?.endpoints[0]?.conditions).toEqual({ ready: false, serving: true, terminating: true });
    expect(desiredSlices(svc({ publishNotReadyAddresses: true }), [pod('b', 'node-1', '192.0.2.12', false)], nodes)[0]?.endpoints[0]?.conditions).toEqual({ ready: true, serving: false, terminating: false });
  });

  test('one slice per family of the Service; an empty one when nothing is selected; none without a selector', () => {
    const dual = desiredSlices(svc({ ipFamilies: ['IPv4', 'IPv6'] }), [{ ...pod('a', 'node-1', '192.0.2.11', true), status: { phase: 'Running', podIPs: [{ ip: '192.0.2.11' }, { ip: '2001:db8::11' }], conditions: [{ type: 'Ready', status: 'True' }] } }], nodes);
    expect(dual.map((s) => [s.addressType, s.endpoints.map((e) => (e.addresses as string[])[0])])).toEqual([['IPv4', ['192.0.2.11']], ['IPv6', ['2001:db8::11']]]);
    expect(desiredSlices(svc({}), [], nodes)).toEqual([{ addressType: 'IPv4', endpoints: [], ports: [] }]);
    expect(desiredSlices(svc({ selector: undefined }), [pod('a', 'node-1', '192.0.2.11', true)], nodes)).toEqual([]);
  });
});
