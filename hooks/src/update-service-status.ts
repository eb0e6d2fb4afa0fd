// SPDX-License-Identifier: Apache-2.0
/**
 * Copies the IPs the controller assigned to a Service's instances into the Service's
 * `status.loadBalancer.ingress`, with the condition `AllPublicIPsAssigned` ("n of m public IPs were assigned").
 * A Service that had instances and has none left (its class was deleted) gets its ingress cleared.
 * Metrics `d8_metallb_service_ips_requested` / `d8_metallb_service_ips_assigned` per Service feed the alert
 * D8MetalLBServiceNotAllIPsAssigned.
 */
import { kubernetes, type HookConfig, type HookInput } from '../../lib/hook-sdk/index.js';
import { instanceFromObject, type InstanceInfo } from './lib/l2-plan.js';
import { ASSIGNED_CONDITION, INTERNAL_API } from './lib/names.js';
import { serviceFromObject, serviceProjection, withCondition, type Condition, type ServiceInfo } from './lib/service.js';

const queue = '/modules/metallb/service-update';

export const instances = kubernetes({ name: 'l2lb_services', apiVersion: INTERNAL_API, kind: 'SDNInternalL2LBService', queue, filter: instanceFromObject });
export const services = kubernetes({
  name: 'services',
  apiVersion: 'v1',
  kind: 'Service',
  queue,
  // Service changes run the hook too, so a status another writer dropped is put back
  jqFilter: serviceProjection(', loadBalancer: {ingress: [.status.loadBalancer.ingress[]? | {ip}]}'),
  filter: (o) => {
    const s = serviceFromObject(o);
    if (!s) return null;
    const ingress = ((o.status as { loadBalancer?: { ingress?: { ip?: unknown }[] } } | undefined)?.loadBalancer?.ingress ?? []).flatMap((i) => (typeof i.ip === 'string' ? [i.ip] : []));
    return { ...s, ingress };
  },
});

export const config: HookConfig = { kubernetes: [instances, services] };

/** Clock for condition timestamps; tests replace it. */
export const clock = { now: (): Date => new Date() };

export interface StatusUpdate {
  name: string;
  namespace: string;
  ingress: string[];
  conditions: Condition[];
}

const indexOf = (name: string): number => Number(/-(\d+)$/.exec(name)?.[1] ?? 0);

/** The status each Service needs, for those whose status differs. Pure. */
export function statusUpdates(list: readonly InstanceInfo[], svcs: readonly (ServiceInfo & { ingress: string[] })[], now: Date): StatusUpdate[] {
  // namespace/name -> instances
  const groups = new Map<string, InstanceInfo[]>();
  for (const i of list) {
    if (!i.serviceName) continue;
    const k = `${i.serviceNamespace ?? i.namespace}/${i.serviceName}`;
    groups.set(k, [...(groups.get(k) ?? []), i]);
  }
  const out: StatusUpdate[] = [];
  const ts = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  for (const svc of [...svcs].sort((a, b) => `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`))) {
    const group = (groups.get(`${svc.namespace}/${svc.name}`) ?? []).sort((a, b) => indexOf(a.name) - indexOf(b.name) || a.name.localeCompare(b.name));
    const cur = svc.conditions.find((c) => c.type === ASSIGNED_CONDITION);
    if (group.length === 0) {
      if (cur) out.push({ name: svc.name, namespace: svc.namespace, ingress: [], conditions: svc.conditions.filter((c) => c.type !== ASSIGNED_CONDITION) });
      continue;
    }
    const ips = [...new Set(group.flatMap((i) => (i.ip ? [i.ip] : [])))];
    const all = group.every((i) => i.ip);
    const status = all ? 'True' : 'False';
    const c: Condition = {
      type: ASSIGNED_CONDITION,
      status,
      reason: all ? 'AllIPsAssigned' : 'NotAllIPsAssigned',
      message: `${group.filter((i) => i.ip).length} of ${group.length} public IPs were assigned`,
      lastTransitionTime: cur && cur.status === status && cur.lastTransitionTime ? cur.lastTransitionTime : ts,
    };
    const same = cur && cur.status === c.status && cur.reason === c.reason && cur.message === c.message;
    if (same && JSON.stringify(svc.ingress) === JSON.stringify(ips)) continue;
    out.push({ name: svc.name, namespace: svc.namespace, ingress: ips, conditions: withCondition(svc.conditions, c) });
  }
  return out;
}

export const METRICS_GROUP = 'D8MetalLBServiceIPs';

/** Requested and assigned IPs per Service (namespace/name). Pure. */
export function ipCounts(list: readonly InstanceInfo[]): Map<string, { requested: number; assigned: number }> {
  const m = new Map<string, { requested: number; assigned: number }>();
  for (const i of list) {
    if (!i.serviceName) continue;
    const k = `${i.serviceNamespace ?? i.namespace}/${i.serviceName}`;
    const c = m.get(k) ?? { requested: 0, assigned: 0 };
    c.requested++;
    if (i.ip) c.assigned++;
    m.set(k, c);
  }
  return m;
}

export function handle(input: HookInput): void {
  const list = input.snapshot(instances);
  input.metrics.expire(METRICS_GROUP);
  for (const [k, c] of [...ipCounts(list)].sort((a, b) => a[0].localeCompare(b[0]))) {
    const [namespace, name] = k.split('/') as [string, string];
    input.metrics.set('d8_metallb_service_ips_requested', c.requested, { namespace, name }, METRICS_GROUP);
    input.metrics.set('d8_metallb_service_ips_assigned', c.assigned, { namespace, name }, METRICS_GROUP);
  }
  for (const u of statusUpdates(list, input.snapshot(services), clock.now())) {
    input.kube.mergePatch(
      { apiVersion: 'v1', kind: 'Service', namespace: u.namespace, name: u.name },
      { status: { loadBalancer: { ingress: u.ingress.map((ip) => ({ ip })) }, conditions: u.conditions } },
      { subresource: 'status', ignoreMissingObject: true },
    );
  }
}
