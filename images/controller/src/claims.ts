// SPDX-License-Identifier: Apache-2.0
/**
 * Kubernetes objects to allocator terms: which pools serve what, and what each L2 instance or
 * BGP Service asks for. Pure: the I/O shell hands in objects and namespace labels.
 */
import { canonicalIp, familyOf, type IpFamily } from '../../../lib/ip.js';
import { BGP_IPS_ANNOTATIONS, BGP_POOL_ANNOTATIONS, BGP_SHARING_ANNOTATIONS, CLASS_ANNOTATION, CLASS_CONDITION, firstAnnotation, INSTANCE_IPS_ANNOTATION, INSTANCE_LB_CLASS, INSTANCE_POOL_ANNOTATION, INSTANCE_SHARING_ANNOTATION } from '../../../lib/api/index.js';
import type { Claim, Failure, FamilyPolicy, Port } from './ipam/claim.js';
import type { ServiceLike } from './objects.js';

/** What to do with an object: allocate for it, leave it alone (and why), or refuse it (bad input). */
export type ClaimResult = { kind: 'claim'; claim: Claim } | { kind: 'skip'; why: string } | { kind: 'invalid'; failure: Failure };

/** The claim of an SDNInternalL2LBService. */
export function instanceClaim(inst: ServiceLike, namespaceLabels: Readonly<Record<string, string>>): ClaimResult {
  const cls = inst.spec?.loadBalancerClass;
  if (cls !== INSTANCE_LB_CLASS) return { kind: 'skip', why: `loadBalancerClass "${cls ?? ''}" is not ${INSTANCE_LB_CLASS}` };
  const ann = inst.metadata?.annotations ?? {};
  const desired = ann[INSTANCE_IPS_ANNOTATION];
  return build(inst, 'l2', namespaceLabels, ann[INSTANCE_POOL_ANNOTATION], desired === undefined ? undefined : [INSTANCE_IPS_ANNOTATION, desired], ann[INSTANCE_SHARING_ANNOTATION]);
}

/** What the controller knows of the cluster beyond one Service. */
export interface ServiceContext {
  /** A MetalLoadBalancerClass with isDefault exists: Services that name nothing are L2. */
  readonly defaultL2Class: boolean;
  /** The module's `loadBalancerClass` setting: when set, only Services of this class are served over BGP. */
  readonly lbClass?: string;
  /** Names of the MetalLoadBalancerClasses: a Service whose class is one of them is L2. */
  readonly classNames?: ReadonlySet<string>;
}

/** The claim of a Service, if it is a BGP Service of ours. */
export function serviceClaim(svc: ServiceLike, namespaceLabels: Readonly<Record<string, string>>, ctx: ServiceContext): ClaimResult {
  if (svc.spec?.type !== 'LoadBalancer') return { kind: 'skip', why: 'not of type LoadBalancer' };
  const cls = svc.spec.loadBalancerClass;
  const ann = svc.metadata?.annotations ?? {};
  if (ctx.lbClass !== undefined) {
    // as MetalLB's --lb-class: exactly the Services of that class
    if (cls !== ctx.lbClass) return { kind: 'skip', why: `spec.loadBalancerClass "${cls ?? ''}" is not "${ctx.lbClass}" (the module's loadBalancerClass setting)` };
    if (ctx.classNames?.has(cls)) return { kind: 'skip', why: `L2 Service (a MetalLoadBalancerClass is named "${cls}")` };
  } else {
    if (cls) return { kind: 'skip', why: `spec.loadBalancerClass "${cls}" is served elsewhere` };
    if (ann[CLASS_ANNOTATION] !== undefined) return { kind: 'skip', why: `L2 Service (${CLASS_ANNOTATION})` };
  }
  if (svc.status?.conditions?.some((c) => c.type === CLASS_CONDITION)) return { kind: 'skip', why: 'L2 Service (bound to a MetalLoadBalancerClass)' };
  const poolAnn = firstAnnotation(ann, BGP_POOL_ANNOTATIONS);
  if (!poolAnn && ctx.defaultL2Class && ctx.lbClass === undefined) return { kind: 'skip', why: 'L2 Service (a default MetalLoadBalancerClass exists and no BGP pool is named)' };
  const ipsAnn = firstAnnotation(ann, BGP_IPS_ANNOTATIONS);
  const desired: [string, string] | undefined = ipsAnn ? [ipsAnn.key, ipsAnn.value] : svc.spec.loadBalancerIP ? ['spec.loadBalancerIP', svc.spec.loadBalancerIP] : undefined;
  return build(svc, 'bgp', namespaceLabels, poolAnn?.value, desired, firstAnnotation(ann, BGP_SHARING_ANNOTATIONS)?.value);
}

