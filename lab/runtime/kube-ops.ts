// SPDX-License-Identifier: Apache-2.0
/** Carries out a hook's KUBERNETES_PATCH_PATH operations against the API, as shell-operator's ObjectPatcher does. */
import { eachLimited } from '../../lib/each-limited.js';
import type { KubeObject, KubeOperation } from '../../lib/hook-sdk/index.js';
import { jqOne } from './jq.js';
import { KubeError, type Kube } from './kube.js';

function coords(op: { apiVersion?: string; kind: string; namespace?: string; name: string }): [string, string, string | undefined, string] {
  return [op.apiVersion ?? 'v1', op.kind, op.namespace, op.name];
}

async function createOrUpdate(kube: Kube, obj: KubeObject, subresource?: string): Promise<void> {
  try {
    await kube.create(obj);
  } catch (e) {
    if (!(e instanceof KubeError && e.code === 409)) throw e;
    const live = await kube.get(obj.apiVersion ?? 'v1', obj.kind ?? '', obj.metadata?.namespace, obj.metadata?.name ?? '');
    const next = { ...obj, metadata: { ...obj.metadata, resourceVersion: live?.metadata?.resourceVersion ?? '' } };
    await kube.replace(next, subresource);
  }
}

async function missingOk<T>(ignore: boolean | undefined, fn: () => Promise<T>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (ignore && e instanceof KubeError && e.code === 404) return;
    throw e;
  }
}

/** Applies one operation; throws with the operation named on failure. */
export async function applyKubeOperation(kube: Kube, op: KubeOperation): Promise<void> {
  try {
    switch (op.operation) {
      case 'Create':
        await kube.create(op.object);
        return;
      case 'CreateOrUpdate':
        await createOrUpdate(kube, op.object, op.subresource);
        return;
      case 'CreateIfNotExists':
        try {
          await kube.create(op.object);
        } catch (e) {
          if (!(e instanceof KubeError && e.code === 409)) throw e;
        }
        return;
      case 'Delete':
        await kube.delete(...coords(op), 'Foreground');
        return;
      case 'DeleteInBackground':
        await kube.delete(...coords(op), 'Background');
        return;
      case 'DeleteNonCascading':
        await kube.delete(...coords(op), 'Orphan');
        return;
      case 'MergePatch':
        await missingOk(op.ignoreMissingObject, () => kube.patch(...coords(op), 'merge', op.mergePatch, op.subresource));
        return;
      case 'JSONPatch':
        await missingOk(op.ignoreMissingObject, () => kube.patch(...coords(op), 'json', op.jsonPatch, op.subresource));
        return;
      case 'JQPatch': {
        const live = await kube.get(...coords(op));
        if (!live) {
          if (op.ignoreMissingObject) return;
          throw new KubeError(404, 'NotFound', `${op.kind} ${op.namespace ? op.namespace + '/' : ''}${op.name} not found`);
        }
        const next = jqOne(op.jqFilter, live) as KubeObject;
        await kube.replace({ ...next, apiVersion: live.apiVersion ?? op.apiVersion ?? 'v1', kind: live.kind ?? op.kind }, op.subresource);
        return;
      }
      default:
        throw new Error(`unknown operation ${JSON.stringify((op as { operation: unknown }).operation)}`);
    }
  } catch (e) {
    throw new Error(`${op.operation} failed: ${(e as Error).message}`, { cause: e });
  }
}

/** What an operation does to which kind, and the object it targets. */
function target(op: KubeOperation): { what: string; object: string } {
  const o = 'object' in op ? { apiVersion: op.object.apiVersion, kind: op.object.kind ?? '', namespace: op.object.metadata?.namespace, name: op.object.metadata?.name ?? '' } : op;
  return { what: `${op.operation} ${o.apiVersion ?? 'v1'} ${o.kind}`, object: `${o.namespace ?? ''}/${o.name}` };
}

/**
 * Splits operations into runs that may go out together: consecutive operations of the same kind and type on
 * distinct objects. Whatever could depend on an earlier operation (another kind, the same object) starts a new run.
 * Pure.
 */
export function concurrentRuns(ops: readonly KubeOperation[]): KubeOperation[][] {
  const runs: KubeOperation[][] = [];
  let what = '';
  let objects = new Set<string>();
  for (const op of ops) {
    const t = target(op);
    const last = runs[runs.length - 1];
    if (last && t.what === what && !objects.has(t.object)) last.push(op);
    else {
      runs.push([op]);
      what = t.what;
      objects = new Set();
    }
    objects.add(t.object);
  }
  return runs;
}

/** A hook's operations in their order, up to `width` of one run (see `concurrentRuns`) at once; stops at the first failure. */
export async function applyKubeOperations(kube: Kube, ops: readonly KubeOperation[], width = 16): Promise<void> {
  for (const run of concurrentRuns(ops)) await eachLimited(run, width, (op) => applyKubeOperation(kube, op));
}
