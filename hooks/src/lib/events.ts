// SPDX-License-Identifier: Apache-2.0
/** core/v1 Events the hooks record, named after their content so a re-run does not pile up copies. */
import type { KubeObject } from '../../../lib/hook-sdk/index.js';
import { apiVersionOf, METAL_LOAD_BALANCER_CLASS } from './names.js';
import { fnv1a } from './placement.js';

export interface EventSubject {
  name: string;
  namespace: string;
  uid?: string;
}

/** The object an Event is about; cluster-scoped objects have no namespace (their Events go to `default`). */
interface Involved {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  uid?: string;
}

/** Reasons the hooks report on Services. */
export type ServiceEventReason = 'UnknownLoadBalancerClass' | 'InvalidLoadBalancerClass' | 'NoEligibleNodes' | 'InvalidAnnotation' | 'CountAboveNodes';

/** A Warning Event on `about`; `now` is passed in so the logic stays testable. */
function warningEvent(about: Involved, reason: string, message: string, now: Date): KubeObject {
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const involved: Record<string, string> = { apiVersion: about.apiVersion, kind: about.kind, name: about.name };
  if (about.namespace !== undefined) involved.namespace = about.namespace;
  if (about.uid !== undefined) involved.uid = about.uid;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${about.name}.metallb-${fnv1a(`${about.uid ?? ''}#${reason}#${message}`).toString(16)}`, namespace: about.namespace ?? 'default' },
    involvedObject: involved,
    reason,
    message,
    type: 'Warning',
    count: 1,
    firstTimestamp: ts,
    lastTimestamp: ts,
    source: { component: 'metallb-hooks' },
    reportingComponent: 'metallb-hooks',
  };
}

/** A Warning Event on the Service. */
export function serviceEvent(svc: EventSubject, reason: ServiceEventReason, message: string, now: Date): KubeObject {
  return warningEvent({ apiVersion: 'v1', kind: 'Service', ...svc }, reason, message, now);
}

/** A Warning Event on a MetalLoadBalancerClass (`kubectl describe mlbc` lists it). */
export function classEvent(cls: { name: string; uid?: string }, reason: string, message: string, now: Date): KubeObject {
  return warningEvent({ apiVersion: apiVersionOf(METAL_LOAD_BALANCER_CLASS), kind: METAL_LOAD_BALANCER_CLASS.kind, ...cls }, reason, message, now);
}
