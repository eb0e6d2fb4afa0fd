import type { V1Node } from '@kubernetes/client-node';
import { nodeReady, readyOrAll } from './nodes.js';

const node = (name: string, ready?: string): V1Node => ({ metadata: { name }, status: ready ? { conditions: [{ type: 'Ready', status: ready }] } : {} });

describe('nodes that may announce', () => {
  test('Ready, or no Ready condition at all; Unknown and False are not', () => {
    expect([node('a', 'True'), node('b'), node('c', 'Unknown'), node('d', 'False')].map(nodeReady)).toEqual([true, true, false, false]);
  });

  test('the Ready ones, or every node when none is Ready', () => {
    expect(readyOrAll([node('a', 'True'), node('b', 'Unknown')]).map((n) => n.metadata?.name)).toEqual(['a']);
    expect(readyOrAll([node('a', 'Unknown'), node('b', 'False')]).map((n) => n.metadata?.name)).toEqual(['a', 'b']);
  });
});
