// SPDX-License-Identifier: Apache-2.0
import type * as k8s from '@kubernetes/client-node';
import { serviceInfos } from './agent.js';

const svc = (name: string, loadBalancerClass?: string): k8s.V1Service => ({
  metadata: { name, namespace: 'apps' },
  spec: { type: 'LoadBalancer', ...(loadBalancerClass ? { loadBalancerClass } : {}) },
  status: { loadBalancer: { ingress: [{ ip: '203.0.113.1' }] } },
});

describe('the Services a speaker announces over BGP', () => {
  const all = [svc('plain'), svc('bgp', 'example.com/bgp'), svc('other', 'example.com/other')];

  test('without the loadBalancerClass setting: every LoadBalancer Service with an address', () => {
    expect(serviceInfos(all, [], 'node-1').map((s) => s.name)).toEqual(['plain', 'bgp', 'other']);
  });

  test("with it: only the Services of that class, as MetalLB's speaker with --lb-class", () => {
    expect(serviceInfos(all, [], 'node-1', 'example.com/bgp').map((s) => s.name)).toEqual(['bgp']);
  });
});
