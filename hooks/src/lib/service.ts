// SPDX-License-Identifier: Apache-2.0
/** LoadBalancer Services as the L2 hooks see them, the class each one belongs to, and its annotations parsed. */
import { canonicalIp, familyOf } from '../../../lib/ip.js';
import { JQ_COMPACT, type KubeObject } from '../../../lib/hook-sdk/index.js';
import type { L2LoadBalancerValue } from '../../../lib/schemas/types.generated.js';
import { BGP_POOL_ANNOTATIONS, firstAnnotation, SHARED_IP_KEY_ANNOTATIONS } from '../../../lib/api/index.js';
import { CLASS_ANNOTATION, CLASS_BOUND_REASON, CLASS_CONDITION, COUNT_ANNOTATION, IPS_ANNOTATION } from './names.js';

/** A status condition, as Services carry them. */
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

export interface ServicePort {
  port: number;
  protocol?: string;
  name?: string;
  appProtocol?: string;
  nodePort?: number;
  targetPort?: number | string;
}

/** The Service spec fields an L2 instance copies from its Service. */
export interface ServiceTraffic {
  clusterIP?: string;
  ports: ServicePort[];
  selector?: Record<string, string>;
  externalTrafficPolicy?: string;
  internalTrafficPolicy?: string;
  publishNotReadyAddresses?: boolean;
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
}

/** A LoadBalancer Service, reduced to what the hooks use. */
export interface ServiceInfo extends ServiceTraffic {
  name: string;
  namespace: string;
  uid?: string;
  annotations: Record<string, string>;
  loadBalancerClass?: string;
  /** The class recorded in the sticky condition, when bound. */
  boundClass?: string;
  conditions: Condition[];
}

/** A MetalLoadBalancerClass as the hooks see it. */
export interface ClassInfo {
  name: string;
  /** Which object and version this is: a class recreated under the same name is another object. */
  uid?: string;
  resourceVersion?: string;
  isDefault: boolean;
  addressPool: string[];
  interfaces: string[];
  nodeSelector: Record<string, string>;
  tolerations: import('./eligibility.js').Toleration[];
  /** The object's status conditions (not part of what is kept in force). */
  conditions?: Condition[];
  /** The version in force as recorded in the object's status (`status.inForce`), which outlives the hooks' values. */
  recorded?: L2LoadBalancerValue;
  /** Why `status.inForce` cannot be read as a class (anyone who may write the status can write anything there). */
  recordedProblem?: string;
}

function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function strMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(rec(v))) if (typeof x === 'string') out[k] = x;
  return out;
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Sets `key` on `o` only when `v` is defined (exactOptionalPropertyTypes). */
export function opt<T extends object, K extends keyof T>(o: T, key: K, v: T[K] | undefined): void {
  if (v !== undefined) o[key] = v;
}

/** A Service port with only the fields instances copy, each of the right type. */
function portOf(p: Record<string, unknown>): ServicePort[] {
  if (typeof p.port !== 'number' || !Number.isInteger(p.port)) return [];
  const out: ServicePort = { port: p.port };
  for (const k of ['protocol', 'name', 'appProtocol'] as const) if (typeof p[k] === 'string') out[k] = p[k];
  if (typeof p.nodePort === 'number' && Number.isInteger(p.nodePort)) out.nodePort = p.nodePort;
  if (typeof p.targetPort === 'string' || (typeof p.targetPort === 'number' && Number.isInteger(p.targetPort))) out.targetPort = p.targetPort;
  return [out];
}

/**
 * The fields `serviceFromObject` reads, as a jqFilter (nothing for Services that are not LoadBalancers); `status`
 * adds fields of the status. A change outside them (the ingress the status hook writes, managedFields) runs no hook.
 */
export function serviceProjection(status = ''): string {
  const spec = 'type, ports, loadBalancerClass, clusterIP, selector, externalTrafficPolicy, internalTrafficPolicy, publishNotReadyAddresses, ipFamilies, ipFamilyPolicy';
  return `select(.spec.type == "LoadBalancer") | {metadata: (.metadata | {name, namespace, uid, annotations} | ${JQ_COMPACT}), spec: (.spec | {${spec}} | ${JQ_COMPACT}), status: {conditions: .status.conditions${status}}}`;
}

