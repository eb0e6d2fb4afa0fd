// SPDX-License-Identifier: Apache-2.0
/** Binding contexts as shell-operator / addon-operator write them to BINDING_CONTEXT_PATH (configVersion v1). */
import type { KubeObject, WatchEvent } from './types.js';

/** One object in `objects` or in a snapshot: `object` unless keepFullObjectsInMemory is false, `filterResult` if a jqFilter is set. */
export interface ObjectAndFilterResult {
  object?: KubeObject;
  filterResult?: unknown;
}

export type Snapshots = Record<string, ObjectAndFilterResult[]>;

export interface SynchronizationContext {
  binding: string;
  type: 'Synchronization';
  objects: ObjectAndFilterResult[];
  snapshots?: Snapshots;
}

export interface EventContext {
  binding: string;
  type: 'Event';
  watchEvent: WatchEvent;
  object?: KubeObject;
  filterResult?: unknown;
  snapshots?: Snapshots;
}

export interface ScheduleContext {
  binding: string;
  type: 'Schedule';
  snapshots?: Snapshots;
}

export interface GroupContext {
  binding: string;
  type: 'Group';
  groupName: string;
  snapshots: Snapshots;
}

/** onStartup, beforeHelm, afterHelm, afterDeleteHelm: no `type`; lifecycle runs carry all snapshots (onStartup none). */
export interface LifecycleContext {
  binding: 'onStartup' | 'beforeHelm' | 'afterHelm' | 'afterDeleteHelm';
  snapshots?: Snapshots;
}

export type BindingContext = SynchronizationContext | EventContext | ScheduleContext | GroupContext | LifecycleContext;

const TYPES = new Set(['Synchronization', 'Event', 'Schedule', 'Group']);
const LIFECYCLE = new Set(['onStartup', 'beforeHelm', 'afterHelm', 'afterDeleteHelm']);

/** Checks the shape of a parsed BINDING_CONTEXT_PATH document; throws with the offending index. */
export function parseBindingContexts(doc: unknown): BindingContext[] {
  if (!Array.isArray(doc)) throw new Error('binding context must be a JSON array');
  return doc.map((c: unknown, i) => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new Error(`binding context [${i}] is not an object`);
    const o = c as Record<string, unknown>;
    if (typeof o.binding !== 'string') throw new Error(`binding context [${i}] has no "binding"`);
    if (o.type === undefined) {
      if (!LIFECYCLE.has(o.binding)) throw new Error(`binding context [${i}] has no "type" and binding "${o.binding}" is not a lifecycle binding`);
    } else if (typeof o.type !== 'string' || !TYPES.has(o.type)) {
      throw new Error(`binding context [${i}] has unknown type ${JSON.stringify(o.type)}`);
    }
    if (o.snapshots !== undefined && (typeof o.snapshots !== 'object' || o.snapshots === null || Array.isArray(o.snapshots))) {
      throw new Error(`binding context [${i}] "snapshots" is not an object`);
    }
    for (const [k, v] of Object.entries((o.snapshots ?? {}) as Record<string, unknown>)) {
      if (!Array.isArray(v)) throw new Error(`binding context [${i}] snapshot "${k}" is not an array`);
    }
    if (o.type === 'Synchronization' && !Array.isArray(o.objects)) throw new Error(`binding context [${i}] Synchronization has no "objects" array`);
    if (o.type === 'Event' && !['Added', 'Modified', 'Deleted'].includes(o.watchEvent as string)) {
      throw new Error(`binding context [${i}] Event has bad watchEvent ${JSON.stringify(o.watchEvent)}`);
    }
    if (o.type === 'Group' && typeof o.groupName !== 'string') throw new Error(`binding context [${i}] Group has no "groupName"`);
    return o as unknown as BindingContext;
  });
}
