// SPDX-License-Identifier: Apache-2.0
/**
 * L2 placement: 1000 Services asking for 1–3 IPs each on a class of 10 nodes. Ours (balanced, sticky) against
 * today's (sha256(class#node) order, instance i on node i mod n) on the same input: per-node balance, nodes used,
 * instances moved when a node leaves and when it joins again, and the time of the whole L2 discovery hook
 * (binding context → handler → values), first run and steady-state re-run.
 */
import { performance } from 'node:perf_hooks';
import { buildInput, type BindingContext, type KubeObject } from '../lib/hook-sdk/index.js';
import * as hook from '../hooks/src/discovery-l2-load-balancers.js';
import { legacyPlace } from '../hooks/src/lib/legacy-placement.js';
import { planL2, type L2InstanceValue } from '../hooks/src/lib/l2-plan.js';
import { movedBetween, place, type Placement, type PlacementInput } from '../hooks/src/lib/placement.js';
import { result, summarize, type BenchResult } from './result.js';

const SERVICES = 1000;
const NODES = 10;
const CLASS = 'lb';
const RUNS = 15;

type Placer = (cls: string, i: PlacementInput) => Placement;
const ours: Placer = (_c, i) => place(i);
const today: Placer = (c, i) => legacyPlace(c, i.nodes, i.services);

/** A fixed pseudo-random count per Service (1–3), the same for both algorithms. */
function counts(): number[] {
  let x = 12345;
  return Array.from({ length: SERVICES }, () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return 1 + ((x >>> 16) % 3);
  });
}

function clusterObjects(nodes: readonly string[]): KubeObject[] {
  const objs: KubeObject[] = [{ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', metadata: { name: CLASS }, spec: { isDefault: true, type: 'L2', addressPool: ['192.0.2.0/24'] } }];
  for (const n of nodes) objs.push({ apiVersion: 'v1', kind: 'Node', metadata: { name: n } });
  counts().forEach((c, i) =>
    objs.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `svc-${i}`, namespace: `ns-${i % 20}`, annotations: { 'network.deckhouse.io/l2-load-balancer-external-ips-count': String(c) } },
      spec: { type: 'LoadBalancer', clusterIP: '10.222.0.1', ports: [{ port: 80, protocol: 'TCP' }] },
    }),
  );
  return objs;
}

function instanceObjects(list: readonly L2InstanceValue[]): KubeObject[] {
  return list.map((i) => ({
    apiVersion: 'internal.network.deckhouse.io/v1alpha1',
    kind: 'SDNInternalL2LBService',
    metadata: { name: i.name, namespace: i.namespace, annotations: { 'metallb.io/preferredL2SpeakerNode': i.preferredNode, 'metallb.io/address-pool': i.mlbcName } },
    spec: { serviceRef: { name: i.serviceName, namespace: i.serviceNamespace } },
  }));
}

/** The hook's whole run as the batch executable does it, minus file I/O; the placement strategy swapped in. */
function runDiscovery(objs: readonly KubeObject[], placer: Placer): L2InstanceValue[] {
  const snapshots: Record<string, { object: KubeObject }[]> = { mlbc: [], nodes: [], services: [], l2lbservices: [] };
  const binding: Record<string, string> = { MetalLoadBalancerClass: 'mlbc', Node: 'nodes', Service: 'services', SDNInternalL2LBService: 'l2lbservices' };
  for (const o of objs) snapshots[binding[o.kind ?? ''] ?? '']?.push({ object: o });
  const contexts: BindingContext[] = [{ binding: 'beforeHelm', snapshots }];
  const { input, output } = buildInput(hook.config, contexts, { metallb: { internal: {} } }, {}, { module: 'metallb' });
  const plan = planL2({
    classes: input.snapshot(hook.classes),
    nodes: input.snapshot(hook.nodes),
    services: input.snapshot(hook.services),
    instances: input.snapshot(hook.instances),
    now: new Date(),
    placer,
  });
  input.values.set('metallb.internal.l2lbservices', plan.instances);
  output();
  return plan.instances;
}

