import { humanAge } from './names.js';
import { builtinTypes, type ResourceType } from './resources.js';
import { toTable } from './table.js';
import type { KObject } from './types.js';

const NOW = Date.parse('2026-01-02T00:00:00Z');
const type = (r: string): ResourceType => builtinTypes().find((t) => t.resource === r && t.group === '') as ResourceType;

describe('tables', () => {
  test.each([
    [0, '0s'], [119, '119s'], [120, '2m'], [150, '2m30s'], [600, '10m'], [3 * 3600 + 60, '3h1m'], [9 * 3600, '9h'], [3 * 86400 + 3600, '3d1h'], [30 * 86400, '30d'], [800 * 86400, '2y'],
  ])('age of %ss is %s', (secs, want) => {
    expect(humanAge(new Date(NOW - secs * 1000).toISOString(), NOW)).toBe(want);
  });

  test('Services: EXTERNAL-IP from status, <pending> without, ports with protocol', () => {
    const svc = (status: unknown): KObject => ({ metadata: { name: 'web', creationTimestamp: '2026-01-01T23:59:00Z' }, spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } }, status });
    const t = toTable(type('services'), 'v1', [svc({}), svc({ loadBalancer: { ingress: [{ ip: '192.0.2.200' }, { ip: '2001:db8:0:1::200' }] } })], { now: NOW }) as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[]; object: { kind: string } }> };
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
    expect(t.rows[0]?.cells).toEqual(['web', 'LoadBalancer', '<none>', '<pending>', '80/TCP', '60s', 'app=web']);
    expect(t.rows[1]?.cells[3]).toBe('192.0.2.200,2001:db8:0:1::200');
    expect(t.rows[0]?.object.kind).toBe('PartialObjectMetadata');
  });

  test('CRD printer columns evaluate their JSONPath; a watch event after the first has no headers', () => {
    const crdType: ResourceType = { ...type('configmaps'), crd: 'x', columns: { v1: [{ name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' }, { name: 'Pools', type: 'string', jsonPath: '.spec.pools' }] } };
    const o: KObject = { metadata: { name: 'a' }, spec: { pools: ['p1', 'p2'] }, status: { conditions: [{ type: 'Other', status: 'False' }, { type: 'Ready', status: 'True' }] } };
    expect((toTable(crdType, 'v1', [o], { now: NOW }) as { rows: Array<{ cells: unknown[] }> }).rows[0]?.cells).toEqual(['a', 'True', '["p1","p2"]']);
    expect((toTable(crdType, 'v1', [o], { now: NOW, noHeaders: true }) as { columnDefinitions: unknown[] }).columnDefinitions).toEqual([]);
  });
});
