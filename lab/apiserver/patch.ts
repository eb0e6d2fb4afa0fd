// SPDX-License-Identifier: Apache-2.0
/** JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch for the core kinds. Pure. */
import { applyPatch, type Operation } from 'fast-json-patch';
import { clone, isRecord } from './types.js';

export class PatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatchError';
  }
}

/** RFC 7386: objects merge, null deletes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** RFC 6902, all-or-nothing. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('json patch must be an array of operations');
  try {
    return applyPatch(clone(target), ops as Operation[], true, false).newDocument;
  } catch (e) {
    const err = e as { name?: string; message: string };
    throw new PatchError(err.name === 'TEST_OPERATION_FAILED' ? 'the test operation failed' : err.message.split('\n')[0] ?? err.message);
  }
}

/** How a list merges: by a key field, as a set of primitives, or replaced whole. */
export type ListRule = { key: string } | 'set' | 'replace';

/**
 * patchMergeKey of the lists the core kinds declare (k8s.io/api struct tags), by field name
 * and, where the name is ambiguous, by the path of field names leading to it.
 */
export function listRule(path: string[]): ListRule {
  const name = path[path.length - 1] ?? '';
  const joined = path.join('.');
  if (name === 'ports') return joined === 'spec.ports' ? { key: 'port' } : { key: 'containerPort' };
  const byName: Record<string, ListRule> = {
    containers: { key: 'name' }, initContainers: { key: 'name' }, ephemeralContainers: { key: 'name' },
    env: { key: 'name' }, volumes: { key: 'name' }, volumeMounts: { key: 'mountPath' }, volumeDevices: { key: 'devicePath' },
    imagePullSecrets: { key: 'name' }, conditions: { key: 'type' }, addresses: { key: 'type' }, ownerReferences: { key: 'uid' },
    hostAliases: { key: 'ip' }, topologySpreadConstraints: { key: 'topologyKey' }, taints: { key: 'key' },
    resourceClaims: { key: 'name' }, finalizers: 'set',
  };
  if (joined === 'status.addresses' || name in byName) return byName[name] ?? 'replace';
  return 'replace';
}

const DIRECTIVE = '$patch';

/**
 * Strategic merge patch: maps merge like a merge patch; lists with a merge key merge by it,
 * `$patch: delete|replace` and `$deleteFromPrimitiveList/<f>` are honoured, `$setElementOrder` and `$retainKeys` are dropped.
 */
export function strategicMerge(target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isRecord(patch)) return clone(patch);
  if (patch[DIRECTIVE] === 'replace') {
    const { [DIRECTIVE]: _, ...rest } = patch;
    return clone(rest);
  }
  if (patch[DIRECTIVE] === 'delete') return undefined;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$setElementOrder/') || k === '$retainKeys' || k === DIRECTIVE) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const cur = out[field];
      if (Array.isArray(cur) && Array.isArray(v)) out[field] = cur.filter((x) => !v.includes(x));
      continue;
    }
    if (v === null) {
      delete out[k];
      continue;
    }
    const sub = [...path, k];
    if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, sub);
      continue;
    }
    const merged = strategicMerge(out[k], v, sub);
    if (merged === undefined) delete out[k];
    else out[k] = merged;
  }
  return out;
}

function mergeList(target: unknown, patch: unknown[], path: string[]): unknown[] {
  const rule = listRule(path);
  const cur = Array.isArray(target) ? target : [];
  if (patch.some((p) => isRecord(p) && p[DIRECTIVE] === 'replace')) {
    return patch.filter((p) => !(isRecord(p) && p[DIRECTIVE] === 'replace')).map((p) => clone(p));
  }
  if (rule === 'replace') return patch.map((p) => strategicMerge(undefined, p, path));
  if (rule === 'set') return [...cur, ...patch.filter((p) => !cur.includes(p))].map((p) => clone(p));
  const out = [...cur];
  for (const p of patch) {
    if (!isRecord(p)) throw new PatchError(`${path.join('.')}: list items must be objects with "${rule.key}"`);
    const id = p[rule.key];
    const i = out.findIndex((c) => isRecord(c) && c[rule.key] === id);
    if (p[DIRECTIVE] === 'delete') {
      if (i >= 0) out.splice(i, 1);
      continue;
    }
    if (i >= 0) out[i] = strategicMerge(out[i], p, path);
    else out.push(strategicMerge(undefined, p, path));
  }
  return out;
}
