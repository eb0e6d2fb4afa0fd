// SPDX-License-Identifier: Apache-2.0
/**
 * Who may do what: authentication (the admin token, service-account JWTs checked against the
 * ServiceAccount, Pod and Node they are bound to), impersonation (`kubectl --as`), RBAC decisions read
 * from the store, TokenRequest, and the review kinds (SelfSubjectAccessReview, SelfSubjectRulesReview,
 * SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectReview, TokenReview). No I/O: HTTP is http.ts's.
 */
import { timingSafeEqual } from 'node:crypto';
import type { Api } from './api.js';
import { authorize, parseServiceAccountUser, rulesFor, type Attributes, type Binding, type Decision, type Policy, type Role, type UserInfo } from './rbac.js';
import { badRequest, invalid, notFound, StatusError } from './status.js';
import { API_AUDIENCES, looksLikeJwt, signToken, tokenClaims, verifyToken, type SigningKey, type TokenClaims } from './tokens.js';
import { isRecord, type KObject } from './types.js';

export const ADMIN_USER: UserInfo = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

/** What the kubelet asks for (3607 s); the server then issues a year-long token that warns after the hour. */
const KUBELET_EXPIRATION = 3607;
const EXTENDED_EXPIRATION = 365 * 24 * 3600;

const rec = (v: unknown): Record<string, unknown> => (isRecord(v) ? v : {});
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function serviceAccountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

/** The message of a 403, as k8s.io/apiserver's responsewriters.forbiddenMessage words it. */
export function forbiddenMessage(user: UserInfo, a: Attributes): string {
  if (!a.resourceRequest) return `User "${user.name}" cannot ${a.verb} path "${a.path}"`;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const where = a.namespace ? `in the namespace "${a.namespace}"` : 'at the cluster scope';
  return `User "${user.name}" cannot ${a.verb} resource "${resource}" in API group "${a.apiGroup}" ${where}`;
}

