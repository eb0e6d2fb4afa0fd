import { aggregatedRules, authorize, ruleAllows, rulesFor, type Attributes, type Binding, type Policy, type Role, type UserInfo } from './rbac.js';

const attrs = (a: Partial<Attributes>): Attributes => ({ verb: 'get', resourceRequest: true, namespace: '', apiGroup: '', apiVersion: 'v1', resource: '', subresource: '', name: '', path: '', ...a });
const sa = (ns: string, name: string): UserInfo => ({ name: `system:serviceaccount:${ns}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${ns}`, 'system:authenticated'] });

function policy(roles: Role[], clusterRoles: Role[], rbs: Binding[], crbs: Binding[]): Policy {
  return {
    clusterRoleBindings: () => crbs,
    roleBindings: (ns) => rbs.filter((b) => b.metadata.namespace === ns),
    clusterRole: (n) => clusterRoles.find((r) => r.metadata.name === n),
    role: (ns, n) => roles.find((r) => r.metadata.namespace === ns && r.metadata.name === n),
  };
}

describe('RBAC rule matching', () => {
  test.each([
    [{ verbs: ['get'], apiGroups: [''], resources: ['services'] }, attrs({ resource: 'services' }), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['services'] }, attrs({ resource: 'services', subresource: 'status' }), false],
    [{ verbs: ['get'], apiGroups: [''], resources: ['services/status'] }, attrs({ resource: 'services', subresource: 'status' }), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['*/status'] }, attrs({ resource: 'pods', subresource: 'status' }), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['*/status'] }, attrs({ resource: 'pods' }), false],
    [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, attrs({ verb: 'delete', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' }), true],
    [{ verbs: ['get'], apiGroups: ['apps'], resources: ['services'] }, attrs({ resource: 'services' }), false],
    [{ verbs: ['list'], apiGroups: [''], resources: ['services'] }, attrs({ resource: 'services' }), false],
    [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, attrs({ resource: 'secrets', name: 'a' }), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, attrs({ resource: 'secrets', name: 'b' }), false],
    [{ verbs: ['list'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }, attrs({ verb: 'list', resource: 'secrets' }), false],
    [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }, attrs({ resourceRequest: false, path: '/healthz' }), true],
    [{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }, attrs({ resourceRequest: false, path: '/apis/apps/v1' }), true],
    [{ verbs: ['get'], nonResourceURLs: ['/apis/*'] }, attrs({ resourceRequest: false, path: '/api' }), false],
    [{ verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, attrs({ resourceRequest: false, path: '/version' }), false],
  ])('%j allows %j: %s', (rule, a, want) => {
    expect(ruleAllows(a, rule)).toBe(want);
  });
});

describe('RBAC decisions', () => {
  const speaker = sa('d8-metallb', 'speaker');
  const p = policy(
    [{ metadata: { namespace: 'd8-metallb', name: 'speaker' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }] }],
    [{ metadata: { name: 'reader' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['services'] }] }, { metadata: { name: 'cm-reader' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'] }] }],
    [
      { metadata: { namespace: 'd8-metallb', name: 'speaker' }, roleRef: { kind: 'Role', name: 'speaker' }, subjects: [{ kind: 'ServiceAccount', name: 'speaker' }] },
      { metadata: { namespace: 'd8-metallb', name: 'cm' }, roleRef: { kind: 'ClusterRole', name: 'cm-reader' }, subjects: [{ kind: 'ServiceAccount', name: 'speaker', namespace: 'd8-metallb' }] },
      { metadata: { namespace: 'd8-metallb', name: 'broken' }, roleRef: { kind: 'Role', name: 'missing' }, subjects: [{ kind: 'Group', name: 'system:authenticated' }] },
    ],
    [{ metadata: { name: 'speaker' }, roleRef: { kind: 'ClusterRole', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'speaker', namespace: 'd8-metallb' }] }],
  );

  test('a ClusterRoleBinding grants everywhere and names itself as the reason', () => {
    expect(authorize(p, speaker, attrs({ verb: 'list', resource: 'services' }))).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "speaker" of ClusterRole "reader" to ServiceAccount "speaker/d8-metallb"' });
    expect(authorize(p, speaker, attrs({ resource: 'services', namespace: 'default' })).allowed).toBe(true);
  });

  test('a RoleBinding grants only in its namespace; its ServiceAccount subject defaults to that namespace', () => {
    expect(authorize(p, speaker, attrs({ resource: 'secrets', namespace: 'd8-metallb' }))).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "speaker/d8-metallb" of Role "speaker" to ServiceAccount "speaker/d8-metallb"' });
    expect(authorize(p, speaker, attrs({ resource: 'secrets', namespace: 'default' })).allowed).toBe(false);
    expect(authorize(p, speaker, attrs({ resource: 'secrets' })).allowed).toBe(false);
    expect(authorize(p, speaker, attrs({ resource: 'configmaps', namespace: 'd8-metallb' })).allowed).toBe(true);
    expect(authorize(p, speaker, attrs({ resource: 'configmaps', namespace: 'kube-system' })).allowed).toBe(false);
  });

  test('another service account of the same name elsewhere is not the subject', () => {
    expect(authorize(p, sa('other', 'speaker'), attrs({ verb: 'list', resource: 'services' })).allowed).toBe(false);
  });

  test('a binding to a missing role is reported when nothing else allows', () => {
    expect(authorize(p, speaker, attrs({ verb: 'delete', resource: 'pods', namespace: 'd8-metallb' }))).toEqual({ allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found' });
  });

  test('system:masters may do anything', () => {
    expect(authorize(p, { name: 'x', groups: ['system:masters'] }, attrs({ verb: 'delete', resource: 'nodes' })).allowed).toBe(true);
  });

  test('rules of a user in a namespace, as SelfSubjectRulesReview lists them', () => {
    const r = rulesFor(p, speaker, 'd8-metallb');
    expect(r.resourceRules.map((x) => x.resources?.[0])).toEqual(['services', 'secrets', 'configmaps']);
    expect(r.errors).toEqual(['role.rbac.authorization.k8s.io "missing" not found']);
  });
});

describe('ClusterRole aggregation', () => {
  test('an aggregated role holds the rules of the roles its selectors pick, each once, in name order', () => {
    const agg: Role = { metadata: { name: 'view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'aggregate-to-view': 'true' } }] } };
    const a: Role = { metadata: { name: 'b-role', labels: { 'aggregate-to-view': 'true' } }, rules: [{ verbs: ['get'], resources: ['pods'] }] };
    const b: Role = { metadata: { name: 'a-role', labels: { 'aggregate-to-view': 'true' } }, rules: [{ verbs: ['list'], resources: ['pods'] }, { verbs: ['get'], resources: ['pods'] }] };
    const c: Role = { metadata: { name: 'c-role' }, rules: [{ verbs: ['delete'], resources: ['pods'] }] };
    expect(aggregatedRules(agg, [agg, a, b, c])).toEqual([{ verbs: ['list'], resources: ['pods'] }, { verbs: ['get'], resources: ['pods'] }]);
    expect(aggregatedRules(c, [agg, a, b, c])).toBeUndefined();
  });
});
