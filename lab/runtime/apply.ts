// SPDX-License-Identifier: Apache-2.0
/**
 * Applies rendered objects the way `helm upgrade` would: create, update what changed, prune what is no
 * longer rendered. Objects carry ownership marks; pruning touches only objects that carry them.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../lib/canonical-json.js';
import { eachLimited } from '../../lib/each-limited.js';
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

/** The applied objects as the release record keeps them: `apiVersion/kind` -> `namespace/name` list (compact at 10k objects). Pure. */
export function encodeRecord(refs: readonly ObjectRef[]): string {
  const out: Record<string, string[]> = {};
  for (const r of refs) (out[`${r.apiVersion}/${r.kind}`] ??= []).push(`${r.namespace ?? ''}/${r.name}`);
  return JSON.stringify(out);
}

/** Reads a release record (also the older list of refs). Pure. */
export function decodeRecord(text: string): ObjectRef[] {
  const doc = JSON.parse(text) as ObjectRef[] | Record<string, string[]>;
  if (Array.isArray(doc)) return doc;
  const out: ObjectRef[] = [];
  for (const [type, names] of Object.entries(doc)) {
    const cut = type.lastIndexOf('/');
    for (const n of names) {
      const slash = n.indexOf('/');
      const r: ObjectRef = { apiVersion: type.slice(0, cut), kind: type.slice(cut + 1), name: n.slice(slash + 1) };
      if (slash > 0) r.namespace = n.slice(0, slash);
      out.push(r);
    }
  }
  return out;
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

/** How many writes of one kind go out at once. */
const WIDTH = 16;

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

/** The live objects of a kind that carry the module's labels (`mark` puts them on everything it applies), by namespace/name. */
async function liveMarked(kube: Kube, apiVersion: string, kind: string, module: string): Promise<Map<string, KubeObject>> {
  const { items } = await kube.list(apiVersion, kind, undefined, { labelSelector: `heritage=deckhouse,module=${module}` });
  return new Map(items.map((o) => [key(o.metadata?.namespace, o.metadata?.name ?? ''), o]));
}

/** Consecutive objects of one apiVersion and kind, in their order. Pure. */
function byKind<T extends { apiVersion?: string; kind?: string }>(objs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (const o of objs) {
    const last = out[out.length - 1];
    if (last?.[0] && last[0].apiVersion === o.apiVersion && last[0].kind === o.kind) last.push(o);
    else out.push([o]);
  }
  return out;
}

/**
 * Creates or updates each object (namespaced objects without a namespace go to the release namespace). What is
 * live is read with one list per kind, not one read per object, and only what differs is written, several at once
 * within a kind; kinds go in install order.
 */
export async function applyObjects(kube: Kube, objs: readonly KubeObject[], rel: Release, own = true): Promise<{ stats: ApplyStats; refs: ObjectRef[] }> {
  const stats: ApplyStats = { created: 0, updated: 0, unchanged: 0, deleted: 0, skipped: [], errors: [] };
  const refs: ObjectRef[] = [];
  const failed = (raw: KubeObject, e: unknown): void => {
    stats.errors.push(`${raw.kind} ${raw.metadata?.namespace ? raw.metadata.namespace + '/' : ''}${raw.metadata?.name}: ${(e as Error).message}`);
  };
  for (const group of byKind(sortForApply(objs))) {
    const first = group[0] as KubeObject;
    const apiVersion = first.apiVersion ?? 'v1';
    const kind = first.kind ?? '';
    let info: Awaited<ReturnType<Kube['resource']>> | undefined;
    let live: Map<string, KubeObject>;
    try {
      info = await kube.resource(apiVersion, kind).catch((e: unknown) => {
        if (e instanceof KubeError && e.code === 404) return undefined;
        throw e;
      });
      live = info ? await liveMarked(kube, apiVersion, kind, rel.module) : new Map();
    } catch (e) {
      for (const raw of group) failed(raw, e);
      continue;
    }
    if (!info) {
      for (const raw of group) stats.skipped.push(`${raw.apiVersion}/${raw.kind} ${raw.metadata?.name ?? ''}`);
      continue;
    }
    const namespaced = info.namespaced;
    const writes: { raw: KubeObject; o: KubeObject; live: KubeObject | undefined }[] = [];
    for (const raw of group) {
      const o = mark(raw, rel, own);
      const md = o.metadata ?? {};
      if (namespaced && !md.namespace) md.namespace = rel.namespace;
      if (!namespaced) delete md.namespace;
      refs.push(refOf(o));
      const cur = live.get(key(md.namespace, md.name ?? ''));
      if (cur && !needsUpdate(o, cur)) stats.unchanged++;
      else writes.push({ raw, o, live: cur });
    }
    await eachLimited(writes, WIDTH, async ({ raw, o, live: cur }) => {
      try {
        if (!cur) {
          // Not among the marked objects: usually new; one that exists without the marks is taken over.
          try {
            await kube.create(o);
            stats.created++;
            return;
          } catch (e) {
            if (!(e instanceof KubeError && e.code === 409)) throw e;
          }
          cur = await kube.get(apiVersion, kind, o.metadata?.namespace, o.metadata?.name ?? '');
          if (!cur) throw new KubeError(409, 'Conflict', 'the object was in the way of its create and is gone now: the next run creates it');
        }
        if (needsUpdate(o, cur)) {
          await kube.replace({ ...o, metadata: { ...o.metadata, resourceVersion: cur.metadata?.resourceVersion ?? '' }, ...(cur.status !== undefined ? { status: cur.status } : {}) });
          stats.updated++;
        } else stats.unchanged++;
      } catch (e) {
        failed(raw, e);
      }
    });
    if (kind === 'CustomResourceDefinition' && writes.length) kube.resetDiscovery();
  }
  return { stats, refs };
}

/** Deletes the listed objects that still carry this release's mark; objects without it are left alone. */
export async function prune(kube: Kube, refs: readonly ObjectRef[], rel: Release, stats: ApplyStats): Promise<void> {
  for (const group of byKind([...refs].sort((a, b) => rank(b.kind) - rank(a.kind)))) {
    const first = group[0] as ObjectRef;
    let live: Map<string, KubeObject>;
    try {
      live = await liveMarked(kube, first.apiVersion, first.kind, rel.module);
    } catch (e) {
      if (e instanceof KubeError && e.code === 404) continue;
      stats.errors.push(`prune ${first.kind}: ${(e as Error).message}`);
      continue;
    }
    const gone = group.filter((r) => live.get(key(r.namespace, r.name))?.metadata?.annotations?.[RELEASE_NAME_ANNOTATION] === rel.name);
    await eachLimited(gone, WIDTH, async (r) => {
      try {
        if (await kube.delete(r.apiVersion, r.kind, r.namespace, r.name, 'Background')) stats.deleted++;
      } catch (e) {
        if (!(e instanceof KubeError && e.code === 404)) stats.errors.push(`prune ${r.kind} ${r.name}: ${(e as Error).message}`);
      }
    });
  }
}
