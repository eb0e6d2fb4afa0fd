// SPDX-License-Identifier: Apache-2.0
/** The pure core of L2 discovery: classes, nodes and Services in; instances, status updates and events out. */
import type { KubeObject } from '../../../lib/hook-sdk/index.js';
import type { L2LoadBalancerValue } from '../../../lib/schemas/types.generated.js';
import { matches } from '../../../lib/selector.js';
import { eligibleNodes, ineligibility, nodeSelectorOf, type NodeInfo } from './eligibility.js';
import { serviceEvent, type ServiceEventReason } from './events.js';
import { CLASS_ANNOTATION, CLASS_BOUND_REASON, CLASS_CONDITION, PREFERRED_NODE_ANNOTATION } from './names.js';
import { place, type Placement, type PlacementInput, type ServiceDemand } from './placement.js';
import { demandOf, opt, selectClassFor, withCondition, type ClassInfo, type Condition, type MissingClass, type ServiceInfo, type ServiceTraffic } from './service.js';

/** An SDNInternalL2LBService as read back: where it is and which node it prefers. */
export interface InstanceInfo {
  name: string;
  namespace: string;
  serviceName?: string;
  serviceNamespace?: string;
  className?: string;
  preferredNode?: string;
  /** The first assigned IP, if any. */
  ip?: string;
}

/** One `internal.l2loadbalancers` entry: the class in force, as the hooks read it. */
export type L2ClassValue = L2LoadBalancerValue & ClassInfo;

/** One `internal.l2lbservices` entry. */
export interface L2InstanceValue extends ServiceTraffic {
  name: string;
  namespace: string;
  serviceName: string;
  serviceNamespace: string;
  mlbcName: string;
  preferredNode: string;
  desiredIP?: string;
  lbAllowSharedIP?: string;
}

export interface L2Plan {
  classes: L2ClassValue[];
  instances: L2InstanceValue[];
  /** Services whose conditions must be written (the whole list, other conditions kept). */
  statusUpdates: { name: string; namespace: string; conditions: Condition[] }[];
  events: KubeObject[];
}

