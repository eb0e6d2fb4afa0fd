// SPDX-License-Identifier: Apache-2.0
/**
 * RBAC as kube-apiserver evaluates it (plugin/pkg/auth/authorizer/rbac): ClusterRoleBindings first, then
 * the RoleBindings of the request's namespace; a rule allows when verb, API group, resource (with
 * `resource/subresource` and `* /subresource` forms), resourceNames and non-resource URLs (with a trailing
 * `*`) match. The first allowing binding is the reason. Members of system:masters are always allowed. Pure.
 */
import { matches, NOTHING, parseSelector, type LabelSelector, type Selector } from '../../lib/selector.js';
import { sameJson } from './types.js';

/** Who makes a request, as the authenticator found it. */
export interface UserInfo {
  readonly name: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** What is asked: authorizer.Attributes. `path` is set for non-resource requests. */
export interface Attributes {
  readonly verb: string;
  readonly resourceRequest: boolean;
  readonly namespace: string;
  readonly apiGroup: string;
  readonly apiVersion: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
  readonly path: string;
}

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface Binding {
  metadata: { name?: string; namespace?: string };
  roleRef?: { kind?: string; name?: string; apiGroup?: string };
  subjects?: Subject[];
}

export interface Role {
  metadata: { name?: string; namespace?: string; labels?: Record<string, string> };
  rules?: PolicyRule[];
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] };
}

/** Where the authorizer reads the RBAC objects. */
export interface Policy {
  clusterRoleBindings(): readonly Binding[];
  roleBindings(namespace: string): readonly Binding[];
  clusterRole(name: string): Role | undefined;
  role(namespace: string, name: string): Role | undefined;
}

export interface Decision {
  readonly allowed: boolean;
  /** Why it was allowed ("RBAC: allowed by ..."), or why evaluation failed. */
  readonly reason: string;
}

export const SYSTEM_MASTERS = 'system:masters';
export const SA_PREFIX = 'system:serviceaccount:';

export function serviceAccountUser(namespace: string, name: string): string {
  return `${SA_PREFIX}${namespace}:${name}`;
}

/** [namespace, name] of a service account's user name, or undefined. */
export function parseServiceAccountUser(user: string): [string, string] | undefined {
  if (!user.startsWith(SA_PREFIX)) return undefined;
  const [ns, name, ...rest] = user.slice(SA_PREFIX.length).split(':');
  return ns && name && rest.length === 0 ? [ns, name] : undefined;
}

const has = (list: readonly string[] | undefined, v: string): boolean => (list ?? []).includes(v);

function verbMatches(r: PolicyRule, verb: string): boolean {
  return has(r.verbs, '*') || has(r.verbs, verb);
}

function groupMatches(r: PolicyRule, group: string): boolean {
  return has(r.apiGroups, '*') || has(r.apiGroups, group);
}

function resourceMatches(r: PolicyRule, combined: string, subresource: string): boolean {
  for (const res of r.resources ?? []) {
    if (res === '*' || res === combined) return true;
    if (subresource && res === `*/${subresource}`) return true;
  }
  return false;
}

function nameMatches(r: PolicyRule, name: string): boolean {
  return !r.resourceNames?.length || r.resourceNames.includes(name);
}

function urlMatches(r: PolicyRule, path: string): boolean {
  return (r.nonResourceURLs ?? []).some((u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.replace(/\*+$/, ''))));
}

export function ruleAllows(a: Attributes, r: PolicyRule): boolean {
  if (!a.resourceRequest) return verbMatches(r, a.verb) && urlMatches(r, a.path);
  const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  return verbMatches(r, a.verb) && groupMatches(r, a.apiGroup) && resourceMatches(r, combined, a.subresource) && nameMatches(r, a.name);
}