/** Service filter: LoadBalancer Services only. */
export function serviceFromObject(obj: KubeObject): ServiceInfo | null {
  const spec = rec(obj.spec);
  if (spec.type !== 'LoadBalancer' || !obj.metadata?.name) return null;
  const conditions = (Array.isArray(rec(obj.status).conditions) ? (rec(obj.status).conditions as unknown[]) : [])
    .map(rec)
    .filter((c) => typeof c.type === 'string' && typeof c.status === 'string') as unknown as Condition[];
  const bound = conditions.find((c) => c.type === CLASS_CONDITION && c.status === 'True' && c.reason === CLASS_BOUND_REASON && c.message);
  const svc: ServiceInfo = {
    name: obj.metadata.name,
    namespace: obj.metadata.namespace ?? 'default',
    annotations: { ...(obj.metadata.annotations ?? {}) },
    conditions,
    ports: (Array.isArray(spec.ports) ? spec.ports : []).map(rec).flatMap(portOf),
  };
  opt(svc, 'uid', obj.metadata.uid);
  opt(svc, 'loadBalancerClass', typeof spec.loadBalancerClass === 'string' ? spec.loadBalancerClass : undefined);
  opt(svc, 'boundClass', bound?.message);
  opt(svc, 'clusterIP', typeof spec.clusterIP === 'string' ? spec.clusterIP : undefined);
  opt(svc, 'selector', spec.selector === undefined || spec.selector === null ? undefined : strMap(spec.selector));
  opt(svc, 'externalTrafficPolicy', typeof spec.externalTrafficPolicy === 'string' ? spec.externalTrafficPolicy : undefined);
  opt(svc, 'internalTrafficPolicy', typeof spec.internalTrafficPolicy === 'string' ? spec.internalTrafficPolicy : undefined);
  opt(svc, 'publishNotReadyAddresses', typeof spec.publishNotReadyAddresses === 'boolean' ? spec.publishNotReadyAddresses : undefined);
  opt(svc, 'ipFamilies', Array.isArray(spec.ipFamilies) ? strList(spec.ipFamilies) : undefined);
  opt(svc, 'ipFamilyPolicy', typeof spec.ipFamilyPolicy === 'string' ? spec.ipFamilyPolicy : undefined);
  return svc;
}

/** MetalLoadBalancerClass filter. */
export function classFromObject(obj: KubeObject): ClassInfo | null {
  if (!obj.metadata?.name) return null;
  const spec = rec(obj.spec);
  const c: ClassInfo = {
    name: obj.metadata.name,
    isDefault: spec.isDefault === true,
    addressPool: strList(spec.addressPool),
    interfaces: strList(rec(spec.l2).interfaces),
    nodeSelector: strMap(spec.nodeSelector),
    tolerations: (Array.isArray(spec.tolerations) ? spec.tolerations : []).map(rec).map((t) => {
      const out: import('./eligibility.js').Toleration = {};
      for (const k of ['key', 'operator', 'value', 'effect'] as const) if (typeof t[k] === 'string') out[k] = t[k];
      return out;
    }),
  };
  opt(c, 'uid', obj.metadata.uid);
  opt(c, 'resourceVersion', obj.metadata.resourceVersion);
  const conditions = (Array.isArray(rec(obj.status).conditions) ? (rec(obj.status).conditions as unknown[]) : []).map(rec).filter((x) => typeof x.type === 'string' && typeof x.status === 'string') as unknown as Condition[];
  if (conditions.length) c.conditions = conditions;
  const inForce = rec(obj.status).inForce;
  if (inForce !== undefined && inForce !== null) {
    const r = recordedClass(inForce, c.name);
    if (typeof r === 'string') c.recordedProblem = r;
    else c.recorded = r;
  }
  return c;
}

