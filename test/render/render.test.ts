import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { findManifest, renderChart, helmBinary, type Manifest } from '../helpers/helm.js';
import { hasBuiltinModel, validateBuiltins } from '../helpers/k8s-models.js';
import { compileCrd, compileValuesSchema, type CompiledCrd, formatFieldError, loadCrdFiles, loadValuesSchema } from '../../lib/schemas/index.js';

const crds = new Map<string, CompiledCrd>(loadCrdFiles().map((f) => compileCrd(f.crd)).map((c) => [`${c.group}/${c.kind}`, c]));
const checkValues = compileValuesSchema(loadValuesSchema(), { prefix: ['metallb'] });

const scenarioDir = path.join(__dirname, 'scenarios');

function deepMerge(a: unknown, b: unknown): unknown {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
    for (const [k, v] of Object.entries(b as Record<string, unknown>)) out[k] = deepMerge(out[k], v);
    return out;
  }
  return b === undefined ? a : b;
}

function scenario(name: string): unknown {
  const base = yaml.load(fs.readFileSync(path.join(scenarioDir, 'base.yaml'), 'utf8'));
  if (name === 'empty') return base;
  return deepMerge(base, yaml.load(fs.readFileSync(path.join(scenarioDir, `${name}.yaml`), 'utf8')));
}

const kinds = (ms: Manifest[], kind: string) => ms.filter((m) => m.kind === kind).map((m) => m.metadata.name).sort();
type Container = { name: string; securityContext?: { capabilities?: { add?: string[]; drop?: string[] }; privileged?: boolean; allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean } };
type PodSpec = { hostNetwork?: boolean; containers: Container[]; initContainers?: Container[]; affinity?: { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms: unknown[] } } } };
const podSpec = (m: Manifest) => (m.spec as { template: { spec: PodSpec } }).template.spec;

const available = fs.existsSync(helmBinary);
const describeIfHelm = available ? describe : describe.skip;

