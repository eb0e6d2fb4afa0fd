// SPDX-License-Identifier: Apache-2.0
/**
 * Hooks → values → the real chart: the values the hooks write on the scenario fixtures render, with the real
 * helm binary, into the objects the controller and speakers read (the docs example: 3 instances on 3 nodes).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { findManifest, helmBinary, renderChart, repoRoot, type Manifest } from '../helpers/helm.js';
import * as bgp from '../../hooks/src/discovery-bgp.js';
import * as l2 from '../../hooks/src/discovery-l2-load-balancers.js';
import { at, Cluster, fixture, runHook } from './harness.js';

const missing = fs.existsSync(helmBinary) ? undefined : 'helm is missing (run scripts/setup.sh)';
const it = missing ? test.skip : test;
const base = yaml.load(fs.readFileSync(path.join(repoRoot, 'test/render/scenarios/base.yaml'), 'utf8')) as { metallb: { internal: Record<string, unknown> } };

async function rendered(fixtureName: string): Promise<Manifest[]> {
  const cluster = new Cluster(fixture(fixtureName));
  const values = structuredClone(base);
  for (const hook of [l2, bgp]) {
    const r = await runHook(hook, cluster, { values: { metallb: { internal: {} } } });
    Object.assign(values.metallb.internal, at(r.values, 'metallb.internal'));
  }
  return renderChart(values);
}

describe(`hook values render into the chart${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('docs example: 3 SDNInternalL2LBService objects on 3 distinct nodes, and the class pool', async () => {
    const m = await rendered('l2-docs-example');
    const inst = m.filter((x) => x.kind === 'SDNInternalL2LBService');
    expect(inst.map((x) => `${x.metadata.namespace}/${x.metadata.name}`).sort()).toEqual(['web/nginx-ingress-0', 'web/nginx-ingress-1', 'web/nginx-ingress-2']);
    expect(new Set(inst.map((x) => x.metadata.annotations?.['metallb.io/preferredL2SpeakerNode']))).toEqual(new Set(['lb-1', 'lb-2', 'lb-3']));
    for (const x of inst) {
      expect(x.metadata.annotations?.['metallb.io/address-pool']).toBe('ingress');
      expect(x.metadata.labels?.['parent-service']).toBe('nginx');
      expect(x.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io', serviceRef: { name: 'nginx', namespace: 'web' } });
    }
    expect(findManifest(m, 'IPAddressPool', 'ingress', 'd8-metallb')?.spec).toMatchObject({ addresses: ['192.0.2.200-192.0.2.250'] });
    expect(findManifest(m, 'L2Advertisement', 'ingress', 'd8-metallb')).toBeDefined();
  });

  it('desired IPs and sharing keys reach the instance annotations', async () => {
    const m = await rendered('l2-two-classes');
    const shop0 = findManifest(m, 'SDNInternalL2LBService', 'shop-frontend-0', 'shop');
    expect(shop0?.metadata.annotations).toMatchObject({ 'metallb.io/loadBalancerIPs': '192.0.2.231', 'metallb.io/allow-shared-ip': 'shop-key' });
  });

  it('BGP discovery renders peers, advertisements, BFD profiles and the copied password Secret', async () => {
    const m = await rendered('bgp');
    expect(findManifest(m, 'BGPPeer', 'test-peer-test-config-node-node-1', 'd8-metallb')?.spec).toMatchObject({ peerAddress: '192.0.2.1', sourceAddress: '192.0.2.11', bfdProfile: 'bfd-test-peer' });
    expect(findManifest(m, 'BGPAdvertisement', 'test-config-adv-0', 'd8-metallb')?.spec).toMatchObject({ ipAddressPools: ['test-pool'], localPref: 100 });
    expect(findManifest(m, 'BFDProfile', 'bfd-test-peer', 'd8-metallb')?.spec).toMatchObject({ receiveInterval: 300, transmitInterval: 300 });
    expect(findManifest(m, 'Secret', 'bgp-pwd-ns1-secret1-8ce9617fb4', 'd8-metallb')).toBeDefined();
  });
});
