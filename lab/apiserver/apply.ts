// SPDX-License-Identifier: Apache-2.0
/**
 * Server-side apply, as far as `kubectl apply --server-side` and helm need it: each Apply manager
 * owns the fields of its last applied configuration (kept in managedFields as FieldsV1); fields it
 * stops applying are removed unless another manager owns them; a field another manager owns with
 * a different value is a conflict unless forced. Pure.
 */
import { listRule, strategicMerge, mergePatch } from './patch.js';
import { clone, isRecord, type KObject } from './types.js';

/** FieldsV1: `{"f:spec":{"f:ports":{"k:{\"port\":80}":{...}}}}`. */
export type FieldSet = { [k: string]: FieldSet };

export interface ManagedEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldSet;
}

const SKIP_ROOT = new Set(['apiVersion', 'kind']);
const SKIP_META = new Set(['name', 'namespace', 'resourceVersion', 'uid', 'managedFields', 'creationTimestamp', 'generation']);

/** The fields a configuration sets. Lists with a merge key are per item; other lists are atomic. */
export function fieldSet(v: unknown, path: string[] = []): FieldSet {
  const out: FieldSet = {};
  if (!isRecord(v)) return out;
  for (const [k, x] of Object.entries(v)) {
    if (path.length === 0 && SKIP_ROOT.has(k)) continue;
    if (path.length === 1 && path[0] === 'metadata' && SKIP_META.has(k)) continue;
    const sub = [...path, k];
    const rule = listRule(sub);
    if (Array.isArray(x) && typeof rule === 'object') {
      const items: FieldSet = {};
      for (const item of x) if (isRecord(item)) items[`k:${JSON.stringify({ [rule.key]: item[rule.key] })}`] = fieldSet(item, sub);
      out[`f:${k}`] = items;
    } else if (isRecord(x)) {
      const inner = fieldSet(x, sub);
      // metadata itself is not a field anyone applies; only what is in it.
      if (path.length > 0 || k !== 'metadata' || Object.keys(inner).length) out[`f:${k}`] = inner;
    } else out[`f:${k}`] = {};
  }
  return out;
}

function has(set: FieldSet | undefined, key: string): boolean {
  return set !== undefined && Object.prototype.hasOwnProperty.call(set, key);
}

/** Deletes from `obj` what `old` owned and `next` does not, unless one of `others` owns it. */
function dropReleased(obj: unknown, old: FieldSet, next: FieldSet | undefined, others: FieldSet[]): void {
  for (const [key, sub] of Object.entries(old)) {
    const otherSubs = others.filter((o) => has(o, key)).map((o) => o[key] as FieldSet);
    const keep = has(next, key);
    if (key.startsWith('f:') && isRecord(obj)) {
      const name = key.slice(2);
      if (!keep && otherSubs.length === 0) delete obj[name];
      else if (Object.keys(sub).length) dropReleased(obj[name], sub, keep ? next?.[key] : {}, otherSubs);
    } else if (key.startsWith('k:') && Array.isArray(obj)) {
      const id = JSON.parse(key.slice(2)) as Record<string, unknown>;
      const [k, want] = Object.entries(id)[0] ?? ['', undefined];
      const i = obj.findIndex((x) => isRecord(x) && x[k] === want);
      if (i < 0) continue;
      if (!keep && otherSubs.length === 0) obj.splice(i, 1);
      else dropReleased(obj[i], sub, keep ? next?.[key] : {}, otherSubs);
    }
  }
}

/** Leaf paths of `set` (as `.spec.x`) whose value differs between `a` and `b`. */
function differing(set: FieldSet, a: unknown, b: unknown, at = ''): string[] {
  const out: string[] = [];
  for (const [key, sub] of Object.entries(set)) {
    if (!key.startsWith('f:')) continue;
    const name = key.slice(2);
    const x = isRecord(a) ? a[name] : undefined;
    const y = isRecord(b) ? b[name] : undefined;
    if (Object.keys(sub).length && isRecord(x) && isRecord(y)) out.push(...differing(sub, x, y, `${at}.${name}`));
    else if (Object.keys(sub).length === 0 && x !== undefined && JSON.stringify(x) !== JSON.stringify(y)) out.push(`${at}.${name}`);
  }
  return out;
}

export interface ApplyResult {
  object: KObject;
  /** `conflict with "helm" using v1: .spec.x`, when not forced. */
  conflicts: string[];
}

/** Applies `config` for `manager` onto `live`; `structured` selects strategic merge (built-in kinds). */
export function serverSideApply(live: KObject, config: KObject, manager: string, force: boolean, structured: boolean, now: string): ApplyResult {
  const entries = (Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields : []).filter(isRecord) as unknown as ManagedEntry[];
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Apply');
  const others = entries.filter((e) => e !== mine);
  const next = fieldSet(config);
  const conflicts: string[] = [];
  for (const o of others) for (const p of differing(next, config, live)) if (owns(o.fieldsV1, p)) conflicts.push(`conflict with "${o.manager}" using ${o.apiVersion}: ${p}`);
  if (conflicts.length && !force) return { object: live, conflicts };
  const obj = clone(live);
  if (mine) dropReleased(obj, mine.fieldsV1, next, others.map((o) => o.fieldsV1));
  const { metadata: cm, ...rest } = config;
  const patch = { ...rest, metadata: { labels: cm.labels, annotations: cm.annotations, finalizers: cm.finalizers, ownerReferences: cm.ownerReferences } };
  const merged = (structured ? strategicMerge(obj, dropUndefined(patch)) : mergePatch(obj, dropUndefined(patch))) as KObject;
  const entry: ManagedEntry = { manager, operation: 'Apply', apiVersion: String(config.apiVersion ?? live.apiVersion ?? ''), time: now, fieldsType: 'FieldsV1', fieldsV1: next };
  merged.metadata.managedFields = [...others.map((o) => (force ? { ...o, fieldsV1: without(o.fieldsV1, next) } : o)), entry];
  return { object: merged, conflicts: [] };
}

function owns(set: FieldSet, dotted: string): boolean {
  let cur: FieldSet | undefined = set;
  for (const p of dotted.split('.').slice(1)) cur = cur?.[`f:${p}`];
  return cur !== undefined;
}

function without(set: FieldSet, taken: FieldSet): FieldSet {
  const out: FieldSet = {};
  for (const [k, sub] of Object.entries(set)) {
    const t = taken[k];
    if (t === undefined) out[k] = sub;
    else if (Object.keys(sub).length && Object.keys(t).length) {
      const rest = without(sub, t);
      if (Object.keys(rest).length) out[k] = rest;
    }
  }
  return out;
}

function dropUndefined(v: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === undefined) continue;
    out[k] = isRecord(x) ? dropUndefined(x) : x;
  }
  return out;
}
