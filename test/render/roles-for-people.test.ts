// SPDX-License-Identifier: Apache-2.0
/**
 * The chart's roles for people, enforced by the lab API server's RBAC and asked with the real kubectl
 * (`auth can-i --as` and requests as the user). The platform's side is what Deckhouse binds: user-authz
 * access levels include the roles of every lower level, RBACv2 subsystem roles aggregate the module's
 * `manage` roles by their `aggregate-to-<subsystem>-as` labels (a manager also gets what a viewer gets), and
 * the `use` viewer role aggregates `aggregate-to-kubernetes-as: viewer` for a RoleBinding in a namespace.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';
import { useApiServer } from '../helpers/apiserver.js';
import { helmBinary, renderChart, repoRoot, type Manifest } from '../helpers/helm.js';
import { until } from '../helpers/until.js';

const api = useApiServer();
const ok = (args: string[], input?: string) => api.kubectlOk(args, input);
const can = async (user: string, ...args: string[]) => (await api.kubectl(['auth', 'can-i', `--as=${user}`, ...args])).out.trim();
const as = (user: string, args: string[], input?: string) => api.kubectl([`--as=${user}`, ...args], input);

const crdFiles = ['crds', 'crds/native', 'crds/internal', 'lab/crds']
  .flatMap((d) => fs.readdirSync(path.join(repoRoot, d)).filter((f) => f.endsWith('.yaml') && !f.startsWith('doc-')).map((f) => path.join(repoRoot, d, f)))
  .filter((f) => fs.readFileSync(f, 'utf8').includes('kind: CustomResourceDefinition'));

/** The chart's roles for people, from a render with the scenario defaults. */
function peopleRoles(): Manifest[] {
  const values = yaml.load(fs.readFileSync(path.join(repoRoot, 'test/render/scenarios/base.yaml'), 'utf8'));
  return renderChart(values).filter((m) => m.kind === 'ClusterRole' && /^d8:(user-authz|manage|use):/.test(m.metadata.name));
}

const binding = (name: string, role: string, user: string, namespace?: string) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding',
  metadata: namespace ? { name, namespace } : { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
  subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
});
const aggregate = (name: string, ...selectors: Record<string, string>[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'ClusterRole',
  metadata: { name },
  aggregationRule: { clusterRoleSelectors: selectors.map((matchLabels) => ({ matchLabels })) },
  rules: [],
});
const asYaml = (objs: unknown[]) => objs.map((o) => yaml.dump(o)).join('---\n');

const POOL = 'apiVersion: network.deckhouse.io/v1alpha1\nkind: MetalLoadBalancerPool\nmetadata: {name: public}\nspec: {addresses: ["203.0.113.0/28"]}\n';
const NATIVE_POOL = 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: legacy, namespace: d8-metallb}\nspec: {addresses: ["198.51.100.0/28"]}\n';

// users: by user-authz access level, by RBACv2 subsystem role, and a namespace viewer
const UA_USER = 'ua-user@example.com';
const UA_ADMIN = 'ua-cluster-admin@example.com';
const NET_VIEWER = 'net-viewer@example.com';
const NET_MANAGER = 'net-manager@example.com';
const INFRA_MANAGER = 'infra-manager@example.com';
const APP_VIEWER = 'app-viewer@example.com';
const NOBODY = 'nobody@example.com';

const OURS = ['metalloadbalancerclasses', 'metalloadbalancerpools', 'metalloadbalancerbgppeers', 'metalloadbalancerconfigurations'].map((r) => `${r}.network.deckhouse.io`);

/** Why the roles cannot be checked here, if they cannot. */
const missing = !fs.existsSync(helmBinary) ? 'no helm binary (make build sets it up)'
  : !fs.existsSync(path.join(repoRoot, 'lab/apiserver/rbac.ts')) ? 'this lab API server does not enforce RBAC'
  : '';

