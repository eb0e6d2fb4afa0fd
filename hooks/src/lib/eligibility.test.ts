// SPDX-License-Identifier: Apache-2.0
import { eligibleNodes, ineligibility, nodeFromObject, selectedNodes, tolerates, type NodeInfo } from './eligibility.js';

const node = (name: string, over: Partial<NodeInfo> = {}): NodeInfo => ({ name, labels: {}, taints: [], ready: true, ...over });

describe('tolerations', () => {
  test.each([
    [{ key: 'a', operator: 'Equal', value: 'x', effect: 'NoSchedule' }, { key: 'a', value: 'x', effect: 'NoSchedule' }, true],
    [{ key: 'a', operator: 'Equal', value: 'y', effect: 'NoSchedule' }, { key: 'a', value: 'x', effect: 'NoSchedule' }, false],
    [{ key: 'a', operator: 'Exists' }, { key: 'a', value: 'x', effect: 'NoExecute' }, true],
    [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }, { key: 'a', effect: 'NoExecute' }, false],
    [{ operator: 'Exists' }, { key: 'anything', effect: 'NoSchedule' }, true],
    [{ operator: 'Equal' }, { key: 'anything', effect: 'NoSchedule' }, false],
    [{ key: 'a' }, { key: 'a', effect: 'NoSchedule' }, true],
    [{ key: 'b', operator: 'Exists' }, { key: 'a', effect: 'NoSchedule' }, false],
  ])('%j tolerates %j: %s', (t, taint, want) => {
    expect(tolerates(t, taint)).toBe(want);
  });
});

describe('eligibility', () => {
  const rules = { nodeSelector: { lb: '' }, tolerations: [{ key: 'dedicated', operator: 'Exists' }] };
  test('reasons, in the order a user checks them', () => {
    expect(ineligibility(node('a'), rules)).toBe('nodeSelector does not match');
    expect(ineligibility(node('a', { labels: { lb: '' }, ready: false }), rules)).toBe('not Ready');
    expect(ineligibility(node('a', { labels: { lb: '', 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' } }), rules)).toContain('exclude-from-external-load-balancers');
    expect(ineligibility(node('a', { labels: { lb: '' }, taints: [{ key: 'x', effect: 'NoExecute' }] }), rules)).toBe('taint x:NoExecute not tolerated');
    expect(ineligibility(node('a', { labels: { lb: '' }, taints: [{ key: 'x', effect: 'PreferNoSchedule' }, { key: 'dedicated', effect: 'NoSchedule' }] }), rules)).toBeUndefined();
  });

  test('a nodeSelector with an invalid label key or value selects no node and says why, never throws', () => {
    const labelled = node('a', { labels: { 'bad key': 'x', lb: 'not/a value' } });
    for (const nodeSelector of [{ 'bad key': 'x' }, { lb: 'not/a value' }]) {
      const bad = { nodeSelector, tolerations: [] };
      expect(ineligibility(labelled, bad)).toMatch(/^nodeSelector is invalid: invalid label (key "bad key"|value "not\/a value" for "lb")/);
      expect(eligibleNodes([labelled], bad)).toEqual([]);
      expect(selectedNodes([labelled], bad)).toEqual([]);
    }
  });

  test('a nodeSelector matches as a label selector: every pair, an empty one every node', () => {
    const nodes = [node('a', { labels: { lb: '', zone: 'x' } }), node('b', { labels: { lb: '' } }), node('c', { labels: { zone: 'x' } })];
    expect(selectedNodes(nodes, { nodeSelector: { lb: '', zone: 'x' }, tolerations: [] })).toEqual(['a']);
    expect(selectedNodes(nodes, { nodeSelector: {}, tolerations: [] })).toEqual(['a', 'b', 'c']);
  });

  test('eligible nodes come sorted', () => {
    expect(eligibleNodes([node('c', { labels: { lb: '' } }), node('a', { labels: { lb: '' } }), node('b')], rules)).toEqual(['a', 'c']);
  });

  test('node filter: readiness from the Ready condition, a node without conditions counts as ready', () => {
    expect(nodeFromObject({ metadata: { name: 'n' } })).toEqual({ name: 'n', labels: {}, taints: [], ready: true });
    expect(nodeFromObject({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } })?.ready).toBe(false);
    expect(nodeFromObject({ metadata: { name: 'n' }, spec: { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }, { bad: 1 }] } })?.taints).toEqual([{ key: 'k', value: 'v', effect: 'NoSchedule' }]);
    expect(nodeFromObject({ metadata: {} })).toBeNull();
  });
});
