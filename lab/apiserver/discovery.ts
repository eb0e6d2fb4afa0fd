// SPDX-License-Identifier: Apache-2.0
/** Discovery documents: /version, /api, /apis, and each group-version's resource list. Pure. */
import { apiVersionOf, type ResourceType } from './resources.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const VERSION = {
  major: '1', minor: '32', gitVersion: 'v1.32.0-lab', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.23.0', compiler: 'gc', platform: 'linux/amd64',
};

/** Group -> versions, the preferred one first; the core group ("") first, then by name. */
function groups(types: ResourceType[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const t of [...types].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))) {
    const vs = out.get(t.group) ?? [];
    for (const v of t.versions) if (!vs.includes(v)) vs.push(v);
    out.set(t.group, vs);
  }
  return out;
}

export function apiVersions(server: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: server }] };
}

function group(name: string, versions: string[]): Record<string, unknown> {
  const vs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

export function apiGroupList(types: ResourceType[]): Record<string, unknown> {
  const list = [...groups(types)].filter(([g]) => g !== '').map(([g, vs]) => group(g, vs));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
}

export function apiGroup(types: ResourceType[], name: string): Record<string, unknown> | undefined {
  const vs = groups(types).get(name);
  return vs && name ? { kind: 'APIGroup', apiVersion: 'v1', ...group(name, vs) } : undefined;
}

export function resourceList(types: ResourceType[], groupName: string, version: string): Record<string, unknown> | undefined {
  const mine = types.filter((t) => t.group === groupName && t.versions.includes(version));
  if (mine.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of mine.sort((a, b) => (a.resource < b.resource ? -1 : 1))) {
    const r: Record<string, unknown> = { name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.review ? ['create'] : VERBS };
    if (t.shortNames.length) r.shortNames = t.shortNames;
    if (t.categories.length) r.categories = t.categories;
    resources.push(r);
    if (t.status) resources.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    for (const sub of t.subresources ?? []) {
      resources.push({ name: `${t.resource}/${sub.name}`, singularName: '', namespaced: t.namespaced, ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}), kind: sub.kind, verbs: sub.verbs });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(groupName, version), resources };
}
