// SPDX-License-Identifier: Apache-2.0
/** The kinds the server serves: built-in ones and those registered by CustomResourceDefinitions. */
import type { CompiledSchema } from './schema.js';

/** A printer column as CRDs declare them (`additionalPrinterColumns`). */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  format?: string;
  priority?: number;
}

export interface ResourceType {
  group: string;
  /** Served versions, the preferred (storage) one first. */
  versions: string[];
  /** Plural, lower-case: the URL segment. */
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  /** Has a `/status` subresource: the main endpoint ignores status, `/status` changes only status. */
  status: boolean;
  /** Field selectors accepted besides metadata.name and metadata.namespace. */
  fields: string[];
  /** CRDs only: printer columns and the compiled schema per version. */
  columns?: Record<string, PrinterColumn[]>;
  schemas?: Record<string, CompiledSchema | undefined>;
  /** Set for kinds served from a CRD (its name). */
  crd?: string;
  /** Create-only reviews that are answered, never stored (authorization.k8s.io, authentication.k8s.io). */
  review?: boolean;
  /** Subresources besides status, for discovery (serviceaccounts/token, pods/log). */
  subresources?: Subresource[];
}

export interface Subresource {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

/** `group/resource`, the storage key of a kind. */
export function gr(t: { group: string; resource: string }): string {
  return t.group ? `${t.resource}.${t.group}` : t.resource;
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

type Def = [group: string, version: string, resource: string, kind: string, namespaced: boolean, shortNames?: string[], status?: boolean, fields?: string[], categories?: string[]];

const BUILTIN: Def[] = [
  ['', 'v1', 'namespaces', 'Namespace', false, ['ns'], true, ['status.phase']],
  ['', 'v1', 'nodes', 'Node', false, ['no'], true, ['spec.unschedulable']],
  ['', 'v1', 'services', 'Service', true, ['svc'], true, ['spec.type', 'spec.clusterIP'], ['all']],
  ['', 'v1', 'endpoints', 'Endpoints', true, ['ep']],
  ['', 'v1', 'pods', 'Pod', true, ['po'], true, ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'], ['all']],
  ['', 'v1', 'secrets', 'Secret', true, [], false, ['type']],
  ['', 'v1', 'configmaps', 'ConfigMap', true, ['cm']],
  ['', 'v1', 'events', 'Event', true, ['ev'], false, ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type']],
  ['', 'v1', 'serviceaccounts', 'ServiceAccount', true, ['sa']],
  ['', 'v1', 'limitranges', 'LimitRange', true, ['limits']],
  ['', 'v1', 'resourcequotas', 'ResourceQuota', true, ['quota'], true],
  ['apps', 'v1', 'deployments', 'Deployment', true, ['deploy'], true, [], ['all']],
  ['apps', 'v1', 'daemonsets', 'DaemonSet', true, ['ds'], true, [], ['all']],
  ['apps', 'v1', 'replicasets', 'ReplicaSet', true, ['rs'], true, [], ['all']],
  ['apps', 'v1', 'statefulsets', 'StatefulSet', true, ['sts'], true, [], ['all']],
  ['discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true, [], false, ['addressType']],
  ['events.k8s.io', 'v1', 'events', 'Event', true, ['ev'], false, ['regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'reason', 'reportingController', 'type']],
  ['coordination.k8s.io', 'v1', 'leases', 'Lease', true],
  ['rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true],
  ['rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true],
  ['rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false],
  ['rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false],
  ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb'], true],
  ['networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', true, ['netpol']],
  ['scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, ['pc']],
  ['admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false],
  ['admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false],
  ['authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false],
  ['authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false],
  ['authorization.k8s.io', 'v1', 'subjectaccessreviews', 'SubjectAccessReview', false],
  ['authorization.k8s.io', 'v1', 'localsubjectaccessreviews', 'LocalSubjectAccessReview', true],
  ['authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false],
  ['authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', false],
  ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd', 'crds'], true, [], ['api-extensions']],
];

/** The built-in kinds, fresh copies. */
export function builtinTypes(): ResourceType[] {
  return BUILTIN.map(([group, version, resource, kind, namespaced, shortNames = [], status = false, fields = [], categories = []]) => {
    const t: ResourceType = { group, versions: [version], resource, singular: kind.toLowerCase(), kind, namespaced, shortNames, categories, status, fields };
    if (group === 'authorization.k8s.io' || group === 'authentication.k8s.io') t.review = true;
    if (resource === 'serviceaccounts') t.subresources = [{ name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] }];
    if (resource === 'pods') t.subresources = [{ name: 'log', kind: 'Pod', verbs: ['get'] }];
    return t;
  });
}

/** Core v1 Events and events.k8s.io/v1 Events share one store, as in the real server. */
export function storageKey(t: { group: string; resource: string }): string {
  return t.group === 'events.k8s.io' && t.resource === 'events' ? 'events' : gr(t);
}
