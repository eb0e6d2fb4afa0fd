// SPDX-License-Identifier: Apache-2.0
/** Defaults, validation and version conversion of the built-in kinds the module uses. Pure. */
import type { ResourceType } from './resources.js';
import type { StatusCause } from './status.js';
import { isRecord, type KObject } from './types.js';

function rec(v: unknown): Record<string, unknown> {
  return isRecord(v) ? v : {};
}

/** Fills the defaults the real server fills on create and update. */
export function applyDefaults(t: ResourceType, o: KObject): void {
  if (t.group !== '') return;
  if (t.resource === 'services') defaultService(o);
  if (t.resource === 'namespaces') {
    o.metadata.labels = { ...o.metadata.labels, 'kubernetes.io/metadata.name': o.metadata.name ?? '' };
    o.spec = { finalizers: ['kubernetes'], ...rec(o.spec) };
    o.status = { phase: 'Active', ...rec(o.status) };
  }
  if (t.resource === 'pods') o.status = { phase: 'Pending', ...rec(o.status) };
  if (t.resource === 'secrets' && o.type === undefined) o.type = 'Opaque';
}

function defaultService(o: KObject): void {
  const spec = rec(o.spec);
  const type = typeof spec.type === 'string' ? spec.type : 'ClusterIP';
  spec.type = type;
  spec.sessionAffinity ??= 'None';
  if (type !== 'ExternalName') {
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
  }
  if (type === 'LoadBalancer' || type === 'NodePort') spec.externalTrafficPolicy ??= 'Cluster';
  if (type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  if (Array.isArray(spec.ports)) {
    spec.ports = spec.ports.map((p) => {
      const port = rec(p);
      return { protocol: 'TCP', ...port, targetPort: port.targetPort ?? port.port };
    });
  }
  o.spec = spec;
}

/** Field errors of a built-in object, in the real server's words. */
export function validateBuiltin(t: ResourceType, o: KObject, old?: KObject): StatusCause[] {
  const causes: StatusCause[] = [];
  if (t.group === '' && t.resource === 'services') {
    const spec = rec(o.spec);
    const ports = Array.isArray(spec.ports) ? spec.ports : [];
    const types = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
    if (!types.includes(String(spec.type))) causes.push({ reason: 'FieldValueNotSupported', field: 'spec.type', message: `Unsupported value: "${String(spec.type)}": supported values: ${types.map((x) => `"${x}"`).join(', ')}` });
    if (ports.length === 0 && spec.clusterIP !== 'None' && spec.type !== 'ExternalName') causes.push({ reason: 'FieldValueRequired', field: 'spec.ports', message: 'Required value' });
    ports.forEach((p, i) => {
      const port = rec(p).port;
      if (typeof port !== 'number' || port < 1 || port > 65535) causes.push({ reason: 'FieldValueInvalid', field: `spec.ports[${i}].port`, message: `Invalid value: ${JSON.stringify(port ?? 0)}: must be between 1 and 65535, inclusive` });
    });
    const oldClass = old ? rec(old.spec).loadBalancerClass : undefined;
    if (old && rec(old.spec).type === 'LoadBalancer' && spec.type === 'LoadBalancer' && oldClass !== spec.loadBalancerClass) {
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.loadBalancerClass', message: `Invalid value: ${JSON.stringify(spec.loadBalancerClass ?? null)}: may not change once set` });
    }
  }
  if (t.group === 'apiextensions.k8s.io') {
    const spec = rec(o.spec);
    const names = rec(spec.names);
    if (typeof spec.group !== 'string') causes.push({ reason: 'FieldValueRequired', field: 'spec.group', message: 'Required value' });
    if (typeof names.plural !== 'string') causes.push({ reason: 'FieldValueRequired', field: 'spec.names.plural', message: 'Required value' });
    if (typeof names.kind !== 'string') causes.push({ reason: 'FieldValueRequired', field: 'spec.names.kind', message: 'Required value' });
    if (!Array.isArray(spec.versions) || spec.versions.length === 0) causes.push({ reason: 'FieldValueRequired', field: 'spec.versions', message: 'Must have exactly one version marked as storage version' });
    const want = `${String(names.plural)}.${String(spec.group)}`;
    if (causes.length === 0 && o.metadata.name !== want) causes.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${o.metadata.name ?? ''}": must be spec.names.plural+"."+spec.group` });
  }
  return causes;
}

/** Clears status on create, as the real server does for kinds whose status only controllers write. */
export function resetsStatusOnCreate(t: ResourceType): boolean {
  if (t.crd) return true;
  return (t.group === '' && t.resource === 'services') || t.group === 'apps' || t.group === 'policy';
}

/** Kinds that count metadata.generation. */
export function hasGeneration(t: ResourceType): boolean {
  return t.crd !== undefined || ['apps', 'policy', 'apiextensions.k8s.io', 'networking.k8s.io', 'batch'].includes(t.group);
}

/** events.k8s.io/v1 -> core/v1 (the stored form). */
export function eventToCore(o: KObject): KObject {
  const { regarding, note, deprecatedCount, deprecatedFirstTimestamp, deprecatedLastTimestamp, deprecatedSource, reportingController, ...rest } = o;
  const out: KObject = { ...rest, apiVersion: 'v1', kind: 'Event' };
  if (regarding !== undefined) out.involvedObject = regarding;
  if (note !== undefined) out.message = note;
  if (deprecatedCount !== undefined) out.count = deprecatedCount;
  if (deprecatedFirstTimestamp !== undefined) out.firstTimestamp = deprecatedFirstTimestamp;
  if (deprecatedLastTimestamp !== undefined) out.lastTimestamp = deprecatedLastTimestamp;
  if (deprecatedSource !== undefined) out.source = deprecatedSource;
  if (reportingController !== undefined) out.reportingComponent = reportingController;
  return out;
}

/** core/v1 -> events.k8s.io/v1. */
export function eventFromCore(o: KObject): KObject {
  const { involvedObject, message, count, firstTimestamp, lastTimestamp, source, reportingComponent, ...rest } = o;
  const out: KObject = { ...rest, apiVersion: 'events.k8s.io/v1', kind: 'Event' };
  if (involvedObject !== undefined) out.regarding = involvedObject;
  if (message !== undefined) out.note = message;
  if (count !== undefined) out.deprecatedCount = count;
  if (firstTimestamp !== undefined) out.deprecatedFirstTimestamp = firstTimestamp;
  if (lastTimestamp !== undefined) out.deprecatedLastTimestamp = lastTimestamp;
  if (source !== undefined) out.deprecatedSource = source;
  if (reportingComponent !== undefined) out.reportingController = reportingComponent;
  return out;
}
