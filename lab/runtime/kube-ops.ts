// SPDX-License-Identifier: Apache-2.0
/** Carries out a hook's KUBERNETES_PATCH_PATH operations against the API, as shell-operator's ObjectPatcher does. */
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
