// SPDX-License-Identifier: Apache-2.0
/**
 * L2 discovery: picks each LoadBalancer Service's MetalLoadBalancerClass, places one instance per requested IP
 * on the class's eligible nodes (balanced, sticky: the current placement is read back from the instances),
 * records the bound class on the Service, and reports what is wrong as Service events.
 * Writes `metallb.internal.l2loadbalancers` and `metallb.internal.l2lbservices`. A class edited into something
 * unusable keeps its last valid version in force (read back from `l2loadbalancers`), with a ConfigStale Event on
 * the class, its Accepted condition False and `metallb_k8s_client_config_stale_bool` at 1.
 * Runs after the L2 migrations (orders 5 and 10), which may create classes and adopt Services.
 */
import { kubernetes, type HookConfig, type HookInput } from '../../lib/hook-sdk/index.js';
import { CONFIG_STALE_REASON, staleMessage } from '../../lib/last-good.js';
import type { L2LoadBalancerValue } from '../../lib/schemas/types.generated.js';
import { acceptedCondition, classesInForce, CLASSES_IN_FORCE, inForceRecord } from './lib/classes.js';
import { classEvent } from './lib/events.js';
import { nodeFromObject } from './lib/eligibility.js';
import { instanceFromObject, planL2 } from './lib/l2-plan.js';
import { INTERNAL_API, NETWORK_API } from './lib/names.js';
import { classFromObject, serviceFromObject, serviceProjection, withCondition } from './lib/service.js';

const queue = '/modules/metallb/discovery';

export const classes = kubernetes({ name: 'mlbc', apiVersion: NETWORK_API, kind: 'MetalLoadBalancerClass', queue, filter: classFromObject });
export const nodes = kubernetes({ name: 'nodes', apiVersion: 'v1', kind: 'Node', queue, filter: nodeFromObject });
export const services = kubernetes({ name: 'services', apiVersion: 'v1', kind: 'Service', queue, jqFilter: serviceProjection(), filter: serviceFromObject });
export const instances = kubernetes({ name: 'l2lbservices', apiVersion: INTERNAL_API, kind: 'SDNInternalL2LBService', queue, executeHookOnEvent: [], filter: instanceFromObject });

export const config: HookConfig = { beforeHelm: 20, kubernetes: [classes, nodes, services, instances] };

/** Clock for event and condition timestamps; tests replace it. */
export const clock = { now: (): Date => new Date() };

/** The module's `loadBalancerClass` setting, when set: Services of that class are the BGP controller's. */
export function bgpClassOf(input: HookInput): { bgpClass?: string } {
  const v = input.values.get<string>('metallb.loadBalancerClass');
  return typeof v === 'string' && v !== '' ? { bgpClass: v } : {};
}

const STALE_METRIC = 'metallb_k8s_client_config_stale_bool';
const STALE_GROUP = 'metallb_l2_classes_stale';

export function handle(input: HookInput): void {
  if (input.values.get('metallb.internal.migrationOfOldFashionedLBsAdoptionComplete') === false) return;
  const current = input.snapshot(classes);
  const inForce = classesInForce(current, input.values.get<L2LoadBalancerValue[]>(CLASSES_IN_FORCE));
  const now = clock.now();
  for (const s of inForce.stale) input.kube.createIfNotExists(classEvent(s.current.metadata, CONFIG_STALE_REASON, staleMessage(s), now));
  for (const c of current) {
    // the Accepted condition, and the version in force recorded where it outlives a restart of Deckhouse
    const cond = acceptedCondition(c, inForce.stale.find((s) => s.current.metadata.name === c.name), now);
    const record = inForceRecord(c, inForce.classes.find((x) => x.name === c.name));
    if (!cond && !record) continue;
    const status = { ...(cond ? { conditions: withCondition(c.conditions ?? [], cond) } : {}), ...(record ? { inForce: record } : {}) };
    input.kube.mergePatch({ apiVersion: NETWORK_API, kind: 'MetalLoadBalancerClass', name: c.name }, { status }, { subresource: 'status', ignoreMissingObject: true });
  }
  input.metrics.expire(STALE_GROUP);
  input.metrics.set(STALE_METRIC, inForce.stale.length > 0 ? 1 : 0, {}, STALE_GROUP);
  const plan = planL2({
    classes: inForce.classes,
    invalidClasses: inForce.invalid,
    nodes: input.snapshot(nodes),
    services: input.snapshot(services),
    instances: input.snapshot(instances),
    now,
    ...bgpClassOf(input),
  });
  for (const u of plan.statusUpdates) {
    input.kube.mergePatch({ apiVersion: 'v1', kind: 'Service', namespace: u.namespace, name: u.name }, { status: { conditions: u.conditions } }, { subresource: 'status', ignoreMissingObject: true });
  }
  for (const ev of plan.events) input.kube.createIfNotExists(ev);
  input.values.set(CLASSES_IN_FORCE, plan.classes);
  input.values.set('metallb.internal.l2lbservices', plan.instances);
}
