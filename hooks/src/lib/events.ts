// SPDX-License-Identifier: Apache-2.0
/** core/v1 Events the hooks record, in the module's one Event shape (lib/k8s-event.ts). */
import type { KubeObject } from '../../../lib/hook-sdk/index.js';
import { coreEvent, type ObjectRef } from '../../../lib/k8s-event.js';
import { apiVersionOf, METAL_LOAD_BALANCER_CLASS } from './names.js';

export interface EventSubject {
  name: string;
  namespace: string;
  uid?: string;
}

/** Reasons the hooks report on Services. */
export type ServiceEventReason = 'UnknownLoadBalancerClass' | 'InvalidLoadBalancerClass' | 'NoEligibleNodes' | 'InvalidAnnotation' | 'CountAboveNodes';

/**
 * A Warning Event on `about`, named after its content so a re-run does not pile up copies; `now` is passed in
 * so the logic stays testable.
 */
function warningEvent(about: ObjectRef, reason: string, message: string, now: Date): KubeObject {
  const e = coreEvent({ involvedObject: about, type: 'Warning', reason, message, dedupeKey: `${about.uid ?? ''}#${reason}#${message}` }, { component: 'metallb-hooks' }, now);
  // A hook writes JSON: the timestamps become RFC 3339 strings.
  return JSON.parse(JSON.stringify(e)) as KubeObject;
}

/** A Warning Event on the Service. */
export function serviceEvent(svc: EventSubject, reason: ServiceEventReason, message: string, now: Date): KubeObject {
  return warningEvent({ apiVersion: 'v1', kind: 'Service', name: svc.name, namespace: svc.namespace, ...(svc.uid ? { uid: svc.uid } : {}) }, reason, message, now);
}

/** A Warning Event on a MetalLoadBalancerClass (`kubectl describe mlbc` lists it). */
export function classEvent(cls: { name: string; uid?: string }, reason: string, message: string, now: Date): KubeObject {
  return warningEvent({ apiVersion: apiVersionOf(METAL_LOAD_BALANCER_CLASS), kind: METAL_LOAD_BALANCER_CLASS.kind, name: cls.name, ...(cls.uid ? { uid: cls.uid } : {}) }, reason, message, now);
}
