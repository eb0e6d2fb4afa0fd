// SPDX-License-Identifier: Apache-2.0
/** Real-world manifests against the shipped CRDs: MetalLB's own shapes unchanged, and the module's API with clear errors. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { formatFieldError, repoRoot } from '../../lib/schemas/index.js';
import { readYamlAll } from '../../lib/schemas/load.js';
import { crdValidators, typeOfManifest } from './crd-index.js';

const dir = join(repoRoot(), 'test/fixtures/metallb');
const validator = crdValidators();
const docs = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => readYamlAll(join(dir, f)).map((doc) => ({ file: f, doc, ...typeOfManifest(doc) })))
  .filter((d) => d.apiVersion.includes('metallb.io') || d.apiVersion.includes('deckhouse.io'));

describe('manifests validate unchanged against the shipped CRDs', () => {
  test('the fixtures cover every native kind and BGPPeer v1beta1 and v1beta2', () => {
    const kinds = new Set(docs.map((d) => `${d.apiVersion} ${d.kind}`));
    for (const k of ['IPAddressPool', 'L2Advertisement', 'BGPAdvertisement', 'Community', 'BFDProfile', 'ServiceL2Status', 'BGPPeer']) expect(kinds).toContain(`metallb.io/v1beta1 ${k}`);
    expect(kinds).toContain('metallb.io/v1beta2 BGPPeer');
  });

  test.each(docs.map((d) => [`${d.file}: ${d.apiVersion} ${d.kind} ${d.name}`, d] as const))('%s', (_title, d) => {
    const validate = validator(d.apiVersion, d.kind);
    expect(validate).toBeDefined();
    const r = validate!(d.doc);
    expect(r.errors.map(formatFieldError)).toEqual([]);
    expect(r.pruned).toEqual([]);
  });
});

describe('the module API rejects bad objects with the field named', () => {
  const mlbc = validator('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerClass')!;
  const pool = validator('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerPool')!;
  const peer = validator('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerBGPPeer')!;
  const config = validator('network.deckhouse.io/v1alpha1', 'MetalLoadBalancerConfiguration')!;
  const lines = (r: ReturnType<typeof mlbc>) => r.errors.map(formatFieldError);
  const obj = (kind: string, spec: unknown) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind, metadata: { name: 'x' }, spec });

  test('a MetalLoadBalancerClass without addressPool', () => {
    expect(lines(mlbc(obj('MetalLoadBalancerClass', { type: 'L2' })))).toEqual(['spec.addressPool: Required value']);
  });

  test.each(['10.0.0.0/33', '300.1.1.1/24', '192.0.2.1', '2001:db8::/129', '192.0.2.9-', 'fe80::g/64', ' 192.0.2.0/24'])('a MetalLoadBalancerClass with the bad address %j', (bad) => {
    const r = mlbc(obj('MetalLoadBalancerClass', { addressPool: ['192.0.2.0/28', bad] }));
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.path)).toEqual(['spec.addressPool[1]']);
    expect(lines(r)[0]).toContain(`Invalid value: ${JSON.stringify(bad)}`);
  });

  test('an empty address list, an unknown type and a changed type', () => {
    expect(lines(mlbc(obj('MetalLoadBalancerClass', { addressPool: [], type: 'BGP' }))).sort()).toEqual([
      'spec.addressPool: Invalid value: "array": spec.addressPool in body should have at least 1 items',
      'spec.type: Unsupported value: "BGP": supported values: "L2"',
    ]);
    const old = obj('MetalLoadBalancerClass', { addressPool: ['192.0.2.0/28'], type: 'L2' });
    expect(mlbc(old, old).valid).toBe(true);
    expect(lines(mlbc(old, { ...old, spec: { type: 'X' } }))).toEqual(['spec.type: Invalid value: "string": type is immutable']);
  });

  test('defaults of the class and the pool', () => {
    expect(mlbc(obj('MetalLoadBalancerClass', { addressPool: ['192.0.2.0/28'] })).object).toMatchObject({ spec: { isDefault: false, type: 'L2' } });
    expect(pool(obj('MetalLoadBalancerPool', { addresses: ['203.0.113.0/24'] })).object).toMatchObject({ spec: { autoAssign: true, avoidBuggyIPs: false } });
  });

  test('a pool without addresses or with a bad range', () => {
    expect(lines(pool(obj('MetalLoadBalancerPool', {})))).toEqual(['spec.addresses: Required value']);
    expect(pool(obj('MetalLoadBalancerPool', { addresses: ['203.0.113.0/24', '203.0.113.300-203.0.113.310'] })).errors.map((e) => e.path)).toEqual(['spec.addresses[1]']);
  });

  test('a peer with ASN 0, a bad hold time, a half secret reference and a non-IP address', () => {
    const r = peer(obj('MetalLoadBalancerBGPPeer', { peerAddress: 'router', peerASN: 0, myASN: 4294967296, holdTime: '3', passwordSecretRef: { name: 'p' } }));
    expect(r.errors.map((e) => e.path).sort()).toEqual(['spec.holdTime', 'spec.myASN', 'spec.passwordSecretRef.namespace', 'spec.peerASN', 'spec.peerAddress']);
    expect(lines(r)).toContain('spec.peerASN: Invalid value: 0: spec.peerASN in body should be greater than or equal to 1');
  });

  test('a peer listing the same node twice in sourceAddresses', () => {
    const r = peer(obj('MetalLoadBalancerBGPPeer', { peerAddress: '192.0.2.1', peerASN: 1, myASN: 2, sourceAddresses: [{ nodeName: 'n1', address: '192.0.2.11' }, { nodeName: 'n1', address: '192.0.2.12' }] }));
    expect(lines(r)).toEqual(['spec.sourceAddresses[1]: Duplicate value: map[string]interface {}{"nodeName":"n1"}']);
  });

  test('a configuration without mode, with a bad community and an out-of-range aggregation length', () => {
    const r = config(obj('MetalLoadBalancerConfiguration', { advertisements: [{ poolNames: ['p'], bgp: { communities: ['65535'], aggregationLength: 129 } }, {}] }));
    expect(r.errors.map((e) => e.path).sort()).toEqual([
      'spec.advertisements[0].bgp.aggregationLength',
      'spec.advertisements[0].bgp.communities[0]',
      'spec.advertisements[1].poolNames',
      'spec.mode',
    ]);
  });
});
