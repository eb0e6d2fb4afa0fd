// SPDX-License-Identifier: Apache-2.0
/**
 * What the node agent should be running for a cluster state: the pods of Deployments and DaemonSets as
 * processes, one API forwarder per network namespace, one backend per node, and the service IPs
 * kube-proxy would hold. Pure: same input, same units, same keys.
 */
import { createHash } from 'node:crypto';
import type { V1ConfigMap, V1DaemonSet, V1Deployment, V1Node, V1Pod, V1PodSpec, V1PodTemplateSpec, V1Secret, V1Service } from '@kubernetes/client-node';
import { podProcesses, type Lookups } from './podspec.js';
import type { ContainerProbes } from './probe.js';
import { daemonSetStrategy, deploymentStrategy, revisionLabel, SLOT_LABEL, slotStates, updatable, type UpdateStrategy } from './rollout.js';
import { daemonSetNodes, nodeReady, unschedulableReason } from './schedule.js';

export interface ClusterView {
  readonly nodes: readonly V1Node[];
  readonly deployments: readonly V1Deployment[];
  readonly daemonSets: readonly V1DaemonSet[];
  readonly secrets: readonly V1Secret[];
  readonly configMaps: readonly V1ConfigMap[];
  readonly services: readonly V1Service[];
  /** The Pods the node agents run (for rolling updates); none known when absent. */
  readonly pods?: readonly V1Pod[];
}

/** How the lab maps cluster things onto namespaces and files. */
export interface Layout {
  readonly appRoot: string;
  /** The network namespace of a node, or undefined for a node the lab does not run. */
  nodeNs(node: string): string | undefined;
  /** The network namespace of a non-hostNetwork pod slot, e.g. "mlab-controller-0". */
  podNs(workload: string, slot: number): string;
  /** The API port the forwarder listens on inside every namespace (127.0.0.1). */
  readonly apiPort: number;
  /** The API server's Unix socket on the host. */
  readonly apiSocket: string;
  /** The kubeconfig for processes inside namespaces (server http://127.0.0.1:apiPort, through the forwarder). */
  readonly kubeconfig: string;
  /** The node executable. */
  readonly node: string;
  /** The node this agent is the kubelet of; every node when undefined. */
  readonly serves?: string;
  /** Containers run from their images under runc, not as processes on the host with /app mapped. */
  readonly images?: boolean;
}

/** One process the agent keeps running; `key` changes whenever anything about the process changes. */
export interface Unit {
  readonly key: string;
  readonly kind: 'pod' | 'forwarder' | 'backend';
  /** Network namespace to run in. */
  readonly netns: string;
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly pod?: PodRef;
  /** The container's liveness and readiness probes (pods only). */
  readonly probes?: ContainerProbes;
  /** Set when the container runs from its image under runc: its runc id and bundle directory. */
  readonly container?: { readonly id: string; readonly bundle: string };
  /** Pods: the image, and command and args apart (see ProcessSpec). */
  readonly image?: string;
  readonly command?: readonly string[] | undefined;
  readonly args?: readonly string[] | undefined;
  /** Where the unit's output goes (its pod's directory, for kubectl logs); the agent's log directory otherwise. */
  readonly logFile?: string;
}

/** The pod a unit belongs to, as the API should show it. */
export interface PodRef {
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly container: string;
  readonly hostNetwork: boolean;
  readonly owner: { readonly kind: 'Deployment' | 'DaemonSet'; readonly name: string; readonly uid: string };
  /** The slot it fills: its node (DaemonSet) or replica index (Deployment). */
  readonly slot: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly podIP: string;
  /** The pod template's spec, as the Pod object shows it. */
  readonly spec: V1PodSpec;
}

/** A pod that cannot run, with the reason as `kubectl describe` would show it. */
export interface Problem {
  readonly pod: string;
  readonly reason: string;
  readonly message: string;
}

/** A slot of this agent whose pod waits for its turn in a rolling update: it keeps running what it runs. */
export interface HeldSlot {
  readonly ownerUid: string;
  readonly slot: string;
}

export interface Desired {
  readonly units: Unit[];
  readonly problems: Problem[];
  /** Slots whose pods keep their previous template for now (see rollout.ts). */
  readonly held: HeldSlot[];
  /** LoadBalancer IPs every node holds on its dummy interface. */
  readonly serviceIps: string[];
}

