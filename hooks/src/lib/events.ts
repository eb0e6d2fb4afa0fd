// SPDX-License-Identifier: Apache-2.0
/** core/v1 Events about a Service, named after their content so a re-run does not pile up copies. */
import type { KubeObject } from '../../../lib/hook-sdk/index.js';
import { fnv1a } from './placement.js';

export interface EventSubject {
  name: string;
  namespace: string;
  uid?: string;
}

/** Reasons the hooks report on Services. */
export type ServiceEventReason = 'UnknownLoadBalancerClass' | 'NoEligibleNodes' | 'InvalidAnnotation' | 'CountAboveNodes';

/** A Warning Event on the Service; `now` is passed in so the logic stays testable. */
export function serviceEvent(svc: EventSubject, reason: ServiceEventReason, message: string, now: Date): KubeObject {
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const involved: Record<string, string> = { apiVersion: 'v1', kind: 'Service', name: svc.name, namespace: svc.namespace };
  if (svc.uid !== undefined) involved.uid = svc.uid;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${svc.name}.metallb-${fnv1a(`${svc.uid ?? ''}#${reason}#${message}`).toString(16)}`, namespace: svc.namespace },
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
