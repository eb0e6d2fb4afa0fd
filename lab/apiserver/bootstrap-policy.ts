// SPDX-License-Identifier: Apache-2.0
/**
 * The default ClusterRoles and ClusterRoleBindings a fresh cluster has (the bootstrap policy of
 * kube-apiserver), for the kinds this server serves: cluster-admin for system:masters, discovery,
 * basic-user and public-info for everyone authenticated, and the aggregated admin/edit/view roles.
 * Pure data; the server creates whichever are missing at every start, as the real one does.
 */
import type { PolicyRule } from './rbac.js';
import type { KObject } from './types.js';

const LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const ANNOTATIONS = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];

function clusterRole(name: string, rules: PolicyRule[], labels: Record<string, string> = {}, aggregateFrom?: string): KObject {
  const o: KObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels: { ...LABELS, ...labels }, annotations: ANNOTATIONS }, rules };
  if (aggregateFrom) o.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [aggregateFrom]: 'true' } }] };
  return o;
}

function binding(name: string, role: string, groups: string[]): KObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name, labels: LABELS, annotations: ANNOTATIONS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
  };
}

const AGG = 'rbac.authorization.k8s.io/aggregate-to-';

const VIEWABLE: PolicyRule[] = [
  { apiGroups: [''], resources: ['configmaps', 'endpoints', 'events', 'limitranges', 'pods', 'pods/log', 'pods/status', 'resourcequotas', 'resourcequotas/status', 'serviceaccounts', 'services', 'services/status'], verbs: READ },
  { apiGroups: [''], resources: ['namespaces', 'namespaces/status'], verbs: READ },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: READ },
  { apiGroups: ['apps'], resources: ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status'], verbs: READ },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets', 'poddisruptionbudgets/status'], verbs: READ },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: READ },
];

const EDITABLE: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: [''], resources: ['configmaps', 'endpoints', 'pods', 'secrets', 'serviceaccounts', 'services'], verbs: WRITE },
  { apiGroups: [''], resources: ['secrets'], verbs: READ },
  { apiGroups: [''], resources: ['serviceaccounts/token'], verbs: ['create'] },
  { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['impersonate'] },
  { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale'], verbs: WRITE },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: WRITE },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: WRITE },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: WRITE },
];

const ADMINISTRABLE: PolicyRule[] = [
  { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'], verbs: [...READ, ...WRITE] },
];

/** Every bootstrap object, ClusterRoles before the bindings that name them. */
export function bootstrapPolicy(): KObject[] {
  return [
    clusterRole('cluster-admin', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]),
    clusterRole('system:discovery', [{ nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
    clusterRole('system:public-info-viewer', [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
    clusterRole('system:basic-user', [
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    clusterRole('admin', [], {}, `${AGG}admin`),
    clusterRole('edit', [], { [`${AGG}admin`]: 'true' }, `${AGG}edit`),
    clusterRole('view', [], { [`${AGG}edit`]: 'true' }, `${AGG}view`),
    clusterRole('system:aggregate-to-admin', ADMINISTRABLE, { [`${AGG}admin`]: 'true' }),
    clusterRole('system:aggregate-to-edit', EDITABLE, { [`${AGG}edit`]: 'true' }),
    clusterRole('system:aggregate-to-view', VIEWABLE, { [`${AGG}view`]: 'true' }),
    binding('cluster-admin', 'cluster-admin', ['system:masters']),
    binding('system:discovery', 'system:discovery', ['system:authenticated']),
    binding('system:public-info-viewer', 'system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
    binding('system:basic-user', 'system:basic-user', ['system:authenticated']),
  ];
}