function hash(v: unknown, n: number): string {
  return createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, n);
}

/** A pod template's revision, as the pods made from it carry it in their revision label. */
export function templateRevision(tpl: V1PodTemplateSpec): string {
  return hash(tpl, 10);
}

function decode(data: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  return out;
}

/** Secret and ConfigMap data of the cluster, decoded, for env and volumes. */
export function lookups(view: ClusterView): Lookups {
  return {
    secret: (ns, name) => {
      const s = view.secrets.find((x) => x.metadata?.namespace === ns && x.metadata?.name === name);
      return s ? { ...decode(s.data), ...(s.stringData ?? {}) } : undefined;
    },
    configMap: (ns, name) => view.configMaps.find((x) => x.metadata?.namespace === ns && x.metadata?.name === name)?.data ?? undefined,
  };
}

function unit(kind: Unit['kind'], netns: string, argv: string[], env: Record<string, string>, pod?: Unit['pod'], probes?: ContainerProbes): Unit {
  const key = `${kind}:${pod ? `${pod.namespace}/${pod.name}/${pod.container}` : netns}:${hash([netns, argv, env, probes ?? {}], 8)}`;
  return { key, kind, netns, argv, env, ...(pod ? { pod } : {}), ...(probes ? { probes } : {}) };
}

interface PodPlacement {
  readonly owner: PodRef['owner'];
  readonly slot: string;
  /** The template's revision (the value of the workload kind's revision label). */
  readonly revision: string;
  readonly namespace: string;
  readonly name: string;
  readonly node: string;
  readonly netns: string;
  readonly podIP: string;
  readonly template: V1PodTemplateSpec;
}

function nodeIp(n: V1Node): string {
  return n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
}

function placeDeployment(d: V1Deployment, nodes: readonly V1Node[], layout: Layout, problems: Problem[]): PodPlacement[] {
  const name = d.metadata?.name ?? '';
  const ns = d.metadata?.namespace ?? 'default';
  const tpl = d.spec?.template;
  if (!tpl?.spec) return [];
  const ready = nodes.filter((n) => nodeReady(n) && layout.nodeNs(n.metadata?.name ?? ''));
  const eligible = ready.filter((n) => tpl.spec && unschedulableReason(tpl.spec, n) === undefined);
  const out: PodPlacement[] = [];
  const replicas = d.spec?.replicas ?? 1;
  for (let slot = 0; slot < replicas; slot++) {
    const podName = `${name}-${hash(tpl, 10)}-${slot}`;
    const node = eligible[slot % Math.max(1, eligible.length)];
    if (!node) {
      const why = ready.map((n) => `${n.metadata?.name}: ${tpl.spec ? unschedulableReason(tpl.spec, n) : ''}`).join('; ');
      problems.push({ pod: `${ns}/${podName}`, reason: 'FailedScheduling', message: `0/${nodes.length} nodes are available${why ? ` (${why})` : ''}` });
      continue;
    }
    const host = !!tpl.spec.hostNetwork;
    const nodeName = node.metadata?.name ?? '';
    out.push({ owner: { kind: 'Deployment', name, uid: d.metadata?.uid ?? '' }, slot: String(slot), revision: templateRevision(tpl), namespace: ns, name: podName, node: nodeName, netns: host ? (layout.nodeNs(nodeName) ?? '') : layout.podNs(name, slot), podIP: host ? nodeIp(node) : '127.0.0.1', template: tpl });
  }
  return out;
}

function placeDaemonSet(d: V1DaemonSet, nodes: readonly V1Node[], layout: Layout): PodPlacement[] {
  const tpl = d.spec?.template;
  if (!tpl?.spec) return [];
  const name = d.metadata?.name ?? '';
  const ns = d.metadata?.namespace ?? 'default';
  const byName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  return daemonSetNodes(tpl.spec, nodes)
    .filter((n) => layout.nodeNs(n))
    .map((n) => ({ owner: { kind: 'DaemonSet' as const, name, uid: d.metadata?.uid ?? '' }, slot: n, revision: templateRevision(tpl), namespace: ns, name: `${name}-${hash(tpl, 5)}-${n}`, node: n, netns: tpl.spec?.hostNetwork ? (layout.nodeNs(n) ?? '') : layout.podNs(`${name}-${n}`, 0), podIP: nodeIp(byName.get(n) ?? {}), template: tpl }));
}