/**
 * `status.inForce` as the module writes it, or what is wrong with it: every field must have the type the module
 * writes (nothing is coerced or dropped), and the record must be of this class.
 */
export function recordedClass(v: unknown, name: string): L2LoadBalancerValue | string {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const r = v as Record<string, unknown>;
  const problems: string[] = [];
  const strings = (field: string, x: unknown, required = false): string[] => {
    if (x === undefined && !required) return [];
    if (Array.isArray(x) && x.every((i) => typeof i === 'string')) return x as string[];
    problems.push(`${field}: must be a list of strings`);
    return [];
  };
  const stringMap = (field: string, x: unknown): Record<string, string> => {
    if (x === undefined) return {};
    if (typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every((i) => typeof i === 'string')) return x as Record<string, string>;
    problems.push(`${field}: must be a map of strings`);
    return {};
  };
  if (r.name !== undefined && r.name !== name) problems.push(`name: ${JSON.stringify(r.name)} is not this class`);
  const out: L2LoadBalancerValue = { name, addressPool: strings('addressPool', r.addressPool, true), interfaces: strings('interfaces', r.interfaces), nodeSelector: stringMap('nodeSelector', r.nodeSelector), isDefault: false, tolerations: [] };
  if (r.isDefault !== undefined && typeof r.isDefault !== 'boolean') problems.push('isDefault: must be a boolean');
  out.isDefault = r.isDefault === true;
  if (r.tolerations !== undefined && !Array.isArray(r.tolerations)) problems.push('tolerations: must be a list');
  (Array.isArray(r.tolerations) ? r.tolerations : []).forEach((t: unknown, i) => {
    const m = stringMap(`tolerations[${i}]`, t);
    const unknown = Object.keys(m).filter((k) => !['key', 'operator', 'value', 'effect'].includes(k));
    if (unknown.length) problems.push(`tolerations[${i}]: unknown field ${unknown.join(', ')}`);
    out.tolerations?.push(m);
  });
  if (r.resourceVersion !== undefined && typeof r.resourceVersion !== 'string') problems.push('resourceVersion: must be a string');
  else opt(out, 'resourceVersion', r.resourceVersion as string | undefined);
  return problems.length ? problems.join('; ') : out;
}

/** A class named by a Service (spec.loadBalancerClass or the annotation) that does not exist. */
export interface MissingClass {
  name: string;
  source: 'spec' | 'annotation';
}

/** Which class serves a Service, or why none does. */
export type ClassChoice =
  | { kind: 'class'; name: string; bound: boolean; instead?: MissingClass[] }
  | { kind: 'none' }
  | { kind: 'foreign'; loadBalancerClass: string }
  | { kind: 'unknown'; name: string; source: 'annotation' | 'bound' }
  | { kind: 'invalid'; name: string; source: ClassSource; problems: string };

/** Where a Service names its class. */
export type ClassSource = 'spec' | 'annotation' | 'bound';

/**
 * The class of a Service; later rules win: the isDefault class (the last by name if several),
 * the annotation, spec.loadBalancerClass, and above all the class already bound in the Service condition.
 * A name that matches no class falls back to the next rule, as the Deckhouse module has always done
 * (`instead` says which names were passed over, for an Event). But a spec.loadBalancerClass with a
 * prefix (`example.com/lb`), or the one the module's `loadBalancerClass` setting gives the BGP controller,
 * belongs to another implementation: that Service is not taken. Neither is a Service that names a BGP pool
 * and no class: the default class does not take it.
 */
