// SPDX-License-Identifier: Apache-2.0
/**
 * A cluster of today's Deckhouse metallb module upgrades in one go, through the module runtime, the real hooks
 * and chart and the controller against the embedded API server: the documented version 1 ModuleConfig (layer2 and
 * bgp pools, a peer with a password, a peer with a source address), the documented MetalLB L2 objects, Services
 * that already have addresses, the DNS pair of the module's docs with its shared-ip-key, and a class name with a
 * typo. Everything keeps working, and what moved is said by metrics, Events and the ModuleConfig status.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import { loadCrdFiles } from '../../lib/schemas/index.js';
import { passwordSecretName } from '../../hooks/src/lib/bgp/plan.js';
import type { Kube } from '../../lab/runtime/kube.js';
import type { ModuleRuntime } from '../../lab/runtime/runtime.js';
import { yamlObjects } from '../../lab/scenario/examples.js';
import { repoRoot } from '../helpers/hooks-tree.js';
import { until as waitUntil } from '../helpers/until.js';
import { parseState } from './harness.js';
import { useModuleE2e } from './module-e2e.js';

jest.setTimeout(300000);
const e2e = useModuleE2e('hooks-drop-in-e2e');
const { missing, it } = e2e;
let rt: ModuleRuntime | undefined;
let kube: Kube;

const until = <T>(what: string, fn: () => Promise<T | undefined | false>, ms = 120000): Promise<T> => waitUntil(what, fn, ms, 200);
const docs = yamlObjects(fs.readFileSync(path.join(repoRoot, 'docs/EXAMPLES.md'), 'utf8'));
const ips = async (name: string): Promise<string[]> => (((await kube.get('v1', 'Service', 'app', name))?.status as { loadBalancer?: { ingress?: { ip: string }[] } } | undefined)?.loadBalancer?.ingress ?? []).map((i) => i.ip);

/** Nodes of the old setup: the speaker nodeSelector of the ModuleConfig and the L2Advertisement's label. */
const NODES = parseState(['node-1', 'node-2'].map((n, i) => `---
apiVersion: v1
kind: Node
metadata:
  name: ${n}
  labels: {kubernetes.io/hostname: ${n}, node-role.deckhouse.io/metallb: "", node-role.kubernetes.io/frontend: ""}
status:
  conditions: [{type: Ready, status: "True"}]
  addresses: [{type: InternalIP, address: 192.0.2.${11 + i}}]`).join('\n'));

/** Services as the old MetalLB left them (with their addresses), and new ones written the way the docs say. */
const SERVICES = parseState(`
apiVersion: v1
kind: Service
metadata: {name: old-l2, namespace: app}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
status: {loadBalancer: {ingress: [{ip: 192.0.2.205}]}}
---
apiVersion: v1
kind: Service
metadata: {name: old-office, namespace: app, annotations: {metallb.io/ip-allocated-from-pool: legacy-l2}}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80}]}
status: {loadBalancer: {ingress: [{ip: 198.51.100.203}]}}
---
apiVersion: v1
kind: Service
metadata: {name: old-bgp, namespace: app}
spec: {type: LoadBalancer, selector: {app: api}, ports: [{port: 443}]}
status: {loadBalancer: {ingress: [{ip: 198.51.100.70}]}}
---
apiVersion: v1
kind: Service
metadata: {name: dns-service-tcp, namespace: app, annotations: {network.deckhouse.io/load-balancer-shared-ip-key: "key-to-share-1.2.3.4"}}
spec: {type: LoadBalancer, selector: {app: dns}, ports: [{name: dnstcp, protocol: TCP, port: 53, targetPort: dnstcp}]}
---
apiVersion: v1
kind: Service
metadata: {name: dns-service-udp, namespace: app, annotations: {network.deckhouse.io/load-balancer-shared-ip-key: "key-to-share-1.2.3.4"}}
spec: {type: LoadBalancer, selector: {app: dns}, ports: [{name: dnsudp, protocol: UDP, port: 53, targetPort: dnsudp}]}
---
apiVersion: v1
kind: Service
metadata: {name: typo, namespace: app}
spec: {type: LoadBalancer, loadBalancerClass: frontend-pol, selector: {app: web}, ports: [{port: 8080}]}
`);

