// SPDX-License-Identifier: Apache-2.0
/** Kubernetes operations a hook asks for, in shell-operator's KUBERNETES_PATCH_PATH format. */
import type { KubeObject } from './types.js';
import type { JsonPatchOp } from './values.js';

/** Which object an operation targets. `apiVersion` and `namespace` are optional, as in shell-operator. */
export interface ObjectRef {
  apiVersion?: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface PatchOptions {
  subresource?: string;
  ignoreMissingObject?: boolean;
}

export type KubeOperation =
  | { operation: 'Create' | 'CreateOrUpdate' | 'CreateIfNotExists'; object: KubeObject; subresource?: string }
  | ({ operation: 'Delete' | 'DeleteInBackground' | 'DeleteNonCascading' } & ObjectRef)
  | ({ operation: 'MergePatch'; mergePatch: unknown } & ObjectRef & PatchOptions)
  | ({ operation: 'JSONPatch'; jsonPatch: JsonPatchOp[] } & ObjectRef & PatchOptions)
  | ({ operation: 'JQPatch'; jqFilter: string } & ObjectRef & PatchOptions);

export const KUBE_OPERATIONS = ['Create', 'CreateOrUpdate', 'CreateIfNotExists', 'Delete', 'DeleteInBackground', 'DeleteNonCascading', 'MergePatch', 'JSONPatch', 'JQPatch'] as const;

function ref(r: ObjectRef): ObjectRef {
  const o: ObjectRef = { kind: r.kind, name: r.name };
  if (r.apiVersion !== undefined) o.apiVersion = r.apiVersion;
  if (r.namespace !== undefined) o.namespace = r.namespace;
  return o;
}

function opts(o: PatchOptions | undefined): PatchOptions {
  const out: PatchOptions = {};
  if (o?.subresource !== undefined) out.subresource = o.subresource;
  if (o?.ignoreMissingObject !== undefined) out.ignoreMissingObject = o.ignoreMissingObject;
  return out;
}

/** Records operations in call order; `operations()` is what goes to KUBERNETES_PATCH_PATH. */
export class KubeOps {
  #ops: KubeOperation[] = [];

  /** Fails if the object exists. */
  create(object: KubeObject, subresource?: string): void {
    this.#push({ operation: 'Create', object, ...(subresource !== undefined ? { subresource } : {}) });
  }

  /** Creates, or updates if it exists (`.status` is not updated). */
  createOrUpdate(object: KubeObject, subresource?: string): void {
    this.#push({ operation: 'CreateOrUpdate', object, ...(subresource !== undefined ? { subresource } : {}) });
  }

  createIfNotExists(object: KubeObject, subresource?: string): void {
    this.#push({ operation: 'CreateIfNotExists', object, ...(subresource !== undefined ? { subresource } : {}) });
  }

  /** Foreground deletion. */
  delete(r: ObjectRef): void {
    this.#push({ operation: 'Delete', ...ref(r) });
  }

  deleteInBackground(r: ObjectRef): void {
    this.#push({ operation: 'DeleteInBackground', ...ref(r) });
  }

  deleteNonCascading(r: ObjectRef): void {
    this.#push({ operation: 'DeleteNonCascading', ...ref(r) });
  }

  /** RFC 7386 merge patch. */
  mergePatch(r: ObjectRef, mergePatch: unknown, o?: PatchOptions): void {
    this.#push({ operation: 'MergePatch', ...ref(r), mergePatch, ...opts(o) });
  }

  /** RFC 6902 JSON patch. */
  jsonPatch(r: ObjectRef, jsonPatch: JsonPatchOp[], o?: PatchOptions): void {
    this.#push({ operation: 'JSONPatch', ...ref(r), jsonPatch, ...opts(o) });
  }

  /** get → jq → update. */
  jqPatch(r: ObjectRef, jqFilter: string, o?: PatchOptions): void {
    this.#push({ operation: 'JQPatch', ...ref(r), jqFilter, ...opts(o) });
  }

  operations(): KubeOperation[] {
    return structuredClone(this.#ops);
  }

  #push(op: KubeOperation): void {
    this.#ops.push(structuredClone(op));
  }
}

/** One compact JSON object per line, as Deckhouse's shell_lib writes them. */
export function encodeKubeOperations(ops: readonly KubeOperation[]): string {
  return ops.map((o) => JSON.stringify(o) + '\n').join('');
}
