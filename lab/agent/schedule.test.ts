// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import type { V1Node, V1PodSpec } from '@kubernetes/client-node';
import { daemonSetNodes, matchTerm, nodeReady, tolerates, unschedulableReason } from './schedule.js';

const node = (name: string, labels: Record<string, string> = {}, taints: V1Node['spec'] = {}): V1Node => ({ metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } }, spec: taints });
const member = 'l2-load-balancer.network.deckhouse.io/member';
const nodes = [node('node-1', { [member]: '' }), node('node-2', { [member]: '', zone: 'a' }), node('node-3', { zone: 'b' }), node('node-4')];

describe('daemonSetNodes', () => {
  test('no constraints: every node', () => {
    expect(daemonSetNodes({ containers: [] }, nodes)).toEqual(['node-1', 'node-2', 'node-3', 'node-4']);
  });

  test('the speaker affinity: L2 members or a BGP term (terms are ORed)', () => {
    const spec: V1PodSpec = {
      containers: [],
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
        { matchExpressions: [{ key: member, operator: 'Exists' }] },
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] },
      ] } } },
    };
    expect(daemonSetNodes(spec, nodes)).toEqual(['node-1', 'node-2', 'node-3']);
  });

  test('nodeSelector and expressions within a term are ANDed', () => {
    const spec: V1PodSpec = {
      containers: [],
      nodeSelector: { zone: 'a' },
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
        { matchExpressions: [{ key: member, operator: 'Exists' }, { key: 'kubernetes.io/hostname', operator: 'NotIn', values: ['node-1'] }] },
      ] } } },
    };
    expect(daemonSetNodes(spec, nodes)).toEqual(['node-2']);
    expect(unschedulableReason(spec, nodes[0] as V1Node)).toBe('nodeSelector zone=a does not match');
  });

  test('taints need tolerations; operator Exists without key tolerates everything', () => {
    const tainted = node('cp', {}, { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] });
    expect(unschedulableReason({ containers: [] }, tainted)).toBe('taint node-role.kubernetes.io/control-plane:NoSchedule is not tolerated');
    expect(unschedulableReason({ containers: [], tolerations: [{ operator: 'Exists' }] }, tainted)).toBeUndefined();
  });

  test('matchFields on metadata.name, Gt/Lt on numbers, empty term matches nothing', () => {
    const n = node('node-9', { rank: '5' });
    expect(matchTerm({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-9'] }] }, n)).toBe(true);
    expect(matchTerm({ matchExpressions: [{ key: 'rank', operator: 'Gt', values: ['4'] }] }, n)).toBe(true);
    expect(matchTerm({ matchExpressions: [{ key: 'rank', operator: 'Lt', values: ['4'] }] }, n)).toBe(false);
    expect(matchTerm({}, n)).toBe(false);
  });

  test('a nodeSelector with an invalid label key or value is a reason the pod cannot run, not a silent non-match', () => {
    const n = node('node-9', { 'zone a': 'x' });
    expect(unschedulableReason({ containers: [], nodeSelector: { 'zone a': 'x' } }, n)).toMatch(/^invalid nodeSelector: invalid label key "zone a"/);
    expect(unschedulableReason({ containers: [], nodeSelector: { zone: 'a b' } }, node('node-9', { zone: 'a b' }))).toMatch(/^invalid nodeSelector: invalid label value "a b" for "zone"/);
  });

  test('an invalid requirement is a reason the pod cannot run, not a silent non-match', () => {
    const n = node('node-9', { rank: '5' });
    const spec = (operator: string, values?: string[]) => ({ containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'rank', operator, ...(values ? { values } : {}) }] }] } } } });
    expect(unschedulableReason(spec('Near', ['5']), n)).toBe('invalid required node affinity: "Near" is not a valid node selector operator (on "rank")');
    expect(unschedulableReason(spec('Gt', ['five']), n)).toMatch(/^invalid required node affinity: operator Gt on "rank" takes exactly one integer value/);
    expect(unschedulableReason(spec('In'), n)).toMatch(/^invalid required node affinity: operator In on "rank" needs at least one value/);
    expect(unschedulableReason(spec('In', ['5']), n)).toBeUndefined();
  });

  test('property: NotIn is the complement of In on present labels', () => {
    const value = fc.stringMatching(/^([a-z0-9]([-a-z0-9]{0,4}[a-z0-9])?)?$/);
    fc.assert(fc.property(value, fc.array(value, { minLength: 1 }), (v, vals) => {
      const n = node('x', { k: v });
      const inT = matchTerm({ matchExpressions: [{ key: 'k', operator: 'In', values: vals }] }, n);
      const notIn = matchTerm({ matchExpressions: [{ key: 'k', operator: 'NotIn', values: vals }] }, n);
      return inT !== notIn;
    }));
  });

  test('tolerations: key/value/effect must agree', () => {
    const taint = { key: 'dedicated', value: 'lb', effect: 'NoExecute' };
    expect(tolerates({ key: 'dedicated', operator: 'Equal', value: 'lb' }, taint)).toBe(true);
    expect(tolerates({ key: 'dedicated', operator: 'Equal', value: 'x' }, taint)).toBe(false);
    expect(tolerates({ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }, taint)).toBe(false);
  });

  test('nodeReady reads the Ready condition', () => {
    expect(nodeReady({ status: { conditions: [{ type: 'Ready', status: 'True' }] } })).toBe(true);
    expect(nodeReady({ status: { conditions: [{ type: 'Ready', status: 'False' }] } })).toBe(false);
    expect(nodeReady({})).toBe(false);
  });
});