function build(o: ServiceLike, scope: 'l2' | 'bgp', namespaceLabels: Readonly<Record<string, string>>, pool: string | undefined, desired: [string, string] | undefined, sharingKey: string | undefined): ClaimResult {
  const spec = o.spec ?? {};
  const policy = familyPolicy(spec.ipFamilyPolicy);
  if (typeof policy !== 'string') return { kind: 'invalid', failure: policy };
  const families = (spec.ipFamilies ?? []).map((f): IpFamily | undefined => (f === 'IPv4' ? 4 : f === 'IPv6' ? 6 : undefined)).filter((f): f is IpFamily => f !== undefined);
  let ips: string[] = [];
  if (desired) {
    const parsed = parseDesired(desired[0], desired[1], policy);
    if (!Array.isArray(parsed)) return { kind: 'invalid', failure: parsed };
    ips = parsed;
  }
  const md = o.metadata ?? {};
  const claim: Claim = {
    key: `${scope === 'l2' ? 'l2' : 'svc'}/${md.namespace ?? ''}/${md.name ?? ''}`,
    scope,
    namespace: md.namespace ?? '',
    namespaceLabels,
    labels: md.labels ?? {},
    familyPolicy: policy,
    families,
    pool: pool === '' ? undefined : pool,
    desired: ips,
    sharingKey: sharingKey === '' ? undefined : sharingKey,
    backendKey: spec.externalTrafficPolicy === 'Local' ? selectorKey(spec.selector ?? {}) : '',
    ports: (spec.ports ?? []).map((p): Port => ({ protocol: p.protocol ?? 'TCP', port: p.port })),
  };
  return { kind: 'claim', claim };
}

function familyPolicy(v: string | undefined): FamilyPolicy | Failure {
  if (v === undefined || v === 'SingleStack' || v === 'PreferDualStack' || v === 'RequireDualStack') return v ?? 'SingleStack';
  return { kind: 'BadAnnotation', annotation: 'spec.ipFamilyPolicy', value: v, detail: 'must be SingleStack, PreferDualStack or RequireDualStack' };
}

/** "a, b" to canonical addresses: at most one per family, two only for a dual-stack policy. */
export function parseDesired(annotation: string, value: string, policy: FamilyPolicy): string[] | Failure {
  const bad = (detail: string): Failure => ({ kind: 'BadAnnotation', annotation, value, detail });
  const parts = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (!parts.length) return bad('no address given');
  const out: string[] = [];
  const seen = new Set<IpFamily>();
  for (const p of parts) {
    const fam = familyOf(p);
    if (!fam) return bad(`"${p}" is not an IP address`);
    if (seen.has(fam)) return bad(`more than one IPv${fam} address`);
    seen.add(fam);
    out.push(canonicalIp(p));
  }
  if (out.length > 1 && policy === 'SingleStack') return bad('two addresses need ipFamilyPolicy PreferDualStack or RequireDualStack');
  if (out.length < 2 && policy === 'RequireDualStack') return bad('ipFamilyPolicy RequireDualStack needs one IPv4 and one IPv6 address');
  return out;
}

function selectorKey(sel: Readonly<Record<string, string>>): string {
  return Object.keys(sel).sort().map((k) => `${k}=${sel[k] ?? ''}`).join(',');
}
