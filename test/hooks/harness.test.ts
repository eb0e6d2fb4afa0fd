// SPDX-License-Identifier: Apache-2.0
import { Cluster, mergePatch, objectErrors, valuesErrors } from './harness.js';

describe('hook test harness', () => {
  test('values are checked against openapi/values.yaml', () => {
    expect(valuesErrors({ metallb: { internal: { l2lbservices: [] } } })).toEqual([]);
    expect(valuesErrors({ metallb: { internal: { l2lbservices: [{ name: 'x' }] } } }).join()).toContain('namespace');
    expect(valuesErrors({ metallb: { internal: { unknownKey: 1 } } })).not.toEqual([]);
  });

  test('created objects are checked against the module CRDs', () => {
    expect(objectErrors({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerPool', metadata: { name: 'p' }, spec: { addresses: [] } })).not.toEqual([]);
    expect(objectErrors({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerPool', metadata: { name: 'p' }, spec: { addresses: ['203.0.113.0/28'] } })).toEqual([]);
  });

  test('operations replay like shell-operator: Create fails on existing, missing patches honour ignoreMissingObject', () => {
    const c = new Cluster([{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } }]);
    expect(() => c.apply([{ operation: 'Create', object: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } } }])).toThrow('already exists');
    expect(() => c.apply([{ operation: 'MergePatch', kind: 'Node', name: 'x', mergePatch: {} }])).toThrow('not found');
    c.apply([{ operation: 'MergePatch', kind: 'Node', name: 'x', mergePatch: {}, ignoreMissingObject: true }]);
    c.apply([{ operation: 'MergePatch', kind: 'Node', name: 'n', mergePatch: { metadata: { labels: { a: 'b' } } } }]);
    expect(c.get('v1', 'Node', 'n')?.metadata?.labels).toEqual({ a: 'b' });
  });

  test('merge patch is RFC 7386', () => {
    expect(mergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { b: null }, d: [2] })).toEqual({ a: { c: 2 }, d: [2] });
  });
});
