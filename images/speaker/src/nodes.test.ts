import type { V1Node } from '@kubernetes/client-node';
import { leavingReason, nodeReady, readyOrAll } from './nodes.js';

const node = (name: string, ready?: string): V1Node => ({ metadata: { name }, status: ready ? { conditions: [{ type: 'Ready', status: ready }] } : {} });

describe('nodes that may announce', () => {
  test('Ready, or no Ready condition at all; Unknown and False are not', () => {
    expect([node('a', 'True'), node('b'), node('c', 'Unknown'), node('d', 'False')].map(nodeReady)).toEqual([true, true, false, false]);
  });

  test('the Ready ones, or every node when none is Ready', () => {
    expect(readyOrAll([node('a', 'True'), node('b', 'Unknown')]).map((n) => n.metadata?.name)).toEqual(['a']);
    expect(readyOrAll([node('a', 'Unknown'), node('b', 'False')]).map((n) => n.metadata?.name)).toEqual(['a', 'b']);
  });

  test('a stop is a restart unless the Node says it goes away: gone, being deleted, cordoned, tainted as leaving, shutting down', () => {
    const n = node('a', 'True');
    expect(leavingReason(n, true)).toBeUndefined();
    // nothing known (no list yet): a restart, as before
    expect(leavingReason(undefined, false)).toBeUndefined();
    expect(leavingReason(undefined, true)).toBe('its Node is gone');
    expect(leavingReason({ ...n, metadata: { name: 'a', deletionTimestamp: new Date() } }, true)).toBe('its Node is being deleted');
    expect(leavingReason({ ...n, spec: { unschedulable: true } }, true)).toBe('its Node is cordoned (drained)');
    expect(leavingReason({ ...n, spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', effect: 'NoExecute' }] } }, true)).toBe('its Node has the taint node.kubernetes.io/out-of-service');
    expect(leavingReason({ ...n, spec: { taints: [{ key: 'dedicated', effect: 'NoSchedule' }] } }, true)).toBeUndefined();
    expect(leavingReason({ ...n, status: { conditions: [{ type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'node is shutting down' }] } }, true)).toBe('its Node is shutting down');
    // NotReady for another reason (a network problem) is no plan to leave
    expect(leavingReason({ ...n, status: { conditions: [{ type: 'Ready', status: 'Unknown', message: 'Kubelet stopped posting node status.' }] } }, true)).toBeUndefined();
  });
});