export interface L2Input {
  classes: readonly ClassInfo[];
  nodes: readonly NodeInfo[];
  services: readonly ServiceInfo[];
  instances: readonly InstanceInfo[];
  now: Date;
  /** The module's `loadBalancerClass` setting: the class the BGP controller serves. */
  bgpClass?: string;
  /** Classes that exist but were never valid (so are not in `classes`): name -> what is wrong with them. */
  invalidClasses?: ReadonlyMap<string, string>;
  /** Placement strategy per class; ours by default (benchmarks pass today's for comparison). */
  placer?: (className: string, input: PlacementInput) => Placement;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
const byNsName = (a: { namespace: string; name: string }, b: { namespace: string; name: string }): number =>
  a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : byName(a, b);

/** `<svc>-<class>-<i>`. */
export function instanceName(service: string, cls: string, index: number): string {
  return `${service}-${cls}-${index}`;
}

/** Instance filter for SDNInternalL2LBService objects. */
export function instanceFromObject(obj: KubeObject): InstanceInfo | null {
  const md = obj.metadata;
  if (!md?.name) return null;
  const spec = (obj.spec ?? {}) as { serviceRef?: { name?: unknown; namespace?: unknown } };
  const status = (obj.status ?? {}) as { loadBalancer?: { ingress?: { ip?: unknown }[] } };
  const out: InstanceInfo = { name: md.name, namespace: md.namespace ?? 'default' };
  opt(out, 'serviceName', typeof spec.serviceRef?.name === 'string' ? spec.serviceRef.name : undefined);
  opt(out, 'serviceNamespace', typeof spec.serviceRef?.namespace === 'string' ? spec.serviceRef.namespace : undefined);
  opt(out, 'className', md.annotations?.['metallb.io/address-pool']);
  opt(out, 'preferredNode', md.annotations?.[PREFERRED_NODE_ANNOTATION]);
  const ip = status.loadBalancer?.ingress?.[0]?.ip;
  opt(out, 'ip', typeof ip === 'string' && ip !== '' ? ip : undefined);
  return out;
}

/** Computes everything L2 discovery writes. Deterministic for a given input. */
export function planL2(input: L2Input): L2Plan {
  const classes = [...input.classes].sort(byName);
  const services = [...input.services].sort(byNsName);
  const plan: L2Plan = { classes: [], instances: [], statusUpdates: [], events: [] };
  const seenEvents = new Set<string>();
  const warn = (svc: ServiceInfo, reason: ServiceEventReason, message: string): void => {
    const ev = serviceEvent(svc, reason, message, input.now);
    const id = `${ev.metadata?.namespace}/${ev.metadata?.name}`;
    if (!seenEvents.has(id)) plan.events.push(ev);
    seenEvents.add(id);
  };
  const setClassCondition = (svc: ServiceInfo, status: 'True' | 'False', reason: string, message: string): void => {
    const cur = svc.conditions.find((c) => c.type === CLASS_CONDITION);
    if (cur && cur.status === status && cur.reason === reason && cur.message === message) return;
    const c: Condition = { type: CLASS_CONDITION, status, reason, message, lastTransitionTime: input.now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
    plan.statusUpdates.push({ name: svc.name, namespace: svc.namespace, conditions: withCondition(svc.conditions, c) });
  };

  const eligible = new Map(classes.map((c) => [c.name, eligibleNodes(input.nodes, c)]));
  // class -> services with their demand
  const perClass = new Map<string, { svc: ServiceInfo; demand: ReturnType<typeof demandOf> }[]>();
  for (const svc of services) {
    const choice = selectClassFor(svc, classes, input.bgpClass, input.invalidClasses);
    if (choice.kind === 'none' || choice.kind === 'foreign') continue;
    if (choice.kind === 'invalid') {
      const named = choice.source === 'bound' ? 'which this Service is bound to' : `named in ${choice.source === 'spec' ? 'spec.loadBalancerClass' : `annotation ${CLASS_ANNOTATION}`}`;
      const message = `MetalLoadBalancerClass "${choice.name}", ${named}, is invalid: ${choice.problems}. It is not used until it is fixed; the Service gets no address from it meanwhile`;
      warn(svc, 'InvalidLoadBalancerClass', message);
      if (choice.source !== 'bound') setClassCondition(svc, 'False', 'LoadBalancerClassInvalid', message);
      continue;
    }
    if (choice.kind === 'unknown') {
      if (choice.source === 'bound') {
        warn(svc, 'UnknownLoadBalancerClass', `MetalLoadBalancerClass "${choice.name}" this Service is bound to no longer exists; its IPs are released. Recreate the class, or recreate the Service to bind it anew`);
      } else {
        warn(svc, 'UnknownLoadBalancerClass', `MetalLoadBalancerClass "${choice.name}" named in annotation network.deckhouse.io/metal-load-balancer-class does not exist`);
        setClassCondition(svc, 'False', 'LoadBalancerClassNotFound', `MetalLoadBalancerClass "${choice.name}" does not exist`);
      }
      continue;
    }
    if (choice.instead) warn(svc, 'UnknownLoadBalancerClass', fallbackMessage(choice.instead, choice.name));
    const cls = classes.find((c) => c.name === choice.name) as ClassInfo;
    const nodes = eligible.get(cls.name) ?? [];
    if (nodes.length === 0) {
      const sel = nodeSelectorOf(cls.nodeSelector);
      const selected = input.nodes.filter((n) => matches(sel.selector, n.labels));
      const why = sel.problem
        ? `its nodeSelector is invalid: ${sel.problem}`
        : selected.length === 0 ? `no node matches nodeSelector ${JSON.stringify(cls.nodeSelector)}` : selected.slice(0, 5).map((n) => `${n.name}: ${ineligibility(n, cls) ?? 'eligible'}`).join('; ');
      warn(svc, 'NoEligibleNodes', `MetalLoadBalancerClass "${cls.name}" has no eligible node (Ready, matching its nodeSelector, tolerating its taints, not excluded from load balancers): ${why}`);
      continue;
    }
    const demand = demandOf(svc);
    for (const p of demand.problems) warn(svc, 'InvalidAnnotation', p);
    if (demand.count > nodes.length) {
      warn(svc, 'CountAboveNodes', `${demand.count} IPs requested but MetalLoadBalancerClass "${cls.name}" has ${nodes.length} eligible node(s); some nodes announce more than one of them`);
    }
    if (!choice.bound) setClassCondition(svc, 'True', CLASS_BOUND_REASON, cls.name);
    const list = perClass.get(cls.name) ?? [];
    list.push({ svc, demand });
    perClass.set(cls.name, list);
  }

  const preferred = new Map(input.instances.map((i) => [`${i.namespace}/${i.name}`, i.preferredNode]));
  for (const cls of classes) {
    plan.classes.push(classValue(cls));
    const members = perClass.get(cls.name) ?? [];
    const demands: ServiceDemand[] = members.map((m) => ({ key: `${m.svc.namespace}/${m.svc.name}`, count: m.demand.count }));
    const current = new Map(members.map((m) => [`${m.svc.namespace}/${m.svc.name}`, Array.from({ length: m.demand.count }, (_, i) => preferred.get(`${m.svc.namespace}/${instanceName(m.svc.name, cls.name, i)}`))]));
    const placement = (input.placer ?? ((_c, i) => place(i)))(cls.name, { nodes: eligible.get(cls.name) ?? [], services: demands, current });
    for (const { svc, demand } of members) {
      const nodes = placement.get(`${svc.namespace}/${svc.name}`) ?? [];
      nodes.forEach((node, i) => plan.instances.push(instanceValue(svc, cls.name, i, node, demand.ips[i], demand.sharingKey)));
    }
  }
  plan.instances.sort(byNsName);
  return plan;
}

/** The class as `internal.l2loadbalancers` keeps it: its settings and which version they are, not its status. */
function classValue(c: ClassInfo): L2ClassValue {
  const { conditions: _conditions, recorded: _recorded, ...value } = c;
  return value;
}

/** What an Event says when a Service's class does not exist and another one serves it. */
function fallbackMessage(missing: readonly MissingClass[], used: string): string {
  const named = missing.map((m) => `MetalLoadBalancerClass "${m.name}" named in ${m.source === 'spec' ? 'spec.loadBalancerClass' : `annotation ${CLASS_ANNOTATION}`}`).join(' and ');
  return `${named} does not exist; MetalLoadBalancerClass "${used}" serves the Service instead and stays bound to it. Fix the name and recreate the Service to use another class`;
}

function instanceValue(svc: ServiceInfo, cls: string, i: number, node: string, ip: string | undefined, key: string | undefined): L2InstanceValue {
  const v: L2InstanceValue = { name: instanceName(svc.name, cls, i), namespace: svc.namespace, serviceName: svc.name, serviceNamespace: svc.namespace, mlbcName: cls, preferredNode: node, ports: svc.ports };
  opt(v, 'clusterIP', svc.clusterIP);
  opt(v, 'selector', svc.selector);
  opt(v, 'externalTrafficPolicy', svc.externalTrafficPolicy);
  opt(v, 'internalTrafficPolicy', svc.internalTrafficPolicy);
  opt(v, 'publishNotReadyAddresses', svc.publishNotReadyAddresses);
  opt(v, 'ipFamilies', svc.ipFamilies);
  opt(v, 'ipFamilyPolicy', svc.ipFamilyPolicy);
  opt(v, 'desiredIP', ip);
  opt(v, 'lbAllowSharedIP', key);
  return v;
}