describeIfHelm('helm render', () => {
  const rendered = new Map<string, Manifest[]>();
  const get = (name: string): Manifest[] => {
    if (!rendered.has(name)) rendered.set(name, renderChart(scenario(name)));
    return rendered.get(name)!;
  };

  test.each(['empty', 'l2', 'bgp', 'deprecated', 'native'])('%s: every built-in manifest validates against its Kubernetes schema', (name) => {
    const ms = get(name);
    expect(ms.length).toBeGreaterThan(0);
    const builtin = ms.filter(hasBuiltinModel);
    expect(builtin.map((m) => m.kind)).toEqual(expect.arrayContaining(['Deployment', 'ClusterRole', 'PodMonitor']));
    expect(validateBuiltins(builtin)).toEqual([]);
    // Objects of the module's own CRDs validate against them.
    const custom = ms.filter((m) => crds.has(m.apiVersion.split('/')[0] + '/' + m.kind));
    const customErrors = custom.flatMap((m) => {
      const check = crds.get(m.apiVersion.split('/')[0] + '/' + m.kind)!.versions[m.apiVersion.split('/')[1]!];
      return check ? check(m).errors.map((e) => `${m.kind}/${m.metadata.name}: ${formatFieldError(e)}`) : [`${m.kind}: ${m.apiVersion} not served`];
    });
    expect(customErrors).toEqual([]);
    // Every object is labelled as the module's, so pruning never touches user objects.
    for (const m of ms) expect(m.metadata.labels).toMatchObject({ heritage: 'deckhouse', module: 'metallb' });
  });

  test.each(['empty', 'l2', 'bgp', 'deprecated', 'native'])('%s: the scenario values satisfy openapi/values.yaml', (name) => {
    const values = (scenario(name) as { metallb: unknown }).metallb;
    expect(checkValues(values).errors.map(formatFieldError)).toEqual([]);
  });

  test('empty: only the controller and its namespace, RBAC and budget; no speaker, no L2 or BGP objects', () => {
    const ms = get('empty');
    expect(kinds(ms, 'Deployment')).toEqual(['controller']);
    expect(kinds(ms, 'DaemonSet')).toEqual([]);
    for (const k of ['IPAddressPool', 'L2Advertisement', 'BGPPeer', 'BGPAdvertisement', 'BFDProfile', 'SDNInternalL2LBService', 'VerticalPodAutoscaler']) expect(kinds(ms, k)).toEqual([]);
    expect(kinds(ms, 'Namespace')).toEqual(['d8-metallb']);
    expect(findManifest(ms, 'Namespace', 'd8-metallb')?.metadata.labels).toMatchObject({ 'prometheus.deckhouse.io/rules-watcher-enabled': 'true' });
  });

  test('l2: one pool and advertisement per class, one instance per requested IP with its annotations', () => {
    const ms = get('l2');
    expect(kinds(ms, 'IPAddressPool')).toEqual(['ingress']);
    expect(kinds(ms, 'L2Advertisement')).toEqual(['ingress']);
    expect(kinds(ms, 'BGPPeer')).toEqual([]);
    expect(kinds(ms, 'BGPAdvertisement')).toEqual([]);
    const adv = findManifest(ms, 'L2Advertisement', 'ingress', 'd8-metallb')!;
    expect(adv.spec).toEqual({ ipAddressPools: ['ingress'], interfaces: ['eth1'], nodeSelectors: [{ matchLabels: { 'node-role.kubernetes.io/frontend': '' } }] });
    expect(findManifest(ms, 'IPAddressPool', 'ingress')?.metadata.labels?.heritage).toBe('deckhouse');
    const instances = ms.filter((m) => m.kind === 'SDNInternalL2LBService');
    expect(instances.map((m) => `${m.metadata.namespace}/${m.metadata.name}`)).toEqual(['web/nginx-ingress-0', 'web/nginx-ingress-1', 'web/nginx-ingress-2']);
    const one = instances[1]!;
    expect(one.metadata.annotations).toEqual({
      'metallb.io/preferredL2SpeakerNode': 'frontend-2',
      'metallb.io/address-pool': 'ingress',
      'metallb.io/loadBalancerIPs': '192.0.2.210',
      'metallb.io/allow-shared-ip': 'web-shared',
    });
    expect(one.metadata.labels?.['parent-service']).toBe('nginx');
    expect(one.spec).toMatchObject({ type: 'LoadBalancer', loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io', serviceRef: { name: 'nginx', namespace: 'web' }, clusterIP: '198.51.100.10' });
    expect(instances[0]!.metadata.annotations).not.toHaveProperty('metallb.io/loadBalancerIPs');
    expect((instances[2]!.spec as { externalTrafficPolicy: string }).externalTrafficPolicy).toBe('Local');
    // The speaker runs on the class members only, with the heartbeat key and the interface exclusions.
    const ds = findManifest(ms, 'DaemonSet', 'speaker')!;
    expect(podSpec(ds).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'l2-load-balancer.network.deckhouse.io/member', operator: 'Exists' }] },
    ]);
    expect(findManifest(ms, 'Secret', 'speaker-heartbeat-key')).toBeDefined();
    expect(findManifest(ms, 'ConfigMap', 'metallb-excludel2')).toBeDefined();
  });

  test('bgp: pools, peers with password and BFD, advertisements with communities; no L2 objects', () => {
    const ms = get('bgp');
    expect(kinds(ms, 'IPAddressPool')).toEqual(['manual', 'public']);
    expect(kinds(ms, 'L2Advertisement')).toEqual([]);
    expect(kinds(ms, 'SDNInternalL2LBService')).toEqual([]);
    expect(findManifest(ms, 'IPAddressPool', 'manual')?.spec).toEqual({ addresses: ['198.51.100.64/26'], autoAssign: false, avoidBuggyIPs: false });
    expect(findManifest(ms, 'BGPPeer', 'tor-edge-node-worker-1')?.spec).toEqual({
      myASN: 64513, peerASN: 64512, peerAddress: '192.0.2.1', sourceAddress: '192.0.2.11', holdTime: '9s',
      passwordSecret: { name: 'bgp-pwd-kube-system-tor', namespace: 'd8-metallb' }, bfdProfile: 'bfd-tor', enableGracefulRestart: true,
      nodeSelectors: [{ matchLabels: { 'node-role.kubernetes.io/edge': '', 'kubernetes.io/hostname': 'worker-1' } }],
    });
    // Graceful restart: the restart time rides on an annotation the speaker reads; a peer without it has neither.
    expect(findManifest(ms, 'BGPPeer', 'tor-edge-node-worker-1')?.metadata.annotations).toEqual({ 'network.deckhouse.io/bgp-graceful-restart-time': '90s' });
    expect(findManifest(ms, 'BGPPeer', 'tor-edge')?.metadata.annotations).toBeUndefined();
    expect(findManifest(ms, 'BGPPeer', 'tor-edge')?.spec).not.toHaveProperty('enableGracefulRestart');
    expect(findManifest(ms, 'BGPAdvertisement', 'edge-adv-0')?.spec).toEqual({
      ipAddressPools: ['public'], aggregationLength: 32, localPref: 100, communities: ['64512:100', 'no-export'],
      peers: ['tor-edge-node-worker-1', 'tor-edge'], nodeSelectors: [{ matchLabels: { 'node-role.kubernetes.io/edge': '' } }],
    });
    expect(findManifest(ms, 'BFDProfile', 'bfd-tor')?.spec).toEqual({ receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3, echoInterval: 50, echoMode: false, passiveMode: false, minimumTtl: 254 });
    const secret = findManifest(ms, 'Secret', 'bgp-pwd-kube-system-tor', 'd8-metallb') as Manifest & { type: string; data: Record<string, string> };
    expect(secret.type).toBe('kubernetes.io/basic-auth');
    expect(Buffer.from(secret.data.password!, 'base64').toString()).toBe('s3cret');
    const terms = podSpec(findManifest(ms, 'DaemonSet', 'speaker')!).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    expect(terms).toHaveLength(2);
    expect(findManifest(ms, 'Secret', 'speaker-heartbeat-key')).toBeUndefined();
  });

  test("native: a user's own BGPPeer alone runs the speakers where its nodeSelectors say, with NET_ADMIN for its password", () => {
    const ms = get('native');
    const ds = findManifest(ms, 'DaemonSet', 'speaker')!;
    expect(podSpec(ds).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: 'rack', operator: 'In', values: ['frontend'] }, { key: 'network-speed', operator: 'NotIn', values: ['slow'] }] },
    ]);
    expect(podSpec(ds).containers[0]?.securityContext?.capabilities?.add).toEqual(['NET_RAW', 'NET_ADMIN']);
    expect(findManifest(ms, 'PodMonitor', 'speaker')).toBeDefined();
    // a peer without nodeSelectors: every node
    const values = scenario('native') as { metallb: { internal: { speakerNodeAffinity: unknown } } };
    values.metallb.internal.speakerNodeAffinity = {};
    const everywhere = renderChart(values);
    expect(podSpec(findManifest(everywhere, 'DaemonSet', 'speaker')!).affinity).toBeUndefined();
    // nothing of the module's own is rendered for it
    for (const k of ['BGPPeer', 'BGPAdvertisement', 'IPAddressPool', 'L2Advertisement']) expect(kinds(ms, k)).toEqual([]);
  });

  test('both modes with deprecated settings: VPA guarded by the VPA module, settings applied, BGP everywhere', () => {
    const ms = get('deprecated');
    expect(kinds(ms, 'VerticalPodAutoscaler')).toEqual(['controller', 'speaker']);
    const ctl = podSpec(findManifest(ms, 'Deployment', 'controller')!) as PodSpec & { nodeSelector?: Record<string, string>; tolerations?: unknown[] };
    expect(ctl.nodeSelector).toEqual({ 'node-role.deckhouse.io/system': '' });
    expect(ctl.tolerations).toEqual([{ key: 'dedicated.deckhouse.io', operator: 'Equal', value: 'system', effect: 'NoSchedule' }]);
    // A configuration without nodeSelector deploys the speaker on every node.
    expect(podSpec(findManifest(ms, 'DaemonSet', 'speaker')!).affinity).toBeUndefined();
    expect(kinds(ms, 'IPAddressPool')).toEqual(['l2-default', 'public']);
    // The loadBalancerClass setting reaches the controller and the speaker, as MetalLB's --lb-class does.
    type Env = { name: string; value?: string }[];
    const envOf = (kind: string, name: string) => (podSpec(findManifest(ms, kind, name)!).containers[0] as { env?: Env }).env ?? [];
    expect(envOf('Deployment', 'controller')).toContainEqual({ name: 'METALLB_LB_CLASS', value: 'ingress' });
    expect(envOf('DaemonSet', 'speaker')).toContainEqual({ name: 'METALLB_LB_CLASS', value: 'ingress' });
    expect((podSpec(findManifest(get('bgp'), 'Deployment', 'controller')!).containers[0] as { env?: Env }).env?.map((e) => e.name)).not.toContain('METALLB_LB_CLASS');
    // Without the VPA module, requests are set instead.
    const noVpa = get('l2');
    expect(kinds(noVpa, 'VerticalPodAutoscaler')).toEqual([]);
  });

  test('roles for people: user-authz view and ClusterAdmin edit, RBACv2 manage (networking, infrastructure) and use roles', () => {
    const ms = get('empty');
    type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
    const role = (name: string) => findManifest(ms, 'ClusterRole', name) as (Manifest & { rules: Rule[] }) | undefined;
    const ours = ['metalloadbalancerclasses', 'metalloadbalancerpools', 'metalloadbalancerbgppeers', 'metalloadbalancerconfigurations'];
    expect(role('d8:user-authz:metallb:user')?.metadata.annotations).toEqual({ 'user-authz.deckhouse.io/access-level': 'User' });
    expect(role('d8:user-authz:metallb:user')?.rules).toEqual([{ apiGroups: ['network.deckhouse.io'], resources: ours, verbs: ['get', 'list', 'watch'] }]);
    expect(role('d8:user-authz:metallb:cluster-admin')?.rules[0]?.verbs).toEqual(['create', 'delete', 'deletecollection', 'patch', 'update']);
    for (const [name, as] of [['d8:manage:capability:module:metallb:view', 'viewer'], ['d8:manage:capability:module:metallb:edit', 'manager']]) {
      const r = role(name as string);
      expect(r?.metadata.labels).toMatchObject({ 'rbac.deckhouse.io/kind': 'manage', 'rbac.deckhouse.io/level': 'module', 'rbac.deckhouse.io/namespace': 'd8-metallb', 'rbac.deckhouse.io/aggregate-to-networking-as': as, 'rbac.deckhouse.io/aggregate-to-infrastructure-as': as });
      expect(r?.rules.find((x) => x.apiGroups.includes('network.deckhouse.io'))?.resources).toEqual(ours);
      expect(r?.rules.find((x) => x.apiGroups.includes('deckhouse.io'))?.resourceNames).toEqual(['metallb']);
    }
    expect(role('d8:manage:capability:module:metallb:edit')?.rules.find((x) => x.apiGroups.includes('metallb.io'))?.verbs).toEqual(['create', 'update', 'patch', 'delete', 'deletecollection']);
    expect(role('d8:use:capability:module:metallb:view')?.metadata.labels).toMatchObject({ 'rbac.deckhouse.io/kind': 'use', 'rbac.deckhouse.io/aggregate-to-kubernetes-as': 'viewer' });
    expect(role('d8:use:capability:module:metallb:view')?.rules).toEqual([{ apiGroups: ['internal.network.deckhouse.io'], resources: ['sdninternall2lbservices'], verbs: ['get', 'list', 'watch'] }]);
  });

  describe('security', () => {
    const allowed: Record<string, string[]> = { controller: [], speaker: ['NET_RAW', 'NET_ADMIN'] };
    test.each(['empty', 'l2', 'bgp', 'deprecated'])('%s: no container gets privileges beyond its list', (name) => {
      for (const m of get(name).filter((x) => x.kind === 'Deployment' || x.kind === 'DaemonSet')) {
        const spec = podSpec(m);
        for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
          const sc = c.securityContext;
          expect(sc?.privileged).not.toBe(true);
          expect(sc?.allowPrivilegeEscalation).toBe(false);
          expect(sc?.readOnlyRootFilesystem).toBe(true);
          expect(sc?.capabilities?.drop).toEqual(['ALL']);
          for (const cap of sc?.capabilities?.add ?? []) expect(allowed[c.name] ?? []).toContain(cap);
        }
        if (m.kind === 'Deployment') expect(spec.hostNetwork).not.toBe(true);
      }
    });

    test('NET_ADMIN only when a BGP peer uses a password or BFD', () => {
      const caps = (name: string) => podSpec(findManifest(get(name), 'DaemonSet', 'speaker')!).containers[0]?.securityContext?.capabilities?.add;
      expect(caps('l2')).toEqual(['NET_RAW']);
      expect(caps('bgp')).toEqual(['NET_RAW', 'NET_ADMIN']);
      expect(caps('deprecated')).toEqual(['NET_RAW']);
    });

    test('RBAC: no wildcards, secrets readable only in the module namespace, status-only writes to Services', () => {
      const ms = get('bgp');
      for (const r of ms.filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role')) {
        for (const rule of (r as unknown as { rules: Array<{ verbs: string[]; resources: string[] }> }).rules) {
          expect(rule.verbs).not.toContain('*');
          expect(rule.resources).not.toContain('*');
          if (r.kind === 'ClusterRole') expect(rule.resources).not.toContain('secrets');
          if (rule.resources.includes('services')) expect(rule.verbs.filter((v) => !['get', 'list', 'watch'].includes(v))).toEqual([]);
        }
      }
    });
  });
});

if (!available) test.skip('helm render: helm is not installed (run scripts/setup.sh)', () => undefined);
