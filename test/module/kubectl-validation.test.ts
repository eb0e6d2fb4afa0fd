// SPDX-License-Identifier: Apache-2.0
/**
 * Where the user looks: the shipped CRDs registered in the lab's API server, then the real
 * kubectl applies MetalLB manifests (accepted unchanged) and bad objects (rejected, field named).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { repoRoot } from '../../lib/schemas/index.js';
import { KUBECTL, useApiServer } from '../helpers/apiserver.js';

const root = repoRoot();
const api = useApiServer();
// kubectl runs take seconds each when the machine is busy.
jest.setTimeout(120_000);

const kubectl = (args: string[], input?: string) => api.kubectl(args, input);
const ok = (args: string[], input?: string) => api.kubectlOk(args, input);

const fixtures = join(root, 'test/fixtures/metallb');
const crdFiles = ['crds', 'crds/internal', 'crds/native'].flatMap((d) => readdirSync(join(root, d)).filter((f) => f.endsWith('.yaml') && !f.startsWith('doc-')).map((f) => join(root, d, f)));
const mlbc = (spec: string) => `apiVersion: network.deckhouse.io/v1alpha1\nkind: MetalLoadBalancerClass\nmetadata: {name: bad}\nspec: ${spec}\n`;

const suite = existsSync(KUBECTL) ? describe : describe.skip;
suite(existsSync(KUBECTL) ? 'kubectl against the shipped CRDs' : 'kubectl against the shipped CRDs (skipped: /usr/bin/kubectl is missing)', () => {
  beforeAll(async () => {
    await ok(['apply', ...crdFiles.flatMap((f) => ['-f', f])]);
    for (const ns of ['metallb-system', 'nginx']) await ok(['apply', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}}\n`);
  }, 120_000);

  test.each(readdirSync(fixtures).filter((f) => f.endsWith('.yaml')))('%s applies, and reads back with nothing dropped', async (file) => {
    const out = await ok(['apply', '-f', join(fixtures, file)]);
    expect(out).toMatch(/created/);
    for (const doc of yaml.loadAll(readFileSync(join(fixtures, file), 'utf8')) as { kind: string; apiVersion: string; metadata: { name: string; namespace?: string }; spec?: unknown }[]) {
      if (doc.kind === 'Secret' || doc.spec === undefined) continue;
      const ns = doc.metadata.namespace ? ['-n', doc.metadata.namespace] : [];
      const back = JSON.parse(await ok(['get', `${doc.kind.toLowerCase()}.${doc.apiVersion.split('/')[1]}.${doc.apiVersion.split('/')[0]}`, doc.metadata.name, ...ns, '-o', 'json'])) as { spec: unknown };
      expect(back.spec).toMatchObject(doc.spec as object);
    }
  });

  test('a class without addressPool', async () => {
    const r = await kubectl(['apply', '-f', '-'], mlbc('{type: L2}'));
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('The MetalLoadBalancerClass "bad" is invalid: spec.addressPool: Required value');
  });

  test('a class with a bad CIDR', async () => {
    const r = await kubectl(['apply', '-f', '-'], mlbc('{addressPool: [192.0.2.0/24, 192.0.2.0/33]}'));
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('The MetalLoadBalancerClass "bad" is invalid: spec.addressPool[1]: Invalid value: "192.0.2.0/33"');
  });

  test('a status.inForce of the wrong shape, written by hand', async () => {
    await ok(['apply', '-f', '-'], mlbc('{addressPool: [192.0.2.0/24]}'));
    const r = await kubectl(['patch', 'mlbc', 'bad', '--subresource=status', '--type=merge', '-p', '{"status":{"inForce":{"addressPool":"192.0.2.0/24","nodeSelector":{"role":1}}}}']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('status.inForce.addressPool: Invalid value: "string": status.inForce.addressPool in body must be of type array');
    expect(r.err).toContain('status.inForce.nodeSelector.role: Invalid value: "integer": status.inForce.nodeSelector.role in body must be of type string');
    await ok(['patch', 'mlbc', 'bad', '--subresource=status', '--type=merge', '-p', '{"status":{"inForce":{"name":"bad","addressPool":["192.0.2.0/24"],"nodeSelector":{"role":"lb"}}}}']);
  });

  test('changing the type of a class', async () => {
    await ok(['apply', '-f', '-'], mlbc('{addressPool: [192.0.2.0/24], type: L2}'));
    const r = await kubectl(['patch', 'mlbc', 'bad', '--type=merge', '-p', '{"spec":{"type":"L3"}}']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('spec.type: Unsupported value: "L3": supported values: "L2"');
  });

  test('a BGP peer with ASN 0 and a node listed twice', async () => {
    const doc = 'apiVersion: network.deckhouse.io/v1alpha1\nkind: MetalLoadBalancerBGPPeer\nmetadata: {name: p}\nspec: {peerAddress: 192.0.2.1, peerASN: 0, myASN: 64500, sourceAddresses: [{nodeName: n1, address: 192.0.2.11}, {nodeName: n1, address: 192.0.2.12}]}\n';
    const r = await kubectl(['apply', '-f', '-'], doc);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('spec.peerASN: Invalid value: 0: spec.peerASN in body should be greater than or equal to 1');
    expect(r.err).toContain('spec.sourceAddresses[1]: Duplicate value');
  });
});
