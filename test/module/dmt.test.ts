// SPDX-License-Identifier: Apache-2.0
/**
 * The rules of Deckhouse's module linter (dmt) that apply to this module, checked the way dmt checks them: the
 * chart rendered with values made from the schemas' defaults and examples, image digests stubbed, and the
 * platform's APIs served (VPA, PodMonitor, SecurityPolicyException); then every rendered object against the
 * container, RBAC, monitoring and security-policy rules, and the module files against the module rules. dmt
 * itself cannot run here; `.dmtlint.yaml` holds the same exclusions a dmt run would read.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { renderChart, helmBinary, repoRoot, type Manifest } from '../helpers/helm.js';

const read = (f: string): string => fs.readFileSync(path.join(repoRoot, f), 'utf8');
const available = fs.existsSync(helmBinary);
const describeIfHelm = available ? describe : describe.skip;

/** `.dmtlint.yaml`: the exclusions, as dmt reads them. */
const lint = yaml.load(read('.dmtlint.yaml')) as { 'linters-settings': { container?: { 'exclude-rules'?: Record<string, { kind: string; name: string; container: string }[]> }; openapi?: { 'exclude-rules'?: Record<string, string[]> } } };
const excluded = (rule: string, kind: string, name: string, container: string): boolean =>
  (lint['linters-settings'].container?.['exclude-rules']?.[rule] ?? []).some((e) => e.kind === kind && e.name === name && e.container === container);

/** Values as dmt makes them: openapi defaults and the first x-example, with the global values the platform sets. */
function dmtValues(): unknown {
  const values = yaml.load(read('openapi/values.yaml')) as { 'x-examples': Array<{ internal: unknown }> };
  return {
    global: {
      enabledModules: ['vertical-pod-autoscaler-crd', 'operator-prometheus-crd', 'prometheus-crd', 'admission-policy-engine-crd'],
      modulesImages: { registry: { base: 'registry.example.com/deckhouse' }, digests: { metallb: { controller: `sha256:${'a'.repeat(64)}`, speaker: `sha256:${'b'.repeat(64)}` } } },
      discovery: { clusterDomain: 'cluster.local', prometheusScrapeInterval: 30 },
      internal: { modules: { kubeRBACProxyCA: { cert: '-----BEGIN CERTIFICATE-----\nstub\n-----END CERTIFICATE-----' } } },
    },
    metallb: { speaker: {}, internal: values['x-examples'][0]?.internal },
  };
}
const API_VERSIONS = ['autoscaling.k8s.io/v1/VerticalPodAutoscaler', 'monitoring.coreos.com/v1/PodMonitor', 'monitoring.coreos.com/v1/PrometheusRule', 'deckhouse.io/v1alpha1/SecurityPolicyException', 'deckhouse.io/v1/GrafanaDashboardDefinition'];

type Port = { name?: string; containerPort: number; hostPort?: number; protocol?: string };
type Probe = Record<string, unknown>;
type Container = { name: string; image?: string; imagePullPolicy?: string; ports?: Port[]; livenessProbe?: Probe; readinessProbe?: Probe; resources?: { requests?: Record<string, string> }; securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { add?: string[]; drop?: string[] }; seccompProfile?: { type: string } } };
type PodSpec = { hostNetwork?: boolean; dnsPolicy?: string; priorityClassName?: string; securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; seccompProfile?: { type: string } }; containers: Container[]; initContainers?: Container[] };
type Workload = Manifest & { spec: { revisionHistoryLimit?: number; selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: PodSpec } } };

const PRIORITY_CLASSES = ['system-node-critical', 'system-cluster-critical', 'cluster-critical', 'cluster-medium', 'cluster-low', 'production-high', 'production-medium', 'production-low', 'staging', 'develop', 'standby'];
const HANDLERS = ['httpGet', 'tcpSocket', 'exec', 'grpc'];