function perNode(list: readonly L2InstanceValue[], nodes: readonly string[]): number[] {
  const m = new Map(nodes.map((n) => [n, 0]));
  for (const i of list) m.set(i.preferredNode, (m.get(i.preferredNode) ?? 0) + 1);
  return [...m.values()];
}

function asPlacement(list: readonly L2InstanceValue[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const i of list) {
    const k = `${i.namespace}/${i.serviceName}`;
    const arr = m.get(k) ?? [];
    arr[Number(i.name.slice(i.name.lastIndexOf('-') + 1))] = i.preferredNode;
    m.set(k, arr);
  }
  return m;
}

function timed(fn: () => void): number[] {
  fn();
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const nodes = Array.from({ length: NODES }, (_, i) => `node-${String(i).padStart(2, '0')}`);
  const objs = clusterObjects(nodes);
  const res: BenchResult[] = [];
  const first = { ours: runDiscovery(objs, ours), today: runDiscovery(objs, today) };
  const loads = { ours: perNode(first.ours, nodes), today: perNode(first.today, nodes) };
  const mean = first.ours.length / NODES;
  const ref = 'today: sha256(class#node) order, instance i on node i mod n';
  res.push(result('l2 placement max IPs per node (1000 svc x 1-3 IPs, 10 nodes)', Math.max(...loads.ours), 'IPs', Math.max(...loads.today), { referenceName: ref }));
  res.push(result('l2 placement max/mean IPs per node', Math.max(...loads.ours) / mean, 'x', Math.max(...loads.today) / mean, { referenceName: ref }));
  res.push(result('l2 placement max/min IPs per node (min 0 counted as 1)', Math.max(...loads.ours) / Math.max(1, Math.min(...loads.ours)), 'x', Math.max(...loads.today) / Math.max(1, Math.min(...loads.today)), { referenceName: ref }));
  res.push(result('l2 placement nodes holding IPs', loads.ours.filter((l) => l > 0).length, 'nodes', loads.today.filter((l) => l > 0).length, { referenceName: ref }));

  // churn: node-03 leaves, then joins again; each algorithm starts from its own placement
  const gone = 'node-03';
  const fewer = objs.filter((o) => !(o.kind === 'Node' && o.metadata?.name === gone));
  const leave = { ours: runDiscovery([...fewer, ...instanceObjects(first.ours)], ours), today: runDiscovery([...fewer, ...instanceObjects(first.today)], today) };
  const movedLeave = { ours: movedBetween(asPlacement(first.ours), asPlacement(leave.ours)), today: movedBetween(asPlacement(first.today), asPlacement(leave.today)) };
  const held = loads.ours[nodes.indexOf(gone)] ?? 0;
  res.push(result(`l2 instances moved when a node leaves (it held ${held} of ours)`, movedLeave.ours, 'instances', movedLeave.today, { referenceName: ref }));
  const join = { ours: runDiscovery([...objs, ...instanceObjects(leave.ours)], ours), today: runDiscovery([...objs, ...instanceObjects(leave.today)], today) };
  const movedJoin = { ours: movedBetween(asPlacement(leave.ours), asPlacement(join.ours)), today: movedBetween(asPlacement(leave.today), asPlacement(join.today)) };
  res.push(result(`l2 instances moved when a node joins (fair share ${Math.floor(first.ours.length / NODES)})`, movedJoin.ours, 'instances', movedJoin.today, { referenceName: ref }));

  // hook time: first run (no instances yet) and a steady-state re-run (instances read back)
  for (const [label, withInstances] of [['first run', false], ['re-run', true]] as const) {
    const o = withInstances ? [...objs, ...instanceObjects(first.ours)] : objs;
    const t = withInstances ? [...objs, ...instanceObjects(first.today)] : objs;
    const a = summarize(timed(() => runDiscovery(o, ours)));
    const b = summarize(timed(() => runDiscovery(t, today)));
    res.push(result(`l2 discovery hook time, ${label} (1000 svc, 10 nodes)`, a.median, 'ms', b.median, { referenceName: 'the same hook with today\'s placement', samples: a }));
  }
  return res;
}
