// SPDX-License-Identifier: Apache-2.0
/** The shapes the API server stores and serves. */
import { canonicalJson } from '../../lib/canonical-json.js';

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }>;
  managedFields?: unknown[];
  [k: string]: unknown;
}

/** Any Kubernetes object as JSON. */
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [k: string]: unknown;
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** True for a plain JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep copy through JSON: objects here are always plain JSON. */
export function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

/** Everything but identity, metadata (and status, when status is a subresource), for generation. */
export function specOf(o: KObject, statusApart: boolean): string {
  return canonicalJson(specPart(o, statusApart));
}

function specPart(o: KObject, statusApart: boolean): Record<string, unknown> {
  const { metadata: _m, apiVersion: _a, kind: _k, status, ...rest } = o;
  return statusApart ? rest : { ...rest, status };
}

/** True when the spec parts (as specOf sees them) are equal: a write that must bump generation when false. */
export function sameSpec(a: KObject, b: KObject, statusApart: boolean): boolean {
  return sameJson(specPart(a, statusApart), specPart(b, statusApart));
}

/**
 * Deep equality as JSON text would see it, without building the text: key order does not matter and
 * a key whose value is undefined counts as absent. Same answer as comparing canonicalJson(), far cheaper.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // Dates and the like: whatever JSON.stringify makes of them.
  if (hasToJson(a) || hasToJson(b)) return JSON.stringify(a) === JSON.stringify(b);
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    const v = x[k];
    if (v === undefined) continue;
    n++;
    if (!sameJson(v, Object.hasOwn(y, k) ? y[k] : undefined)) return false;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

function hasToJson(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { toJSON?: unknown }).toJSON === 'function';
}