describeIfHelm('dmt rules on the rendered chart', () => {
  const ms = renderChart(dmtValues(), API_VERSIONS);
  const workloads = ms.filter((m): m is Workload => ['Deployment', 'DaemonSet', 'StatefulSet'].includes(m.kind));
  const containers = workloads.flatMap((w) => [...w.spec.template.spec.containers, ...(w.spec.template.spec.initContainers ?? [])].map((c) => ({ w, c })));
  const id = (w: Manifest, c?: Container) => `${w.kind}/${w.metadata.name}${c ? ` container ${c.name}` : ''}`;

  test('the render has the workloads, the rules and the dashboards', () => {
    expect(workloads.map((w) => id(w)).sort()).toEqual(['DaemonSet/speaker', 'Deployment/controller']);
    expect(ms.filter((m) => m.kind === 'PrometheusRule').length).toBe(fs.readdirSync(path.join(repoRoot, 'monitoring/prometheus-rules')).length);
    expect(ms.filter((m) => m.kind === 'GrafanaDashboardDefinition').map((m) => m.metadata.name).sort()).toEqual(['d8-metallb-kubernetes-cluster-metallb', 'd8-metallb-kubernetes-cluster-metallb-bgp', 'd8-metallb-kubernetes-cluster-metallb-l2', 'd8-metallb-kubernetes-cluster-metallb-pools']);
  });

  test('container: read-only root, security context, no privilege escalation, ALL capabilities dropped, seccomp', () => {
    const bad: string[] = [];
    for (const { w, c } of containers) {
      const sc = c.securityContext;
      if (!sc) bad.push(`${id(w, c)}: no securityContext`);
      if (sc?.readOnlyRootFilesystem !== true) bad.push(`${id(w, c)}: readOnlyRootFilesystem`);
      if (sc?.allowPrivilegeEscalation !== false) bad.push(`${id(w, c)}: allowPrivilegeEscalation`);
      if (!sc?.capabilities?.drop?.includes('ALL')) bad.push(`${id(w, c)}: capabilities.drop ALL`);
      if ((sc?.seccompProfile ?? w.spec.template.spec.securityContext?.seccompProfile)?.type !== 'RuntimeDefault') bad.push(`${id(w, c)}: seccompProfile`);
    }
    expect(bad).toEqual([]);
  });

  test('controller-security-context: nobody or deckhouse as non-root, or root 0:0 said explicitly', () => {
    for (const w of workloads) {
      const sc = w.spec.template.spec.securityContext ?? {};
      const ok = (sc.runAsNonRoot === true && [65534, 64535].includes(sc.runAsUser ?? -1) && sc.runAsGroup === sc.runAsUser) || (sc.runAsUser === 0 && sc.runAsGroup === 0);
      expect([id(w), ok]).toEqual([id(w), true]);
    }
  });

  test('host network: ClusterFirstWithHostNet, and container ports in 4200-4299 (BFD excluded in .dmtlint.yaml)', () => {
    const bad: string[] = [];
    for (const { w, c } of containers) {
      const host = w.spec.template.spec.hostNetwork === true;
      if (host && w.spec.template.spec.dnsPolicy !== 'ClusterFirstWithHostNet') bad.push(`${id(w)}: dnsPolicy`);
      for (const p of c.ports ?? []) {
        if (p.containerPort <= 1024) bad.push(`${id(w, c)}: port ${p.containerPort} <= 1024`);
        const inRange = p.containerPort >= 4200 && p.containerPort < 4300;
        if (host && !inRange && !(p.containerPort === 3784 && excluded('host-network-ports', w.kind, w.metadata.name, c.name))) bad.push(`${id(w, c)}: host port ${p.containerPort}`);
        if (p.hostPort !== undefined && (p.hostPort < 4200 || p.hostPort >= 4300)) bad.push(`${id(w, c)}: hostPort ${p.hostPort}`);
      }
    }
    expect(bad).toEqual([]);
    // the exclusion covers exactly the port RFC 5881 fixes
    const speaker = containers.find(({ w }) => w.metadata.name === 'speaker')?.c;
    expect((speaker?.ports ?? []).filter((p) => p.containerPort < 4200 || p.containerPort >= 4300).map((p) => `${p.containerPort}/${p.protocol}`)).toEqual(['3784/UDP']);
  });

  test('images from the module registry by digest, pulled IfNotPresent; probes with one handler; ephemeral storage requested', () => {
    const bad: string[] = [];
    for (const { w, c } of containers) {
      if (!/^registry\.example\.com\/deckhouse(\/metallb)?@sha256:[0-9a-f]{64}$/.test(c.image ?? '')) bad.push(`${id(w, c)}: image ${c.image}`);
      if (c.imagePullPolicy !== undefined && c.imagePullPolicy !== 'IfNotPresent') bad.push(`${id(w, c)}: imagePullPolicy`);
      for (const probe of ['livenessProbe', 'readinessProbe'] as const) {
        const handlers = Object.keys(c[probe] ?? {}).filter((k) => HANDLERS.includes(k));
        if (handlers.length !== 1) bad.push(`${id(w, c)}: ${probe} handlers ${handlers.join(',')}`);
      }
      if (!c.resources?.requests?.['ephemeral-storage']) bad.push(`${id(w, c)}: requests.ephemeral-storage`);
    }
    expect(bad).toEqual([]);
  });

  test('priority classes from the list, revisionHistoryLimit at most 2, module and heritage labels on every object', () => {
    for (const w of workloads) expect([id(w), PRIORITY_CLASSES.includes(w.spec.template.spec.priorityClassName ?? '')]).toEqual([id(w), true]);
    for (const w of workloads.filter((x) => x.kind === 'Deployment')) expect(w.spec.revisionHistoryLimit ?? 10).toBeLessThanOrEqual(2);
    for (const m of ms) expect([m.kind, m.metadata.name, m.metadata.labels]).toEqual([m.kind, m.metadata.name, expect.objectContaining({ module: 'metallb', heritage: 'deckhouse' })]);
  });

  test('vpa: every workload has a VPA, never Auto, with min and max cpu and memory for each container', () => {
    for (const w of workloads) {
      const vpa = ms.find((m) => m.kind === 'VerticalPodAutoscaler' && (m.spec as { targetRef: { kind: string; name: string } }).targetRef.kind === w.kind && (m.spec as { targetRef: { name: string } }).targetRef.name === w.metadata.name);
      expect([id(w), vpa !== undefined]).toEqual([id(w), true]);
      const spec = vpa?.spec as { updatePolicy: { updateMode: string }; resourcePolicy: { containerPolicies: { containerName: string; minAllowed: Record<string, string>; maxAllowed: Record<string, string> }[] } };
      expect(['Off', 'Initial', 'Recreate', 'InPlaceOrRecreate']).toContain(spec.updatePolicy.updateMode);
      for (const c of w.spec.template.spec.containers) {
        const cp = spec.resourcePolicy.containerPolicies.find((p) => p.containerName === c.name);
        expect([id(w, c), Object.keys(cp?.minAllowed ?? {}).sort(), Object.keys(cp?.maxAllowed ?? {}).sort()]).toEqual([id(w, c), ['cpu', 'memory'], ['cpu', 'memory']]);
      }
    }
  });

  test('pdb: every Deployment has a PodDisruptionBudget selecting its Pods, without Helm hooks', () => {
    for (const w of workloads.filter((x) => x.kind === 'Deployment')) {
      const pdb = ms.find((m) => m.kind === 'PodDisruptionBudget' && JSON.stringify((m.spec as { selector: unknown }).selector) === JSON.stringify(w.spec.selector));
      expect([id(w), pdb !== undefined, pdb?.metadata.annotations?.['helm.sh/hook']]).toEqual([id(w), true, undefined]);
    }
  });

  test('namespace: rules-watcher label, and the kube-rbac-proxy CA ConfigMap in it', () => {
    const ns = ms.find((m) => m.kind === 'Namespace');
    expect(ns?.metadata.labels?.['prometheus.deckhouse.io/rules-watcher-enabled']).toBe('true');
    expect(ms.find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'kube-rbac-proxy-ca.crt' && m.metadata.namespace === ns?.metadata.name)).toBeDefined();
  });

  test('security policy exceptions: described allowances, referenced by the Pods, covering every deviation from restricted', () => {
    const spes = ms.filter((m) => m.kind === 'SecurityPolicyException');
    expect(spes.map((m) => m.metadata.name)).toEqual(['speaker']);
    for (const spe of spes) {
      // every allowance (a node with `metadata`) has a human description
      const missing: string[] = [];
      const walk = (node: unknown, at: string): void => {
        if (Array.isArray(node)) return node.forEach((x, i) => walk(x, `${at}[${i}]`));
        if (typeof node !== 'object' || node === null) return;
        const o = node as Record<string, unknown>;
        if ('allowedValue' in o || 'allowedValues' in o || 'port' in o) {
          const d = (o.metadata as { description?: string } | undefined)?.description?.trim() ?? '';
          if (d === '' || d.toUpperCase() === 'TODO') missing.push(at);
        }
        for (const [k, v] of Object.entries(o)) if (k !== 'metadata') walk(v, `${at}.${k}`);
      };
      walk(spe.spec, 'spec');
      expect(missing).toEqual([]);
      const users = workloads.filter((w) => w.metadata.namespace === spe.metadata.namespace && w.spec.template.metadata.labels['security.deckhouse.io/security-policy-exception'] === spe.metadata.name);
      expect(users.map((w) => id(w))).toEqual(['DaemonSet/speaker']);
      const allowed = spe.spec as { securityContext: { runAsUser: { allowedValues: number[] }; capabilities: { allowedValues: { add: string[] } } }; network: { hostNetwork: { allowedValue: boolean }; hostPorts: { port: number; protocol: string }[] } };
      for (const w of users) {
        const pod = w.spec.template.spec;
        expect(allowed.network.hostNetwork.allowedValue).toBe(pod.hostNetwork === true);
        expect(allowed.securityContext.runAsUser.allowedValues).toContain(pod.securityContext?.runAsUser);
        for (const c of pod.containers) {
          for (const cap of c.securityContext?.capabilities?.add ?? []) expect(allowed.securityContext.capabilities.allowedValues.add).toContain(cap);
          for (const p of c.ports ?? []) expect(allowed.network.hostPorts).toContainEqual(expect.objectContaining({ port: p.containerPort, protocol: p.protocol ?? 'TCP' }));
        }
      }
    }
  });

  test('rbac: names by placement, user-authz roles by access level, no wildcards', () => {
    const levels: Record<string, string> = { User: 'user', PrivilegedUser: 'privileged-user', Editor: 'editor', Admin: 'admin', ClusterEditor: 'cluster-editor', ClusterAdmin: 'cluster-admin', SuperAdmin: 'super-admin' };
    for (const r of ms.filter((m) => m.kind === 'ClusterRole' || m.kind === 'ClusterRoleBinding')) {
      const level = r.metadata.annotations?.['user-authz.deckhouse.io/access-level'];
      if (level) expect(r.metadata.name).toBe(`d8:user-authz:metallb:${levels[level]}`);
      else expect(r.metadata.name).toMatch(/^d8:(metallb:|manage:capability:module:metallb:|use:capability:module:metallb:)/);
    }
    for (const r of ms.filter((m) => m.kind === 'Role' || m.kind === 'RoleBinding')) expect(r.metadata.name).toMatch(/^(controller|speaker|access-to-metallb-.+)$/);
    for (const r of ms.filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role')) {
      for (const rule of (r as unknown as { rules: { verbs: string[]; resources: string[]; apiGroups: string[] }[] }).rules) {
        expect([r.metadata.name, [...rule.verbs, ...rule.resources, ...rule.apiGroups].filter((x) => x.includes('*'))]).toEqual([r.metadata.name, []]);
      }
    }
    for (const sa of ms.filter((m) => m.kind === 'ServiceAccount')) expect(sa.metadata.namespace).toBe('d8-metallb');
  });
});

