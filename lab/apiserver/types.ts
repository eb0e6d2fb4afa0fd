// SPDX-License-Identifier: Apache-2.0
/** The shapes the API server stores and serves. */

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
  const { metadata: _m, apiVersion: _a, kind: _k, status, ...rest } = o;
  return canonical(statusApart ? rest : { ...rest, status });
}

/** JSON with object keys sorted, so equal objects give equal text. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (isRecord(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
}
