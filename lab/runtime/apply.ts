// SPDX-License-Identifier: Apache-2.0
/**
 * Applies rendered objects the way `helm upgrade` would: create, update what changed, prune what is no
 * longer rendered. Objects carry ownership marks; pruning touches only objects that carry them.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json.js';
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import { KubeError, type Kube } from './kube.js';

export const RELEASE_NAME_ANNOTATION = 'meta.helm.sh/release-name';
export const RELEASE_NAMESPACE_ANNOTATION = 'meta.helm.sh/release-namespace';
/** Hash of what we applied: a change of the rendered object (including removed fields) shows as a new hash. */
export const APPLIED_HASH_ANNOTATION = 'metallb.deckhouse.io/applied-hash';

export interface Release {
  name: string;
  namespace: string;
  module: string;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** Install order (helm's, shortened): what others depend on goes first. */
const ORDER = ['Namespace', 'CustomResourceDefinition', 'PriorityClass', 'ServiceAccount', 'Secret', 'ConfigMap', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Service', 'DaemonSet', 'Deployment', 'StatefulSet'];

function rank(kind: string | undefined): number {
  const i = ORDER.indexOf(kind ?? '');
  return i < 0 ? ORDER.length : i;
}

export function refOf(o: KubeObject): ObjectRef {
  const r: ObjectRef = { apiVersion: o.apiVersion ?? 'v1', kind: o.kind ?? '', name: o.metadata?.name ?? '' };
  if (o.metadata?.namespace) r.namespace = o.metadata.namespace;
  return r;
}

export function refKey(r: ObjectRef): string {
  return `${r.apiVersion}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
}

/** Adds ownership labels and annotations and the applied hash. Pure. */
export function mark(o: KubeObject, rel: Release, own = true): KubeObject {
  const out = structuredClone(o);
  const md = (out.metadata ??= {});
  md.labels = { ...md.labels, heritage: 'deckhouse', module: rel.module };
  const ann: Record<string, string> = { ...md.annotations };
  if (own) Object.assign(ann, { [RELEASE_NAME_ANNOTATION]: rel.name, [RELEASE_NAMESPACE_ANNOTATION]: rel.namespace });
  delete ann[APPLIED_HASH_ANNOTATION];
  md.annotations = { ...ann, [APPLIED_HASH_ANNOTATION]: createHash('sha256').update(canonicalJson({ ...out, metadata: { ...md, annotations: ann } })).digest('hex').slice(0, 32) };
  return out;
}

/** Whether every field of `want` is in `have` with the same value (arrays compared element by element). Pure. */
export function isSubset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) return Array.isArray(have) && want.length === have.length && want.every((w, i) => isSubset(w, have[i]));
  if (typeof want === 'object' && want !== null) {
    if (typeof have !== 'object' || have === null || Array.isArray(have)) return false;
    return Object.entries(want).every(([k, v]) => isSubset(v, (have as Record<string, unknown>)[k]));
  }
  return want === have;
}

/** A live object needs a write when our hash differs or someone changed a field we set. Status is the controllers'. Pure. */
export function needsUpdate(want: KubeObject, live: KubeObject): boolean {
  if (live.metadata?.annotations?.[APPLIED_HASH_ANNOTATION] !== want.metadata?.annotations?.[APPLIED_HASH_ANNOTATION]) return true;
  const { status: _s, ...w } = want;
  return !isSubset(w, live);
}

/** Objects in `previous` that are no longer rendered. Pure. */
export function pruneList(previous: readonly ObjectRef[], current: readonly ObjectRef[]): ObjectRef[] {
  const keep = new Set(current.map(refKey));
  return previous.filter((r) => !keep.has(refKey(r)));
}

export function sortForApply(objs: readonly KubeObject[]): KubeObject[] {
  return [...objs].sort((a, b) => rank(a.kind) - rank(b.kind));
}

export interface ApplyStats {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Objects whose API the cluster does not serve (e.g. monitoring CRDs absent in the lab): left out, not fatal. */
  skipped: string[];
  errors: string[];
}

/** Creates or updates each object (namespaced objects without a namespace go to the release namespace). */
export async function applyObjects(kube: Kube, objs: readonly KubeObject[], rel: Release, own = true): Promise<{ stats: ApplyStats; refs: ObjectRef[] }> {
  const stats: ApplyStats = { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: [], errors: [] };
  const refs: ObjectRef[] = [];
  for (const raw of sortForApply(objs)) {
    try {
      const info = await kube.resource(raw.apiVersion ?? 'v1', raw.kind ?? '').catch((e: unknown) => {
        if (e instanceof KubeError && e.code === 404) return undefined;
        throw e;
      });
      if (!info) {
        stats.skipped.push(`${raw.apiVersion}/${raw.kind} ${raw.metadata?.name ?? ''}`);
        continue;
      }
      const o = mark(raw, rel, own);
      const md = o.metadata ?? {};
      if (info.namespaced && !md.namespace) md.namespace = rel.namespace;
      if (!info.namespaced) delete md.namespace;
      refs.push(refOf(o));
      const live = await kube.get(o.apiVersion ?? 'v1', o.kind ?? '', md.namespace, md.name ?? '');
      if (!live) {
        await kube.create(o);
        stats.created++;
        if (o.kind === 'CustomResourceDefinition') kube.resetDiscovery();
      } else if (needsUpdate(o, live)) {
        await kube.replace({ ...o, metadata: { ...md, resourceVersion: live.metadata?.resourceVersion ?? '' }, ...(live.status !== undefined ? { status: live.status } : {}) });
        stats.updated++;
      } else stats.unchanged++;
    } catch (e) {
      stats.errors.push(`${raw.kind} ${raw.metadata?.namespace ? raw.metadata.namespace + '/' : ''}${raw.metadata?.name}: ${(e as Error).message}`);
    }
  }
  return { stats, refs };
}

/** Deletes the listed objects that still carry this release's mark; objects without it are left alone. */
export async function prune(kube: Kube, refs: readonly ObjectRef[], rel: Release, stats: ApplyStats): Promise<void> {
  for (const r of [...refs].sort((a, b) => rank(b.kind) - rank(a.kind))) {
    try {
      const live = await kube.get(r.apiVersion, r.kind, r.namespace, r.name);
      if (!live || live.metadata?.annotations?.[RELEASE_NAME_ANNOTATION] !== rel.name) continue;
      if (await kube.delete(r.apiVersion, r.kind, r.namespace, r.name, 'Background')) stats.deleted++;
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) continue;
      stats.errors.push(`prune ${r.kind} ${r.name}: ${(e as Error).message}`);
    }
  }
}