describe('dmt rules on the module files', () => {
  test('templates/monitoring.yaml is the standard helper form', () => {
    expect(read('templates/monitoring.yaml')).toBe('{{- include "helm_lib_grafana_dashboard_definitions" . }}\n{{- include "helm_lib_prometheus_rules" (list . "d8-metallb") }}\n');
  });

  test('oss.yaml: every project with an id, name, description, link, license and version, ids unique', () => {
    const projects = yaml.load(read('oss.yaml')) as Array<Record<string, string>>;
    expect(projects.length).toBeGreaterThan(0);
    const known = ['id', 'name', 'description', 'link', 'logo', 'license', 'version', 'versions'];
    for (const p of projects) {
      expect(Object.keys(p).filter((k) => !known.includes(k))).toEqual([]);
      for (const k of ['id', 'name', 'description', 'link', 'license', 'version']) expect([p.id, k, (p[k] ?? '').trim() !== '']).toEqual([p.id, k, true]);
      expect(() => new URL(p.link ?? '')).not.toThrow();
      if (p.logo) expect(() => new URL(p.logo ?? '')).not.toThrow();
    }
    expect(new Set(projects.map((p) => p.id)).size).toBe(projects.length);
  });

  test('oss.yaml versions are the ones the images ship', () => {
    const projects = new Map((yaml.load(read('oss.yaml')) as Array<Record<string, string>>).map((p) => [p.id, p.version]));
    const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };
    expect(projects.get('nodejs/node')).toBe((yaml.load(read('images/contents.yaml')) as { node: string }).node);
    for (const [id, dep] of [['kubernetes-client/javascript', '@kubernetes/client-node'], ['siimon/prom-client', 'prom-client'], ['pinojs/pino', 'pino'], ['PeculiarVentures/x509', '@peculiar/x509'], ['rbuckton/reflect-metadata', 'reflect-metadata'], ['ajv-validator/ajv', 'ajv'], ['nodeca/js-yaml', 'js-yaml']] as const) {
      expect([id, projects.get(id)]).toEqual([id, pkg.dependencies[dep]]);
    }
  });

  test('openapi enum rule: CamelCase values, except what .dmtlint.yaml excludes (the Deckhouse module excludes the same)', () => {
    const settings = yaml.load(read('openapi/config-values.yaml')) as Record<string, unknown>;
    const skip = lint['linters-settings'].openapi?.['exclude-rules']?.enum ?? [];
    const bad: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, unknown>;
      if (Array.isArray(o.enum) && !skip.includes(at)) for (const v of o.enum) if (!/^[A-Z0-9][A-Za-z0-9]*$/.test(String(v))) bad.push(`${at}: ${String(v)}`);
      for (const [k, v] of Object.entries(o)) if (typeof v === 'object') walk(v, at ? `${at}.${k}` : k);
    };
    walk(settings, '');
    expect(bad).toEqual([]);
    expect(skip).toEqual(['properties.addressPools.items.properties.protocol']);
  });
});
