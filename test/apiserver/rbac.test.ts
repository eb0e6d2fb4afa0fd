// SPDX-License-Identifier: Apache-2.0
/**
 * Service accounts and RBAC with the real kubectl: bound tokens from the TokenRequest API, 403s in the
 * Status format, `kubectl auth can-i` (as itself and with --as), `auth whoami`, impersonation checks,
 * aggregated ClusterRoles, and a token that dies with the Pod it is bound to.
 */
import { useApiServer } from '../helpers/apiserver.js';
import { until } from '../helpers/until.js';

const api = useApiServer();
const ok = (args: string[], input?: string) => api.kubectlOk(args, input);
const run = (args: string[], input?: string) => api.kubectl(args, input);

const SETUP = `
apiVersion: v1
kind: Namespace
metadata: {name: d8-metallb}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: speaker, namespace: d8-metallb}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "d8:metallb:speaker"}
rules:
- apiGroups: [""]
  resources: [nodes, services]
  verbs: [get, list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "d8:metallb:speaker"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "d8:metallb:speaker"}
subjects: [{kind: ServiceAccount, name: speaker, namespace: d8-metallb}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: speaker, namespace: d8-metallb}
rules:
- apiGroups: [""]
  resources: [secrets]
  resourceNames: [speaker-heartbeat-key]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: speaker, namespace: d8-metallb}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: speaker}
subjects: [{kind: ServiceAccount, name: speaker}]
`;

let token = '';

beforeAll(async () => {
  await ok(['apply', '-f', '-'], SETUP);
  token = (await ok(['-n', 'd8-metallb', 'create', 'token', 'speaker'])).trim();
});

const as = (args: string[]) => run([`--token=${token}`, ...args]);

describe('service accounts and RBAC', () => {
  test('a service-account token is Forbidden what its roles do not grant, in the Status format', async () => {
    const r = await as(['get', 'secrets', '-A']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('Error from server (Forbidden): secrets is forbidden: User "system:serviceaccount:d8-metallb:speaker" cannot list resource "secrets" in API group "" at the cluster scope');
    const raw = await as(['get', '--raw', '/api/v1/namespaces/default/services/kubernetes/status']);
    expect(raw.err).toContain('services "kubernetes" is forbidden: User "system:serviceaccount:d8-metallb:speaker" cannot get resource "services/status" in API group "" in the namespace "default"');
    const https = await import('node:https');
    const body = await new Promise<Record<string, unknown>>((resolve, reject) => {
      https.get(`${api.server.url}/api/v1/secrets`, { ca: api.server.ca, headers: { Authorization: `Bearer ${token}` } }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode, ...JSON.parse(text) as Record<string, unknown> }));
      }).on('error', reject);
    });
    expect(body).toMatchObject({ code: 403, kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', details: { group: '', kind: 'secrets' } });
  });

  test('what the roles grant works: cluster-wide reads, and one Secret by name in the namespace', async () => {
    expect(await as(['get', 'svc', '-A', '-o', 'name'])).toMatchObject({ code: 0, out: expect.stringContaining('service/kubernetes') as string });
    expect((await as(['-n', 'd8-metallb', 'get', 'secret', 'speaker-heartbeat-key'])).err).toContain('NotFound');
    expect((await as(['-n', 'd8-metallb', 'get', 'secret', 'other'])).err).toContain('Forbidden');
    expect((await as(['-n', 'default', 'get', 'secret', 'speaker-heartbeat-key'])).err).toContain('Forbidden');
  });

  test('kubectl auth can-i, as the token and with --as', async () => {
    expect((await as(['auth', 'can-i', 'list', 'services'])).out).toBe('yes\n');
    expect((await as(['auth', 'can-i', 'list', 'secrets', '-A'])).out).toBe('no\n');
    expect(await ok(['auth', 'can-i', '--as=system:serviceaccount:d8-metallb:speaker', 'watch', 'nodes'])).toBe('yes\n');
    expect((await run(['auth', 'can-i', '--as=system:serviceaccount:d8-metallb:speaker', 'patch', 'services', '--subresource=status'])).out).toBe('no\n');
    expect(await ok(['auth', 'can-i', '--as=system:serviceaccount:d8-metallb:speaker', '-n', 'd8-metallb', 'get', 'secret/speaker-heartbeat-key'])).toBe('yes\n');
    expect(await ok(['auth', 'can-i', '--as=system:serviceaccount:d8-metallb:speaker', '--list', '-n', 'd8-metallb'])).toMatch(/^secrets\s+\[\]\s+\[speaker-heartbeat-key\]\s+\[get\]$/m);
  });

  test('auth whoami shows the service account and the token\'s credential id', async () => {
    const who = JSON.parse((await as(['auth', 'whoami', '-o', 'json'])).out) as { status: { userInfo: { username: string; groups: string[]; extra: Record<string, string[]> } } };
    expect(who.status.userInfo.username).toBe('system:serviceaccount:d8-metallb:speaker');
    expect(who.status.userInfo.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:d8-metallb', 'system:authenticated']);
    expect(who.status.userInfo.extra['authentication.kubernetes.io/credential-id']?.[0]).toMatch(/^JTI=/);
  });

  test('impersonation needs the impersonate verb', async () => {
    const r = await as(['get', 'nodes', '--as=system:admin']);
    expect(r.err).toContain('users "system:admin" is forbidden: User "system:serviceaccount:d8-metallb:speaker" cannot impersonate resource "users" in API group "" at the cluster scope');
  });

  test('aggregated roles: binding the view role grants what the aggregate-to-view roles list', async () => {
    await ok(['-n', 'd8-metallb', 'create', 'rolebinding', 'viewer', '--clusterrole=view', '--serviceaccount=d8-metallb:speaker']);
    expect((await as(['-n', 'd8-metallb', 'get', 'configmaps'])).code).toBe(0);
    await ok(['apply', '-f', '-'], 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: extra-view, labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}\nrules: [{apiGroups: [network.deckhouse.io], resources: [widgets], verbs: [get]}]\n');
    const view = await until('the admin role to aggregate widgets', async () => { const v = await ok(['get', 'clusterrole', 'admin', '-o', 'json']); return v.includes('widgets') && v; }, 5000, 50);
    expect(view).toContain('widgets');
  });

  test('a token bound to a Pod stops working when the Pod is gone', async () => {
    await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Pod\nmetadata: {name: holder, namespace: d8-metallb}\nspec: {containers: [{name: c, image: x}]}\n');
    const bound = (await ok(['-n', 'd8-metallb', 'create', 'token', 'speaker', '--bound-object-kind=Pod', '--bound-object-name=holder'])).trim();
    expect((await run([`--token=${bound}`, 'get', 'nodes'])).code).toBe(0);
    await ok(['-n', 'd8-metallb', 'delete', 'pod', 'holder']);
    expect((await run([`--token=${bound}`, 'get', 'nodes'])).err).toContain('Unauthorized');
  });

  test('TokenRequest refuses a lifetime under ten minutes', async () => {
    const r = await run(['-n', 'd8-metallb', 'create', 'token', 'speaker', '--duration=5m']);
    expect(r.err).toContain('spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
  });
});
