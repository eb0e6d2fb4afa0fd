// SPDX-License-Identifier: Apache-2.0
/**
 * Cost of validating objects the way the API server does (clone, prune, default, validate,
 * field errors) against plain ajv on the same schema, measured in the same run.
 */
import { performance } from 'node:perf_hooks';
import type { ValidateFunction } from 'ajv';
import { ajv, toAjvSchema } from '../lib/schemas/ajv.js';
import { compileCrdSchema, crdSchema, loadCrd, type SchemaValidator } from '../lib/schemas/index.js';
import { result, summarize, type BenchResult } from './result.js';

const rounds = 15;
const perRound = 2000;

/** Microseconds per call, one sample per round. */
function timeEach(fn: () => void): number[] {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < perRound; i++) fn();
    samples.push(((performance.now() - t0) * 1000) / perRound);
  }
  return samples;
}

function figure(name: string, ours: SchemaValidator, plain: ValidateFunction, obj: unknown): BenchResult {
  for (let i = 0; i < 500; i++) {
    ours(obj);
    plain(obj);
  }
  const s = summarize(timeEach(() => ours(obj)));
  const ref = summarize(timeEach(() => plain(obj)));
  return result(name, s.median, 'µs/object', ref.median, { referenceName: 'plain ajv validate, same schema, no prune/defaults', samples: s });
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const cases: [string, string, unknown][] = [
    ['MetalLoadBalancerClass', 'valid', { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', metadata: { name: 'ingress' }, spec: { addressPool: ['192.0.2.200-192.0.2.250', '2001:db8:0:1::/120'], nodeSelector: { role: 'lb' } } }],
    ['MetalLoadBalancerClass', 'invalid', { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', metadata: { name: 'bad' }, spec: { addressPool: ['10.0.0.0/33'], type: 'L3' } }],
    [
      'SDNInternalL2LBService',
      'valid',
      {
        apiVersion: 'internal.network.deckhouse.io/v1alpha1',
        kind: 'SDNInternalL2LBService',
        metadata: { name: 'nginx-ingress-0', namespace: 'nginx' },
        spec: { type: 'LoadBalancer', serviceRef: { name: 'nginx', namespace: 'nginx' }, clusterIP: '10.222.0.10', ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }], selector: { app: 'nginx' } },
        status: { loadBalancer: { ingress: [{ ip: '192.0.2.200' }] } },
      },
    ],
  ];
  for (const [kind, label, obj] of cases) {
    const schema = crdSchema(loadCrd(kind));
    out.push(figure(`schemas: validate ${kind} (${label})`, compileCrdSchema(schema), ajv.compile(toAjvSchema(schema)), obj));
  }
  return out;
}
