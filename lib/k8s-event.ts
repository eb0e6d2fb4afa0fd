// SPDX-License-Identifier: Apache-2.0
/**
 * The one Event contract of the module's components: what an Event says (EventSpec), who records it
 * (EventSource), and the core/v1 body `kubectl describe` shows. Pure; lib/event-recorder.ts creates it.
 */
import type { CoreV1Event } from '@kubernetes/client-node';
import { createHash, randomBytes } from 'node:crypto';

/** The object an Event is about; with its uid, `kubectl describe` finds the Event. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Absent for cluster-scoped objects: their Events live in `default`, as kube's own do. */
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
}

export interface EventSpec {
  readonly involvedObject: ObjectRef;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /**
   * Set for Events that every recorder, or every run, would record alike (a bad object): the Event is named
   * after this key, so the first one creates it and the others find it there.
   */
  readonly dedupeKey?: string;
}

export interface EventSource {
  readonly component: string;
  /** The replica or node that records it. */
  readonly instance?: string;
  /** The node, for Events about what one node saw. */
  readonly host?: string;
}

/** The namespace an Event about `o` lives in. */
export function eventNamespace(o: ObjectRef): string {
  return o.namespace ?? 'default';
}

/** `<object>.<suffix>`: derived from the dedupe key when there is one, else unique. */
export function eventName(e: EventSpec): string {
  const suffix = e.dedupeKey ? createHash('sha256').update(e.dedupeKey).digest('hex').slice(0, 16) : randomBytes(8).toString('hex');
  return `${e.involvedObject.name}.${suffix}`;
}

export function coreEvent(e: EventSpec, source: EventSource, now: Date): CoreV1Event {
  const o = e.involvedObject;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: eventName(e), namespace: eventNamespace(o) },
    involvedObject: { ...o },
    reason: e.reason,
    message: e.message,
    type: e.type,
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
    // A deduplicated Event is about the object, not about what one node saw.
    source: { component: source.component, ...(source.host && !e.dedupeKey ? { host: source.host } : {}) },
    reportingComponent: source.component,
    ...(source.instance ? { reportingInstance: source.instance } : {}),
  };
}