(missing ? describe.skip : describe)(`roles for people, enforced by the API server${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    for (const f of crdFiles) await ok(['apply', '-f', f]);
    await ok(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: d8-metallb}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: app}\n');
    const roles = peopleRoles();
    expect(roles.map((r) => r.metadata.name).sort()).toEqual([
      'd8:manage:capability:module:metallb:edit',
      'd8:manage:capability:module:metallb:view',
      'd8:use:capability:module:metallb:view',
      'd8:user-authz:metallb:cluster-admin',
      'd8:user-authz:metallb:user',
    ]);
    await ok(['apply', '-f', '-'], asYaml(roles));
    await ok(['apply', '-f', '-'], asYaml([
      // user-authz: the User level, and ClusterAdmin with every level below it
      binding('ua-user', 'd8:user-authz:metallb:user', UA_USER),
      binding('ua-cluster-admin-user', 'd8:user-authz:metallb:user', UA_ADMIN),
      binding('ua-cluster-admin', 'd8:user-authz:metallb:cluster-admin', UA_ADMIN),
      // RBACv2: the subsystems' manage roles
      aggregate('d8:manage:networking:viewer', { 'rbac.deckhouse.io/aggregate-to-networking-as': 'viewer' }),
      aggregate('d8:manage:networking:manager', { 'rbac.deckhouse.io/aggregate-to-networking-as': 'viewer' }, { 'rbac.deckhouse.io/aggregate-to-networking-as': 'manager' }),
      aggregate('d8:manage:infrastructure:manager', { 'rbac.deckhouse.io/aggregate-to-infrastructure-as': 'viewer' }, { 'rbac.deckhouse.io/aggregate-to-infrastructure-as': 'manager' }),
      binding('net-viewer', 'd8:manage:networking:viewer', NET_VIEWER),
      binding('net-manager', 'd8:manage:networking:manager', NET_MANAGER),
      binding('infra-manager', 'd8:manage:infrastructure:manager', INFRA_MANAGER),
      // RBACv2: the use viewer role, bound in one namespace
      aggregate('d8:use:role:viewer', { 'rbac.deckhouse.io/aggregate-to-kubernetes-as': 'viewer' }),
      binding('app-viewer', 'd8:use:role:viewer', APP_VIEWER, 'app'),
    ]));
    // the aggregation controller fills the subsystem roles from the module's labelled roles
    await until('the aggregated roles', async () => (await can(NET_MANAGER, 'patch', 'metalloadbalancerpools')) === 'yes' && (await can(INFRA_MANAGER, 'patch', 'metalloadbalancerpools')) === 'yes' && (await can(NET_VIEWER, 'list', 'metalloadbalancerpools')) === 'yes' && (await can(APP_VIEWER, '-n', 'app', 'list', 'sdninternall2lbservices')) === 'yes');
    await ok(['apply', '-f', '-'], `${POOL}---\n${NATIVE_POOL}`);
  }, 120_000);

  test('a user bound to no role may do nothing with the module objects', async () => {
    for (const r of OURS) expect(await can(NOBODY, 'list', r)).toBe('no');
    const r = await as(NOBODY, ['get', 'metalloadbalancerpools']);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`metalloadbalancerpools.network.deckhouse.io is forbidden: User "${NOBODY}" cannot list resource "metalloadbalancerpools" in API group "network.deckhouse.io" at the cluster scope`);
  });

  test('user-authz User: lists the classes, pools, peers and configurations, and changes none', async () => {
    for (const r of OURS) expect(`${r}: ${await can(UA_USER, 'watch', r)} ${await can(UA_USER, 'patch', r)}`).toBe(`${r}: yes no`);
    for (const verb of ['create', 'update', 'delete']) expect(`${verb}: ${await can(UA_USER, verb, 'metalloadbalancerclasses')}`).toBe(`${verb}: no`);
    expect((await as(UA_USER, ['get', 'metalloadbalancerpools', '-o', 'name'])).out).toBe('metalloadbalancerpool.network.deckhouse.io/public\n');
    const del = await as(UA_USER, ['delete', 'metalloadbalancerpool', 'public']);
    expect(del.err).toContain(`metalloadbalancerpools.network.deckhouse.io "public" is forbidden: User "${UA_USER}" cannot delete resource "metalloadbalancerpools"`);
    const create = await as(UA_USER, ['apply', '-f', '-'], POOL.replace('public', 'mine'));
    expect(create.code).not.toBe(0);
    expect(create.err).toContain('forbidden');
    expect(await can(UA_USER, 'list', 'secrets', '-n', 'd8-metallb')).toBe('no');
  });

  test('user-authz ClusterAdmin: creates, changes and deletes them', async () => {
    const created = await as(UA_ADMIN, ['apply', '-f', '-'], POOL.replace('public', 'by-admin'));
    expect(created).toMatchObject({ code: 0, out: 'metalloadbalancerpool.network.deckhouse.io/by-admin created\n' });
    expect((await as(UA_ADMIN, ['patch', 'metalloadbalancerpool', 'by-admin', '--type=merge', '-p', '{"spec":{"autoAssign":false}}'])).code).toBe(0);
    expect((await as(UA_ADMIN, ['delete', 'metalloadbalancerpool', 'by-admin'])).code).toBe(0);
    for (const r of OURS) expect(await can(UA_ADMIN, 'deletecollection', r)).toBe('yes');
  });

  test("RBACv2 networking viewer: sees the module's objects, MetalLB's and the ModuleConfig, changes nothing", async () => {
    for (const r of [...OURS, 'ipaddresspools.metallb.io', 'bgppeers.metallb.io']) {
      expect(`${r}: ${await can(NET_VIEWER, 'list', r, '-A')} ${await can(NET_VIEWER, 'create', r, '-n', 'd8-metallb')}`).toBe(`${r}: yes no`);
    }
    expect(await can(NET_VIEWER, 'get', 'moduleconfigs.deckhouse.io/metallb')).toBe('yes');
    expect(await can(NET_VIEWER, 'get', 'moduleconfigs.deckhouse.io/other')).toBe('no');
    expect(await can(NET_VIEWER, 'patch', 'moduleconfigs.deckhouse.io/metallb')).toBe('no');
    expect((await as(NET_VIEWER, ['-n', 'd8-metallb', 'get', 'ipaddresspools', '-o', 'name'])).out).toBe('ipaddresspool.metallb.io/legacy\n');
    expect((await as(NET_VIEWER, ['-n', 'd8-metallb', 'delete', 'ipaddresspool', 'legacy'])).err).toContain('forbidden');
  });

  test('RBACv2 networking and infrastructure managers: manage the module objects, the MetalLB objects and the ModuleConfig', async () => {
    for (const r of OURS) for (const verb of ['create', 'delete']) expect(`${verb} ${r}: ${await can(NET_MANAGER, verb, r)}`).toBe(`${verb} ${r}: yes`);
    for (const user of [NET_MANAGER, INFRA_MANAGER]) {
      expect(`${await can(user, 'list', 'metalloadbalancerclasses')} ${await can(user, 'patch', 'metalloadbalancerbgppeers')}`).toBe('yes yes');
      expect(await can(user, 'patch', 'moduleconfigs.deckhouse.io/metallb')).toBe('yes');
      expect(await can(user, 'patch', 'moduleconfigs.deckhouse.io/other')).toBe('no');
      expect(await can(user, 'create', 'bgppeers.metallb.io', '-n', 'd8-metallb')).toBe('yes');
      expect(await can(user, 'get', 'secrets', '-n', 'd8-metallb')).toBe('no');
    }
    expect((await as(NET_MANAGER, ['-n', 'd8-metallb', 'patch', 'ipaddresspool', 'legacy', '--type=merge', '-p', '{"spec":{"autoAssign":false}}'])).code).toBe(0);
    expect((await as(INFRA_MANAGER, ['apply', '-f', '-'], POOL.replace('public', 'by-infra'))).code).toBe(0);
    expect((await as(NET_MANAGER, ['delete', 'metalloadbalancerpool', 'by-infra'])).code).toBe(0);
  });

  test("RBACv2 use viewer of a namespace: sees which node announces its Services' addresses there only", async () => {
    expect(await can(APP_VIEWER, '-n', 'app', 'list', 'sdninternall2lbservices')).toBe('yes');
    expect(await can(APP_VIEWER, '-n', 'app', 'delete', 'sdninternall2lbservices')).toBe('no');
    expect(await can(APP_VIEWER, '-n', 'default', 'list', 'sdninternall2lbservices')).toBe('no');
    expect(await can(APP_VIEWER, 'list', 'metalloadbalancerpools')).toBe('no');
    expect((await as(APP_VIEWER, ['-n', 'app', 'get', 'sdninternall2lbservices'])).code).toBe(0);
  });
});