describe(`a cluster of today's module upgrades unchanged${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('the documented version 1 ModuleConfig, MetalLB objects and old Services are applied', async () => {
    // the cluster as the old module left it: its CRDs, the ModuleConfig, the objects; then the new module starts
    kube = e2e.kube();
    for (const { crd } of loadCrdFiles(repoRoot)) await kube.create(crd as KubeObject);
    for (const crd of parseState(fs.readFileSync(path.join(repoRoot, 'lab/crds/moduleconfigs.yaml'), 'utf8'))) await kube.create(crd);
    await until('the CRDs served', () => Promise.all([kube.list('metallb.io/v1beta1', 'L2Advertisement'), kube.list('deckhouse.io/v1alpha1', 'ModuleConfig')]).then(() => true));
    for (const name of ['app', 'd8-metallb']) await kube.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    const mc = docs.find((o) => o.kind === 'ModuleConfig' && (o.spec as { version?: number }).version === 1) as KubeObject;
    const l2 = docs.filter((o) => o.metadata?.name === 'legacy-l2');
    expect(l2.map((o) => o.kind)).toEqual(['IPAddressPool', 'L2Advertisement']);
    for (const o of [mc, ...NODES, ...l2, ...SERVICES]) {
      const { status, ...rest } = o;
      await kube.create(rest);
      if (status) await kube.patch('v1', o.kind as string, o.metadata?.namespace, o.metadata?.name as string, 'merge', { status }, 'status');
    }
    rt = e2e.startRuntime();
  });

  it('the settings become resources and nothing is dropped: the password is a Secret the peer references', async () => {
    const G = 'network.deckhouse.io/v1alpha1';
    const classes = await until('the migrated classes', async () => {
      const l = (await kube.list(G, 'MetalLoadBalancerClass')).items.map((o) => o.metadata?.name).sort();
      return l.length === 2 && l;
    });
    expect(classes).toEqual(['autogenerated-legacy-l2', 'l2-default']);
    const peer = await until('peer-0', () => kube.get(G, 'MetalLoadBalancerBGPPeer', undefined, 'peer-0'));
    expect(peer.spec).toMatchObject({ peerAddress: '192.0.2.1', peerASN: 64512, myASN: 64513, holdTime: '9s', passwordSecretRef: { name: 'peer-0-password', namespace: 'd8-metallb' } });
    const secret = await until('its password Secret', () => kube.get('v1', 'Secret', 'd8-metallb', 'peer-0-password'));
    expect(Buffer.from((secret.data as { password: string }).password, 'base64').toString()).toBe('s3cret-bgp-password');
    const native = await until('peer-1 as a MetalLB BGPPeer', () => kube.get('metallb.io/v1beta2', 'BGPPeer', 'd8-metallb', 'peer-1'));
    expect(native.spec).toMatchObject({ sourceAddress: '192.0.2.11', nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': 'node-1', 'node-role.deckhouse.io/metallb': '' } }] });
    // the chart renders the BGP side from them: the pool, the peer with its copied password, and the speakers
    const rendered = await until('the rendered BGPPeer', () => kube.get('metallb.io/v1beta2', 'BGPPeer', 'd8-metallb', 'peer-0-migrated-bgp'));
    expect(rendered.spec).toMatchObject({ passwordSecret: { name: passwordSecretName({ namespace: 'd8-metallb', name: 'peer-0-password' }), namespace: 'd8-metallb' } });
    const ds = await until('the speaker DaemonSet', () => kube.get('apps/v1', 'DaemonSet', 'd8-metallb', 'speaker'));
    const caps = (ds.spec as { template: { spec: { containers: { securityContext: { capabilities: { add: string[] } } }[] } } }).template.spec.containers[0]?.securityContext.capabilities.add;
    expect(caps).toEqual(['NET_RAW', 'NET_ADMIN']);
  });

  it('every moved setting is a metric for the alert D8MetallbSettingsMigrated; the ModuleConfig status only warns', async () => {
    const text = await until('the migration metrics', async () => {
      const t = await rt?.metrics.registry.metrics();
      return t?.includes('moved_to="Secret d8-metallb/peer-0-password"') && t;
    });
    for (const want of ['setting="bgpPeers[0].password",moved_to="Secret d8-metallb/peer-0-password"', 'setting="addressPools[0]",moved_to="MetalLoadBalancerClass l2-default"', 'setting="addressPools[1]",moved_to="MetalLoadBalancerPool public-bgp"']) expect(text).toContain(want);
    const mc = await kube.get('deckhouse.io/v1alpha1', 'ModuleConfig', undefined, 'metallb');
    const message = (mc?.status as { message?: string } | undefined)?.message ?? '';
    expect(message).not.toMatch(/^Error/);
    expect(message).toContain('spec.version 1 is obsolete');
  });

  it('the old Services are adopted before the new controller runs, as the platform renders it after the beforeHelm hooks', async () => {
    const adopted = await until('old-bgp adopted', async () => (await kube.get('v1', 'Service', 'app', 'old-bgp'))?.metadata?.annotations);
    expect(adopted).toEqual({ 'network.deckhouse.io/load-balancer-ips': '198.51.100.70', 'network.deckhouse.io/load-balancer-pool': 'public-bgp' });
    expect((await kube.get('v1', 'Service', 'app', 'old-l2'))?.metadata?.annotations).toEqual({ 'network.deckhouse.io/load-balancer-ips': '192.0.2.205' });
    await e2e.startController('controller-drop-in');
  });

  it('Services keep their addresses: L2 ones on their classes, the BGP one in its pool', async () => {
    await until('old-l2 keeps 192.0.2.205', async () => (await ips('old-l2')).join() === '192.0.2.205');
    await until('old-office keeps 198.51.100.203', async () => (await ips('old-office')).join() === '198.51.100.203');
    await until('old-bgp keeps 198.51.100.70', async () => (await ips('old-bgp')).join() === '198.51.100.70');
    const ann = (await kube.get('v1', 'Service', 'app', 'old-bgp'))?.metadata?.annotations;
    expect(ann?.['network.deckhouse.io/load-balancer-pool']).toBe('public-bgp');
    expect((await kube.get('v1', 'Service', 'app', 'old-office'))?.metadata?.annotations?.['network.deckhouse.io/metal-load-balancer-class']).toBe('autogenerated-legacy-l2');
  });

  it('the DNS pair of the docs shares one address by its shared-ip-key', async () => {
    const both = await until('both DNS Services with an address', async () => {
      const [t, u] = [await ips('dns-service-tcp'), await ips('dns-service-udp')];
      return t.length === 1 && u.length === 1 && [t[0], u[0]];
    });
    expect(both[0]).toBe(both[1]);
    expect(both[0]).toMatch(/^192\.0\.2\.(20\d|210)$/);
  });

  it('a class name with a typo falls back to the default class, and an Event says so', async () => {
    await until('typo gets an address', async () => (await ips('typo')).length === 1);
    const ev = await until('the UnknownLoadBalancerClass event', async () => (await kube.list('v1', 'Event', 'app')).items.find((e) => (e as { reason?: string; involvedObject?: { name?: string } }).reason === 'UnknownLoadBalancerClass' && (e as { involvedObject: { name: string } }).involvedObject.name === 'typo'));
    expect((ev as { message: string }).message).toContain('MetalLoadBalancerClass "frontend-pol" named in spec.loadBalancerClass does not exist; MetalLoadBalancerClass "l2-default" serves the Service instead');
  });
});