function forwarder(layout: Layout, netns: string): Unit {
  return unit('forwarder', netns, [layout.node, `${layout.appRoot}/dist/lab/agent/forwarder.js`, String(layout.apiPort), layout.apiSocket], {});
}

/** The LoadBalancer IPs and TCP ports of the cluster's Services. */
export function loadBalancers(services: readonly V1Service[]): { ips: string[]; ports: number[] } {
  const ips = new Set<string>();
  const ports = new Set<number>();
  for (const s of services) {
    if (s.spec?.type !== 'LoadBalancer') continue;
    for (const i of s.status?.loadBalancer?.ingress ?? []) if (i.ip) ips.add(i.ip);
    for (const p of s.spec.ports ?? []) if ((p.protocol ?? 'TCP') === 'TCP') ports.add(p.port);
  }
  return { ips: [...ips].sort(), ports: [...ports].sort((a, b) => a - b) };
}

/** Everything the agent should run for `view`. */
export function desiredState(view: ClusterView, layout: Layout): Desired {
  const problems: Problem[] = [];
  const mine = (node: string): boolean => layout.serves === undefined || layout.serves === node;
  const placements: PodPlacement[] = [];
  const held: HeldSlot[] = [];
  // A slot whose turn in the rolling update has not come keeps its pod (known only with the Pods in the view).
  const roll = (ps: readonly PodPlacement[], strategy: UpdateStrategy): void => {
    const first = ps[0];
    const go = first && view.pods ? updatable(slotStates(ps.map((p) => p.slot), view.pods, first.owner.uid, revisionLabel(first.owner.kind)), first.revision, strategy) : undefined;
    for (const p of ps) {
      if (!mine(p.node)) continue;
      if (go && !go.has(p.slot)) held.push({ ownerUid: p.owner.uid, slot: p.slot });
      else placements.push(p);
    }
  };
  for (const d of view.deployments) roll(placeDeployment(d, view.nodes, layout, problems), deploymentStrategy(d));
  for (const d of view.daemonSets) {
    const ps = placeDaemonSet(d, view.nodes, layout);
    roll(ps, daemonSetStrategy(d, ps.length));
  }
  const look = lookups(view);
  const units: Unit[] = [];
  const netnses = new Set<string>();
  for (const p of placements) {
    const spec = p.template.spec;
    if (!spec) continue;
    const ctx = { name: p.name, namespace: p.namespace, nodeName: p.node, podIP: p.podIP, hostIP: nodeIp(view.nodes.find((n) => n.metadata?.name === p.node) ?? {}), labels: p.template.metadata?.labels ?? {}, annotations: p.template.metadata?.annotations ?? {} };
    const r = podProcesses(spec, ctx, look, layout.images ? undefined : layout.appRoot);
    if (!r.ok) {
      problems.push({ pod: `${p.namespace}/${p.name}`, reason: r.reason, message: r.message });
      continue;
    }
    netnses.add(p.netns);
    for (const proc of r.processes) {
      const env = { ...proc.env, KUBECONFIG: layout.kubeconfig };
      const labels = { ...p.template.metadata?.labels, [revisionLabel(p.owner.kind)]: p.revision, [SLOT_LABEL]: p.slot };
      const u = unit('pod', p.netns, [...proc.argv], env, { namespace: p.namespace, name: p.name, node: p.node, container: proc.container, hostNetwork: !!spec.hostNetwork, owner: p.owner, slot: p.slot, labels, podIP: p.podIP, spec }, proc.probes);
      units.push({ ...u, image: proc.image, command: proc.command, args: proc.args });
    }
  }
  const lb = loadBalancers(view.services);
  const ports = lb.ports.length ? lb.ports : [80];
  for (const n of view.nodes) {
    const name = n.metadata?.name ?? '';
    const ns = layout.nodeNs(name);
    if (!ns || !mine(name)) continue;
    netnses.add(ns);
    units.push(unit('backend', ns, [layout.node, `${layout.appRoot}/dist/lab/agent/backend.js`, name, ...ports.map(String)], {}));
  }
  for (const ns of [...netnses].sort()) units.push(forwarder(layout, ns));
  return { units, problems, held, serviceIps: lb.ips };
}