/** A 403 Forbidden Status as errors.NewForbidden builds it. */
export function forbidden(user: UserInfo, a: Attributes, reason = ''): StatusError {
  const why = `${forbiddenMessage(user, a)}${reason ? `: ${reason}` : ''}`;
  if (!a.resourceRequest || !a.resource) return new StatusError(403, 'Forbidden', `forbidden: ${why}`, {});
  const qualified = a.apiGroup ? `${a.resource}.${a.apiGroup}` : a.resource;
  const message = a.name ? `${qualified} "${a.name}" is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  const details: NonNullable<ReturnType<StatusError['toBody']>['details']> = { group: a.apiGroup, kind: a.resource };
  if (a.name) details.name = a.name;
  return new StatusError(403, 'Forbidden', message, details);
}

function attributes(o: Partial<Attributes>): Attributes {
  return { verb: '', resourceRequest: true, namespace: '', apiGroup: '', apiVersion: '', resource: '', subresource: '', name: '', path: '', ...o };
}

export class Auth {
  constructor(readonly api: Api, readonly adminToken: string, readonly key: SigningKey) {}

  /** The RBAC objects, read from the store at each decision. */
  readonly policy: Policy = {
    clusterRoleBindings: () => this.api.store.list('clusterrolebindings.rbac.authorization.k8s.io') as Binding[],
    roleBindings: (ns) => this.api.store.list('rolebindings.rbac.authorization.k8s.io', ns) as Binding[],
    clusterRole: (name) => this.api.store.get('clusterroles.rbac.authorization.k8s.io', undefined, name) as Role | undefined,
    role: (ns, name) => this.api.store.get('roles.rbac.authorization.k8s.io', ns, name) as Role | undefined,
  };

  /** The user of an `Authorization: Bearer` header, or undefined (401). */
  authenticate(header: string | undefined): UserInfo | undefined {
    const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
    const token = m?.[1]?.trim();
    if (!token) return undefined;
    if (sameSecret(token, this.adminToken)) return ADMIN_USER;
    if (!looksLikeJwt(token)) return undefined;
    const r = this.checkToken(token, API_AUDIENCES);
    return typeof r === 'string' ? undefined : r.user;
  }

  /** A service-account token's user, or why it is not valid. */
  checkToken(token: string, audiences: readonly string[]): { user: UserInfo; claims: TokenClaims } | string {
    const c = verifyToken(token, this.key, Math.floor(this.api.now() / 1000), audiences);
    if (typeof c === 'string') return c;
    const k = c['kubernetes.io'];
    const sa = this.api.store.get('serviceaccounts', k.namespace, k.serviceaccount.name);
    if (!sa || sa.metadata.uid !== k.serviceaccount.uid) return `service account ${k.namespace}/${k.serviceaccount.name} has been deleted`;
    const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${c.jti}`] };
    if (k.pod) {
      const pod = this.api.store.get('pods', k.namespace, k.pod.name);
      if (!pod || pod.metadata.uid !== k.pod.uid) return `pod ${k.namespace}/${k.pod.name} (uid ${k.pod.uid}) is no longer there: the token bound to it is invalid`;
      extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
    }
    if (k.node) {
      const node = this.api.store.get('nodes', undefined, k.node.name);
      if (!node || node.metadata.uid !== k.node.uid) return `node ${k.node.name} (uid ${k.node.uid}) is no longer there: the token bound to it is invalid`;
      extra['authentication.kubernetes.io/node-name'] = [k.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [k.node.uid];
    }
    return { user: { name: c.sub, uid: k.serviceaccount.uid, groups: serviceAccountGroups(k.namespace), extra }, claims: c };
  }

  authorize(user: UserInfo, a: Attributes): Decision {
    return authorize(this.policy, user, a);
  }

  /**
   * The user a request acts as: `Impersonate-User`, `-Group`, `-Uid` and `-Extra-*` headers, each checked
   * with the `impersonate` verb as kube-apiserver does; the requester itself when there are none.
   */
  impersonate(user: UserInfo, headers: Record<string, string | string[] | undefined>): UserInfo {
    const one = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h);
    const all = (h: string | string[] | undefined): string[] => (Array.isArray(h) ? h : h === undefined ? [] : h.split(',').map((s) => s.trim()));
    const as = one(headers['impersonate-user']);
    const groups = all(headers['impersonate-group']);
    const uid = one(headers['impersonate-uid']);
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(headers)) {
      if (k.startsWith('impersonate-extra-')) extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = all(v);
    }
    if (as === undefined) {
      if (groups.length || uid !== undefined || Object.keys(extra).length) throw badRequest('requested impersonation of groups, uid or extra without impersonating a user');
      return user;
    }
    const check = (a: Partial<Attributes>): void => {
      const attrs = attributes({ verb: 'impersonate', ...a });
      if (!this.authorize(user, attrs).allowed) throw forbidden(user, attrs);
    };
    const sa = parseServiceAccountUser(as);
    if (sa) check({ resource: 'serviceaccounts', namespace: sa[0], name: sa[1] });
    else check({ resource: 'users', name: as });
    for (const g of groups) check({ resource: 'groups', name: g });
    if (uid !== undefined) check({ apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
    for (const [k, vs] of Object.entries(extra)) for (const v of vs) check({ apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: k, name: v });
    const outGroups = [...groups];
    if (sa && groups.length === 0) outGroups.push(...serviceAccountGroups(sa[0]).slice(0, 2));
    if (as === 'system:anonymous') outGroups.push('system:unauthenticated');
    else if (!outGroups.includes('system:authenticated')) outGroups.push('system:authenticated');
    const out: { name: string; groups: string[]; uid?: string; extra?: Record<string, string[]> } = { name: as, groups: outGroups };
    if (uid !== undefined) out.uid = uid;
    if (Object.keys(extra).length) out.extra = extra;
    return out;
  }

  /** POST serviceaccounts/{name}/token: a bound token, as the TokenRequest API issues it. */
  tokenRequest(namespace: string, name: string, body: unknown): KObject {
    const sa = this.api.store.get('serviceaccounts', namespace, name);
    if (!sa) throw notFound({ group: '', resource: 'serviceaccounts', name });
    const spec = rec(rec(body).spec);
    const subject = { group: 'authentication.k8s.io', resource: 'token', kind: 'TokenRequest', name };
    const asked = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? 3600 : Number(spec.expirationSeconds);
    if (!Number.isInteger(asked) || asked < 600) throw invalid(subject, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${String(spec.expirationSeconds)}: may not specify a duration less than 10 minutes` }]);
    if (asked > 2 ** 32) throw invalid(subject, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${asked}: may not specify a duration larger than 2^32 seconds` }]);
    const audiences = strs(spec.audiences).length ? strs(spec.audiences) : API_AUDIENCES;
    const ref = rec(spec.boundObjectRef);
    let pod: { name: string; uid: string } | undefined;
    let node: { name: string; uid: string } | undefined;
    if (Object.keys(ref).length) {
      const kind = str(ref.kind);
      const storeKind = kind === 'Pod' ? 'pods' : kind === 'Node' ? 'nodes' : kind === 'Secret' ? 'secrets' : undefined;
      if (!storeKind) throw invalid(subject, [{ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', message: `Unsupported value: "${kind}": supported values: "Pod", "Node", "Secret"` }]);
      const obj = this.api.store.get(storeKind, storeKind === 'nodes' ? undefined : namespace, str(ref.name));
      if (!obj) throw notFound({ group: '', resource: storeKind, name: str(ref.name) });
      if (ref.uid && ref.uid !== obj.metadata.uid) throw new StatusError(409, 'Conflict', `the UID in the bound object reference (${str(ref.uid)}) does not match the UID in record. The object might have been deleted and then recreated`);
      const bound = { name: obj.metadata.name ?? '', uid: obj.metadata.uid ?? '' };
      if (kind === 'Pod') {
        pod = bound;
        const nodeName = str(rec(obj.spec).nodeName);
        const n = nodeName ? this.api.store.get('nodes', undefined, nodeName) : undefined;
        if (n) node = { name: nodeName, uid: n.metadata.uid ?? '' };
      } else if (kind === 'Node') node = bound;
    }
    const nowSec = Math.floor(this.api.now() / 1000);
    const extended = pod !== undefined && asked === KUBELET_EXPIRATION;
    const claims = tokenClaims({ namespace, serviceAccount: { name, uid: sa.metadata.uid ?? '' }, audiences, expirationSeconds: extended ? EXTENDED_EXPIRATION : asked, ...(pod ? { pod } : {}), ...(node ? { node } : {}) }, nowSec);
    if (extended) claims['kubernetes.io'].warnafter = nowSec + asked;
    const token = signToken(claims, this.key);
    return {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      metadata: { name, namespace, creationTimestamp: null as unknown as string },
      spec: { audiences, expirationSeconds: asked, boundObjectRef: Object.keys(ref).length ? ref : null },
      status: { token, expirationTimestamp: new Date(claims.exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
    };
  }

  /** The answer to a review kind, created by `user` (namespace for LocalSubjectAccessReview). */
  review(kind: string, body: unknown, user: UserInfo, namespace?: string): KObject {
    const b = rec(body);
    const spec = rec(b.spec);
    const group = kind === 'SelfSubjectReview' || kind === 'TokenReview' ? 'authentication.k8s.io' : 'authorization.k8s.io';
    const out = (status: Record<string, unknown>, extra: Record<string, unknown> = {}): KObject => ({
      apiVersion: `${group}/v1`, kind, metadata: { creationTimestamp: null as unknown as string, ...(namespace ? { namespace } : {}) }, spec: { ...spec, ...extra }, status,
    });
    switch (kind) {
      case 'SelfSubjectReview':
        return { apiVersion: 'authentication.k8s.io/v1', kind, metadata: { creationTimestamp: null as unknown as string }, status: { userInfo: userInfoJson(user) } };
      case 'TokenReview': {
        const r = this.checkToken(str(spec.token), strs(spec.audiences).length ? strs(spec.audiences) : API_AUDIENCES);
        if (typeof r === 'string') return out({ authenticated: false, error: `[invalid bearer token, ${r}]` });
        return out({ authenticated: true, user: userInfoJson(r.user), audiences: r.claims.aud.filter((a) => (strs(spec.audiences).length ? strs(spec.audiences) : API_AUDIENCES).includes(a)) });
      }
      case 'SelfSubjectRulesReview': {
        const r = rulesFor(this.policy, user, str(spec.namespace));
        return out({ resourceRules: r.resourceRules, nonResourceRules: r.nonResourceRules, incomplete: r.errors.length > 0, ...(r.errors.length ? { evaluationError: r.errors.join(', ') } : {}) });
      }
      case 'SelfSubjectAccessReview':
        return out(this.#access(spec, user, kind));
      case 'SubjectAccessReview':
      case 'LocalSubjectAccessReview': {
        const subjectUser: UserInfo = { name: str(spec.user), groups: strs(spec.groups), ...(spec.uid ? { uid: str(spec.uid) } : {}) };
        if (!subjectUser.name && !subjectUser.groups.length) throw invalid({ group, resource: kind.toLowerCase(), kind, name: '' }, [{ reason: 'FieldValueRequired', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }]);
        const ra = rec(spec.resourceAttributes);
        if (kind === 'LocalSubjectAccessReview' && str(ra.namespace) !== (namespace ?? '')) throw invalid({ group, resource: 'localsubjectaccessreviews', kind, name: '' }, [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', message: `Invalid value: "${str(ra.namespace)}": must match metadata.namespace` }]);
        return out(this.#access(spec, subjectUser, kind));
      }
      default:
        throw badRequest(`${kind} is not a review kind`);
    }
  }

  #access(spec: Record<string, unknown>, user: UserInfo, kind: string): Record<string, unknown> {
    const ra = isRecord(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
    const na = isRecord(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
    if ((ra === undefined) === (na === undefined)) {
      throw invalid({ group: 'authorization.k8s.io', resource: kind.toLowerCase(), kind, name: '' }, [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes', message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified` }]);
    }
    const a = ra
      ? attributes({ verb: str(ra.verb), namespace: str(ra.namespace), apiGroup: str(ra.group), apiVersion: str(ra.version), resource: str(ra.resource), subresource: str(ra.subresource), name: str(ra.name) })
      : attributes({ resourceRequest: false, verb: str(na?.verb), path: str(na?.path) });
    const d = this.authorize(user, a);
    return d.reason ? { allowed: d.allowed, reason: d.reason } : { allowed: d.allowed };
  }
}

function userInfoJson(u: UserInfo): Record<string, unknown> {
  return { username: u.name, ...(u.uid ? { uid: u.uid } : {}), groups: [...u.groups], ...(u.extra && Object.keys(u.extra).length ? { extra: u.extra } : {}) };
}
