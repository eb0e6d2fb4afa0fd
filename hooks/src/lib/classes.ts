// SPDX-License-Identifier: Apache-2.0
/**
 * The MetalLoadBalancerClasses in force: each class as written when it can be used, else its last valid
 * version, so an edit into something unusable takes no address and no announcing node away. The last valid
 * versions live in the values the hooks write (`internal.l2loadbalancers`), which survive between hook runs.
 * Pure.
 */
import { canonicalJson } from '../../../lib/canonical-json.js';
import { classProblems, versionedClass, type VersionedClass } from '../../../lib/config/class.js';
import { configFor, ConfigMemory } from '../../../lib/config/model.js';
import { CONFIG_STALE_REASON, staleMessage, type StaleObject } from '../../../lib/last-good.js';
import type { L2LoadBalancerValue } from '../../../lib/schemas/types.generated.js';
import { ACCEPTED_CONDITION } from './names.js';
import type { ClassInfo, Condition } from './service.js';

/** Where the classes in force are kept between hook runs. */
export const CLASSES_IN_FORCE = 'metallb.internal.l2loadbalancers';

export interface ClassesInForce {
  classes: ClassInfo[];
  /** Classes whose current version cannot be used; `inForce` is the version used instead, if any. */
  stale: StaleObject<VersionedClass<ClassInfo>>[];
  /** Classes that exist but have no version in force (none was ever valid): name -> what is wrong with them. */
  invalid: Map<string, string>;
}

/** A class as the values keep it (entries written before they carried tolerations have none). */
function fromValue(v: L2LoadBalancerValue): ClassInfo {
  const c: ClassInfo = { name: v.name, isDefault: v.isDefault ?? false, addressPool: v.addressPool ?? [], interfaces: v.interfaces ?? [], nodeSelector: v.nodeSelector ?? {}, tolerations: v.tolerations ?? [] };
  if (v.uid) c.uid = v.uid;
  if (v.resourceVersion) c.resourceVersion = v.resourceVersion;
  return c;
}

/**
 * The classes to act on, from the current objects and the classes in force last time: `internal.l2loadbalancers`,
 * or where the values have none (Deckhouse restarted), the version a class's status records.
 */
export function classesInForce(current: readonly ClassInfo[], lastInForce: readonly L2LoadBalancerValue[] = []): ClassesInForce {
  const inValues = new Set(lastInForce.map((v) => v.name));
  // A status is user input like the spec (anyone who may write it can): a record that is not a valid class is not used.
  const rejected = new Map<string, string>();
  const fromStatus = current.flatMap((c) => {
    if (inValues.has(c.name)) return [];
    if (c.recordedProblem) rejected.set(c.name, c.recordedProblem);
    if (!c.recorded) return [];
    const r = fromValue({ ...c.recorded, ...(c.uid ? { uid: c.uid } : {}) });
    const problems = classProblems(r);
    if (problems.length) rejected.set(c.name, problems.join('; '));
    return problems.length ? [] : [r];
  });
  const kept = [...lastInForce.map(fromValue), ...fromStatus].filter((c) => c.uid).map((c) => ({ object: versionedClass(c), value: c }));
  const resolved = configFor({ classes: current.map(versionedClass) }, new ConfigMemory<ClassInfo>(kept));
  const stale = resolved.stale.flatMap((x) => (x.kind === 'MetalLoadBalancerClass' ? [x] : [])).map((x) => {
    const why = x.inForce ? undefined : rejected.get(x.current.info.name);
    return why ? { ...x, error: `${x.error}; its status.inForce is not a valid version either (${why}), so it is not used` } : x;
  });
  const invalid = new Map(stale.filter((x) => !x.inForce).map((x) => [x.current.info.name, classProblems(x.current.info).join('; ')]));
  return { classes: resolved.classes, stale, invalid };
}

/** What a class's `status.inForce` should say when it does not say it yet: the settings in force and their version. */
export function inForceRecord(c: ClassInfo, inForce: ClassInfo | undefined): L2LoadBalancerValue | undefined {
  if (!inForce) return undefined;
  const settings = (v: L2LoadBalancerValue): string => canonicalJson({ addressPool: v.addressPool ?? [], interfaces: v.interfaces ?? [], nodeSelector: v.nodeSelector ?? {}, isDefault: v.isDefault ?? false, tolerations: v.tolerations ?? [] });
  const record: L2LoadBalancerValue = { name: inForce.name, addressPool: inForce.addressPool, interfaces: inForce.interfaces, nodeSelector: inForce.nodeSelector, isDefault: inForce.isDefault, tolerations: inForce.tolerations };
  if (inForce.resourceVersion) record.resourceVersion = inForce.resourceVersion;
  return c.recorded && settings(c.recorded) === settings(record) ? undefined : record;
}

/**
 * The Accepted condition to write on a class, or undefined when its status already says it: False while the class
 * is stale, True again once it is fixed (a class that never was stale gets none).
 */
export function acceptedCondition(c: ClassInfo, stale: StaleObject<VersionedClass<ClassInfo>> | undefined, now: Date): Condition | undefined {
  const had = c.conditions?.find((x) => x.type === ACCEPTED_CONDITION);
  if (!stale && (!had || had.status === 'True')) return undefined;
  const [status, reason, message] = stale ? ['False', CONFIG_STALE_REASON, staleMessage(stale)] : ['True', 'Accepted', 'the class is in force as written'];
  if (had && had.status === status && had.message === message) return undefined;
  return { type: ACCEPTED_CONDITION, status, reason, message, lastTransitionTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}
