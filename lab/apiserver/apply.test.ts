import { fieldSet, serverSideApply } from './apply.js';
import type { KObject } from './types.js';

const NOW = '2026-01-01T00:00:00Z';

function cm(data: Record<string, string>, extra: Partial<KObject['metadata']> = {}): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'd', ...extra }, data };
}

describe('server-side apply', () => {
  test('field sets: keyed lists per item, other lists atomic, identity fields left out', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', labels: { a: 'b' } }, spec: { ports: [{ port: 80, name: 'http' }], externalIPs: ['192.0.2.1'] } };
    expect(fieldSet(svc)).toEqual({
      'f:metadata': { 'f:labels': { 'f:a': {} } },
      'f:spec': { 'f:ports': { 'k:{"port":80}': { 'f:port': {}, 'f:name': {} } }, 'f:externalIPs': {} },
    });
  });

  test('a manager that stops applying a field removes it', () => {
    const first = serverSideApply(cm({}), cm({ a: '1', b: '2' }), 'm', false, true, NOW).object;
    const second = serverSideApply(first, cm({ a: '1' }), 'm', false, true, NOW).object;
    expect(second.data).toEqual({ a: '1' });
    expect(second.metadata.managedFields).toHaveLength(1);
  });

  test('a field that another manager also applies stays', () => {
    let o = serverSideApply(cm({}), cm({ a: '1', b: '2' }), 'm', false, true, NOW).object;
    o = serverSideApply(o, cm({ b: '2' }), 'n', false, true, NOW).object;
    o = serverSideApply(o, cm({ a: '1' }), 'm', false, true, NOW).object;
    expect(o.data).toEqual({ a: '1', b: '2' });
  });

  test('a different value for a field another manager owns is a conflict unless forced; force takes it over', () => {
    const o = serverSideApply(cm({}), cm({ a: '1' }), 'm', false, true, NOW).object;
    const clash = serverSideApply(o, cm({ a: '2' }), 'n', false, true, NOW);
    expect(clash.conflicts).toEqual(['conflict with "m" using v1: .data.a']);
    expect(clash.object).toBe(o);
    const forced = serverSideApply(o, cm({ a: '2' }), 'n', true, true, NOW).object;
    expect(forced.data).toEqual({ a: '2' });
    // m no longer owns data.a, so m dropping it does not remove n's value.
    const after = serverSideApply(forced, cm({}), 'm', false, true, NOW).object;
    expect(after.data).toEqual({ a: '2' });
  });

  test('keyed list items merge by key and released items go', () => {
    const svc = (ports: number[]): KObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: ports.map((port) => ({ port })) } });
    let o = serverSideApply(svc([]), svc([80, 443]), 'm', false, true, NOW).object;
    o = serverSideApply(o, svc([443]), 'm', false, true, NOW).object;
    expect(o.spec).toEqual({ ports: [{ port: 443 }] });
  });
});
