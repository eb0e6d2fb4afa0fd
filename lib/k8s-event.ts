// SPDX-License-Identifier: Apache-2.0
/** The core/v1 Event body the module's components record, the kind `kubectl describe` shows. Pure. */
import type { CoreV1Event } from '@kubernetes/client-node';

/** The object an Event is about; with its uid, `kubectl describe` finds the Event. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface EventFields {
  /** The Event's own name (`<object>.<suffix>`). */
  readonly name: string;
  readonly involvedObject: ObjectRef;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  readonly component: string;
  /** The replica or node that records it. */
  readonly instance: string;
  /** The node, for Events about what one node saw. */
  readonly host?: string;
  readonly now: Date;
}

export function coreEvent(f: EventFields): CoreV1Event {
  return {
    metadata: { name: f.name, namespace: f.involvedObject.namespace },
    involvedObject: { ...f.involvedObject },
    reason: f.reason,
    message: f.message,
    type: f.type,
    count: 1,
    firstTimestamp: f.now,
    lastTimestamp: f.now,
    source: { component: f.component, ...(f.host ? { host: f.host } : {}) },
    reportingComponent: f.component,
    reportingInstance: f.instance,
  };
}
