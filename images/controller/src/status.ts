// SPDX-License-Identifier: Apache-2.0
/** What the controller writes back: status ingress, the IPAllocated condition, Event texts. Pure. */
import { IP_ALLOCATED_CONDITION } from '../../../lib/api/index.js';
import type { CONFIG_STALE_REASON } from '../../../lib/last-good.js';
import { familyOf, canonicalIp } from '../../../lib/ip.js';
import { describeFailure, type Failure } from './ipam/claim.js';
import type { Condition, ServiceLike, ServiceStatusLike } from './objects.js';

/** The outcome for one object, as status and events show it. */
export type Outcome = { ok: true; ips: readonly string[]; pools: readonly string[] } | { ok: false; failure: Failure };

/** Addresses an object's status already lists (canonical text; garbage is ignored). */
export function heldIps(o: ServiceLike): string[] {
  const out: string[] = [];
  for (const i of o.status?.loadBalancer?.ingress ?? []) {
    if (i.ip && familyOf(i.ip)) out.push(canonicalIp(i.ip));
  }
  return out;
}

export function conditionFor(out: Outcome, generation: number | undefined): Omit<Condition, 'lastTransitionTime'> {
  const base = generation === undefined ? {} : { observedGeneration: generation };
  if (out.ok) {
    const pools = [...new Set(out.pools)].map((p) => `"${p}"`).join(', ');
    return { type: IP_ALLOCATED_CONDITION, status: 'True', reason: 'IPAllocated', message: `assigned ${out.ips.join(', ')} from pool ${pools}`, ...base };
  }
  return { type: IP_ALLOCATED_CONDITION, status: 'False', reason: out.failure.kind, message: describeFailure(out.failure), ...base };
}

/**
 * The status to write, or undefined when the object already shows this outcome.
 * Other conditions and other ingress fields are kept; lastTransitionTime moves only when status flips.
 */
export function nextStatus(o: ServiceLike, out: Outcome, now: Date): ServiceStatusLike | undefined {
  const cur = o.status ?? {};
  const want = conditionFor(out, o.metadata?.generation);
  const ips = out.ok ? out.ips : [];
  const old = cur.conditions?.find((c) => c.type === IP_ALLOCATED_CONDITION);
  const sameCond = old !== undefined && old.status === want.status && old.reason === want.reason && old.message === want.message && old.observedGeneration === want.observedGeneration;
  const curIps = (cur.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
  const sameIps = curIps.length === ips.length && curIps.every((ip, i) => ip === ips[i]);
  if (sameCond && sameIps) return undefined;
  const since = old && old.status === want.status && old.lastTransitionTime ? old.lastTransitionTime : now.toISOString();
  const cond: Condition = { ...want, lastTransitionTime: since };
  const others = (cur.conditions ?? []).filter((c) => c.type !== IP_ALLOCATED_CONDITION);
  return { ...cur, loadBalancer: { ...(cur.loadBalancer ?? {}), ingress: ips.map((ip) => ({ ip })) }, conditions: [...others, cond] };
}

/** An Event to record: MetalLB's reasons and wording. */
export interface EventText {
  type: 'Normal' | 'Warning';
  reason: 'IPAllocated' | 'AllocationFailed' | 'IPReleased' | typeof CONFIG_STALE_REASON | 'PoolsOverlap';
  message: string;
}

export function allocatedEvent(ips: readonly string[]): EventText {
  return { type: 'Normal', reason: 'IPAllocated', message: `Assigned IP [${ips.map((ip) => JSON.stringify(ip)).join(' ')}]` };
}

export function failedEvent(namespace: string, name: string, f: Failure): EventText {
  return { type: 'Warning', reason: 'AllocationFailed', message: `Failed to allocate IP for "${namespace}/${name}": ${describeFailure(f)}` };
}

export function releasedEvent(ips: readonly string[], reason: string): EventText {
  return { type: 'Warning', reason: 'IPReleased', message: `Released IP [${ips.map((ip) => JSON.stringify(ip)).join(' ')}]: ${reason}` };
}