/** Whether a binding's subject is the user; a ServiceAccount subject without namespace takes the binding's. */
export function appliesTo(user: UserInfo, s: Subject, bindingNamespace: string): boolean {
  switch (s.kind) {
    case 'User': return user.name === s.name;
    case 'Group': return user.groups.includes(s.name);
    case 'ServiceAccount': {
      const ns = s.namespace || bindingNamespace;
      return ns !== '' && user.name === serviceAccountUser(ns, s.name);
    }
    default: return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} "${s.name}/${s.namespace || bindingNamespace}"`;
  return `${s.kind} "${s.name}"`;
}

/** Every rule that applies to the user in `namespace` ("" for cluster scope), with the binding that grants it. */
export function visitRules(policy: Policy, user: UserInfo, namespace: string, visit: (source: string, rule: PolicyRule) => boolean): string[] {
  const errors: string[] = [];
  const walk = (b: Binding, bindingNs: string, describe: (s: Subject) => string): boolean => {
    const subject = (b.subjects ?? []).find((s) => appliesTo(user, s, bindingNs));
    if (!subject) return true;
    const ref = b.roleRef ?? {};
    const role = ref.kind === 'ClusterRole' ? policy.clusterRole(ref.name ?? '') : ref.kind === 'Role' && bindingNs ? policy.role(bindingNs, ref.name ?? '') : undefined;
    if (!role) {
      errors.push(`${ref.kind === 'Role' ? `role.rbac.authorization.k8s.io` : 'clusterrole.rbac.authorization.k8s.io'} "${ref.name ?? ''}" not found`);
      return true;
    }
    const source = describe(subject);
    for (const r of role.rules ?? []) if (!visit(source, r)) return false;
    return true;
  };
  for (const b of policy.clusterRoleBindings()) {
    if (!walk(b, '', (s) => `ClusterRoleBinding "${b.metadata.name ?? ''}" of ${b.roleRef?.kind ?? ''} "${b.roleRef?.name ?? ''}" to ${describeSubject(s, '')}`)) return errors;
  }
  if (namespace) {
    for (const b of policy.roleBindings(namespace)) {
      if (!walk(b, namespace, (s) => `RoleBinding "${b.metadata.name ?? ''}/${namespace}" of ${b.roleRef?.kind ?? ''} "${b.roleRef?.name ?? ''}" to ${describeSubject(s, namespace)}`)) return errors;
    }
  }
  return errors;
}

/** The RBAC decision for one request. */
export function authorize(policy: Policy, user: UserInfo, a: Attributes): Decision {
  if (user.groups.includes(SYSTEM_MASTERS)) return { allowed: true, reason: '' };
  let reason = '';
  const errors = visitRules(policy, user, a.namespace, (source, rule) => {
    if (!ruleAllows(a, rule)) return true;
    reason = `RBAC: allowed by ${source}`;
    return false;
  });
  if (reason) return { allowed: true, reason };
  return { allowed: false, reason: errors.length ? `RBAC: ${errors.join(', ')}` : '' };
}

/** The rules of a user in a namespace, as SelfSubjectRulesReview lists them. */
export function rulesFor(policy: Policy, user: UserInfo, namespace: string): { resourceRules: PolicyRule[]; nonResourceRules: PolicyRule[]; errors: string[] } {
  const resourceRules: PolicyRule[] = [];
  const nonResourceRules: PolicyRule[] = [];
  const errors = visitRules(policy, user, namespace, (_s, r) => {
    if (r.resources?.length) resourceRules.push({ verbs: r.verbs ?? [], apiGroups: r.apiGroups ?? [], resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) });
    if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs });
    return true;
  });
  if (user.groups.includes(SYSTEM_MASTERS)) {
    resourceRules.unshift({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
    nonResourceRules.unshift({ verbs: ['*'], nonResourceURLs: ['*'] });
  }
  return { resourceRules, nonResourceRules, errors };
}

/**
 * The rules an aggregated ClusterRole should hold: those of every other ClusterRole matching one of its
 * selectors, in name order, each rule once (the clusterrole-aggregation controller). Undefined when the
 * role does not aggregate.
 */
export function aggregatedRules(role: Role, all: readonly Role[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const out: PolicyRule[] = [];
  // A selector the API server would have refused at admission selects nothing.
  const parsed = selectors.map((s): Selector => { try { return parseSelector(s); } catch { return NOTHING; } });
  const sources = all.filter((r) => r.metadata.name !== role.metadata.name && parsed.some((s) => matches(s, r.metadata.labels ?? {})));
  sources.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
  for (const r of sources) for (const rule of r.rules ?? []) if (!out.some((x) => sameJson(x, rule))) out.push(rule);
  return out;
}