export function selectClassFor(svc: ServiceInfo, classes: readonly ClassInfo[], bgpClass?: string, invalid: ReadonlyMap<string, string> = new Map()): ClassChoice {
  const names = new Set(classes.map((c) => c.name));
  // a class that exists but never was usable: the Service waits for it rather than falling back to another
  const unusable = (name: string, source: ClassSource): ClassChoice | undefined => {
    const problems = invalid.get(name);
    return problems === undefined ? undefined : { kind: 'invalid', name, source, problems };
  };
  if (svc.boundClass !== undefined) {
    return names.has(svc.boundClass) ? { kind: 'class', name: svc.boundClass, bound: true } : unusable(svc.boundClass, 'bound') ?? { kind: 'unknown', name: svc.boundClass, source: 'bound' };
  }
  const missing: MissingClass[] = [];
  const spec = svc.loadBalancerClass;
  if (spec !== undefined) {
    if (names.has(spec)) return { kind: 'class', name: spec, bound: false };
    const bad = unusable(spec, 'spec');
    if (bad) return bad;
    if (spec.includes('/') || spec === bgpClass) return { kind: 'foreign', loadBalancerClass: spec };
    missing.push({ name: spec, source: 'spec' });
  }
  const chosen = (name: string): ClassChoice => (missing.length ? { kind: 'class', name, bound: false, instead: missing } : { kind: 'class', name, bound: false });
  const annotated = svc.annotations[CLASS_ANNOTATION];
  if (annotated !== undefined) {
    if (names.has(annotated)) return chosen(annotated);
    const bad = unusable(annotated, 'annotation');
    if (bad) return bad;
    missing.push({ name: annotated, source: 'annotation' });
  }
  // a Service naming a BGP pool is the BGP controller's, as it decides too
  if (missing.length === 0 && BGP_POOL_ANNOTATIONS.some((a) => a in svc.annotations)) return { kind: 'none' };
  const defaults = classes.filter((c) => c.isDefault).map((c) => c.name).sort();
  const d = defaults[defaults.length - 1];
  if (d !== undefined) return chosen(d);
  if (annotated !== undefined) return { kind: 'unknown', name: annotated, source: 'annotation' };
  // an unprefixed spec.loadBalancerClass of nobody we know, and nothing to fall back to: not ours
  return spec !== undefined ? { kind: 'foreign', loadBalancerClass: spec } : { kind: 'none' };
}

/** The most instances one Service may ask for. */
export const MAX_COUNT = 64;

/** What a Service's annotations ask for, plus what was wrong with them. */
export interface Demand {
  count: number;
  /** Desired IP per instance index (absent where none or invalid). */
  ips: (string | undefined)[];
  sharingKey?: string;
  problems: string[];
}

/** Parses the count, desired IPs and sharing key; bad values fall back to the default with a problem to report. */
export function demandOf(svc: ServiceInfo): Demand {
  const problems: string[] = [];
  let count = 1;
  const raw = svc.annotations[COUNT_ANNOTATION];
  if (raw !== undefined) {
    const t = raw.trim();
    if (!/^[0-9]+$/.test(t) || Number(t) < 1) problems.push(`annotation ${COUNT_ANNOTATION}: "${raw}" is not a positive integer; using 1`);
    else if (Number(t) > MAX_COUNT) {
      problems.push(`annotation ${COUNT_ANNOTATION}: ${t} is more than ${MAX_COUNT}; using ${MAX_COUNT}`);
      count = MAX_COUNT;
    } else count = Number(t);
  }
  const ips: (string | undefined)[] = [];
  const ipText = svc.annotations[IPS_ANNOTATION];
  if (ipText !== undefined && ipText.trim() !== '') {
    for (const part of ipText.split(',').map((s) => s.trim())) {
      if (familyOf(part) === undefined) {
        problems.push(`annotation ${IPS_ANNOTATION}: "${part}" is not an IP address; ignored`);
        ips.push(undefined);
      } else ips.push(canonicalIp(part));
    }
  }
  const d: Demand = { count, ips, problems };
  const key = firstAnnotation(svc.annotations, SHARED_IP_KEY_ANNOTATIONS)?.value;
  if (key !== undefined && key !== '') d.sharingKey = key;
  return d;
}

/** The Service's conditions with `c` put in place of any of its type (order kept, new ones appended). */
export function withCondition(conditions: readonly Condition[], c: Condition): Condition[] {
  const i = conditions.findIndex((x) => x.type === c.type);
  if (i < 0) return [...conditions, c];
  const out = [...conditions];
  out[i] = c;
  return out;
}
