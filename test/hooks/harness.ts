// SPDX-License-Identifier: Apache-2.0
/**
 * Runs a hook the way the batch executable does (binding contexts → buildInput → handle → recorded effects),
 * against an in-memory cluster loaded from multi-document YAML. Values patches are applied to the values,
 * Kubernetes operations are replayed against the cluster, so a second run sees the first run's effects.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { applyPatch, type Operation } from 'fast-json-patch';
import * as yaml from 'js-yaml';
import { compileCrd, compileValuesSchema, formatFieldError, loadCrd, loadValuesSchema, type CompiledCrd, type SchemaValidator } from '../../lib/schemas/index.js';
import { buildInput, type BindingContext, type HookModule, type HookOutput, type KubeObject, type KubeOperation, type KubernetesBinding, type ObjectAndFilterResult } from '../../lib/hook-sdk/index.js';
import { wireConfig } from '../../lib/hook-sdk/wire-config.js';
import { jqEach } from '../../lab/runtime/jq.js';
import { matches, parseSelector } from '../../lib/selector.js';

export const FIXTURES = path.join(__dirname, '..', 'fixtures', 'hooks-scenarios');

/** Objects from multi-document YAML text (empty documents skipped). */
export function parseState(text: string): KubeObject[] {
  return yaml.loadAll(text).filter((d): d is KubeObject => typeof d === 'object' && d !== null);
}

/** Objects from test/fixtures/hooks-scenarios/<name>.yaml. */
export function fixture(name: string): KubeObject[] {
  return parseState(fs.readFileSync(path.join(FIXTURES, `${name}.yaml`), 'utf8'));
}

function group(apiVersion: string | undefined): string {
  const v = apiVersion ?? 'v1';
  return v.includes('/') ? (v.split('/')[0] as string) : '';
}

/** Does a binding watch this object? (kind, API group, names, namespaces, labels) */
export function bindingMatches(b: KubernetesBinding<unknown>, o: KubeObject): boolean {
  if (o.kind?.toLowerCase() !== b.kind.toLowerCase()) return false;
  if (b.apiVersion !== undefined && group(b.apiVersion) !== group(o.apiVersion)) return false;
  if (b.nameSelector && !b.nameSelector.matchNames.includes(o.metadata?.name ?? '')) return false;
  const ns = b.namespace?.nameSelector?.matchNames;
  if (ns && !ns.includes(o.metadata?.namespace ?? '')) return false;
  return !b.labelSelector || matches(parseSelector(b.labelSelector), o.metadata?.labels);
}

const key = (o: { apiVersion?: string; kind?: string; namespace?: string; name?: string }): string => `${group(o.apiVersion)}|${o.kind}|${o.namespace ?? ''}|${o.name}`;
const keyOf = (o: KubeObject): string => key({ apiVersion: o.apiVersion ?? 'v1', kind: o.kind as string, namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return structuredClone(patch);
  const out: Record<string, unknown> = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...(target as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** An in-memory cluster: objects by group/kind/namespace/name. */
export class Cluster {
  readonly objects = new Map<string, KubeObject>();

  constructor(objects: readonly KubeObject[] = []) {
    for (const o of objects) this.put(o);
  }

  put(o: KubeObject): void {
    this.objects.set(keyOf(o), structuredClone(o));
  }

  get(apiVersion: string, kind: string, name: string, namespace = ''): KubeObject | undefined {
    return this.objects.get(key({ apiVersion, kind, namespace, name }));
  }

  list(kind: string): KubeObject[] {
    return [...this.objects.values()].filter((o) => o.kind === kind);
  }

  /** Replays shell-operator operations; an invalid one throws, as it would fail the hook. */
  apply(ops: HookOutput['kube']): void {
    for (const op of ops) {
      if (op.operation === 'Create' || op.operation === 'CreateIfNotExists' || op.operation === 'CreateOrUpdate') {
        const k = keyOf(op.object);
        const had = this.objects.get(k);
        if (had && op.operation === 'Create') throw new Error(`Create: ${k} already exists`);
        if (had && op.operation === 'CreateIfNotExists') continue;
        this.objects.set(k, had ? { ...structuredClone(op.object), status: had.status } : structuredClone(op.object));
        continue;
      }
      const r = op as Exclude<KubeOperation, { object: KubeObject }>;
      const k = key(r);
      const cur = this.objects.get(k) ?? [...this.objects.entries()].find(([x]) => r.apiVersion === undefined && x.endsWith(`|${r.kind}|${r.namespace ?? ''}|${r.name}`))?.[1];
      const realKey = cur ? keyOf(cur) : k;
      if (op.operation === 'Delete' || op.operation === 'DeleteInBackground' || op.operation === 'DeleteNonCascading') {
        this.objects.delete(realKey);
        continue;
      }
      if (!cur) {
        if ('ignoreMissingObject' in op && op.ignoreMissingObject) continue;
        throw new Error(`${op.operation}: ${k} not found`);
      }
      if (op.operation === 'MergePatch') this.objects.set(realKey, mergePatch(cur, op.mergePatch) as KubeObject);
      else if (op.operation === 'JSONPatch') this.objects.set(realKey, applyPatch(structuredClone(cur), op.jsonPatch as Operation[]).newDocument);
      else throw new Error(`${op.operation} is not supported by the test cluster`);
    }
  }
}

export interface RunOptions {
  values?: Record<string, unknown>;
  configValues?: Record<string, unknown>;
  /** Lifecycle binding to run under, or an event's Group context (all bindings, group main); default beforeHelm. */
  binding?: 'onStartup' | 'beforeHelm' | 'afterHelm' | 'Group';
}

export interface RunResult {
  output: HookOutput;
  /** Values after the run's patches. */
  values: Record<string, unknown>;
  configValues: Record<string, unknown>;
}

/** One binding's snapshot items as addon-operator keeps them: the jqFilter (run by the jq binary) and the object when kept. */
export function snapshotOf(b: KubernetesBinding<unknown>, objects: Iterable<KubeObject>): ObjectAndFilterResult[] {
  const wire = wireConfig({ kubernetes: [b] }).kubernetes?.[0];
  const kept = [...objects].filter((o) => bindingMatches(b, o));
  const results = b.jqFilter !== undefined ? jqEach(b.jqFilter, kept) : [];
  return kept.map((o, i) => ({ ...(wire?.keepFullObjectsInMemory !== false ? { object: structuredClone(o) } : {}), ...(b.jqFilter !== undefined ? { filterResult: results[i] } : {}) }));
}

/** Snapshots for every kubernetes binding of a hook from the cluster, as addon-operator passes them on a lifecycle run. */
export function contextsFor(mod: HookModule, cluster: Cluster, binding: RunOptions['binding'] = 'beforeHelm'): BindingContext[] {
  if (binding === 'onStartup') return [{ binding: 'onStartup' }];
  const snapshots: Record<string, ObjectAndFilterResult[]> = {};
  for (const b of mod.config.kubernetes ?? []) snapshots[b.name] = snapshotOf(b, cluster.objects.values());
  if (binding === 'Group') return [{ binding: mod.config.kubernetes?.[0]?.name ?? 'main', type: 'Group', groupName: 'main', snapshots }];
  return [{ binding, snapshots }];
}

let valuesValidator: SchemaValidator | undefined;
const crds = new Map<string, CompiledCrd | null>();

/** Values errors against openapi/values.yaml (after defaults), as addon-operator checks after every hook run. */
export function valuesErrors(values: Record<string, unknown>): string[] {
  valuesValidator ??= compileValuesSchema(loadValuesSchema(), { prefix: ['metallb'] });
  const r = valuesValidator(values.metallb ?? {});
  return r.errors.map(formatFieldError);
}

/** Schema errors of an object the hook creates, when the module ships its CRD. */
export function objectErrors(o: KubeObject): string[] {
  const kind = o.kind ?? '';
  if (!crds.has(kind)) {
    try {
      crds.set(kind, compileCrd(loadCrd(kind)));
    } catch {
      crds.set(kind, null);
    }
  }
  const crd = crds.get(kind);
  const version = (o.apiVersion ?? '').split('/')[1] ?? '';
  const v = crd?.versions[version];
  return v ? v(o).errors.map((e) => `${kind}/${o.metadata?.name}: ${formatFieldError(e)}`) : [];
}

/** Runs a hook once; the cluster is updated with its Kubernetes operations. Invalid values or created objects fail the run. */
export async function runHook(mod: HookModule, cluster: Cluster, o: RunOptions = {}): Promise<RunResult> {
  const values = structuredClone(o.values ?? { metallb: { internal: {} } });
  const configValues = structuredClone(o.configValues ?? { metallb: {} });
  const { input, output } = buildInput(mod.config, contextsFor(mod, cluster, o.binding), values, configValues, { module: 'metallb' });
  await mod.handle(input);
  const out = output();
  const created = out.kube.flatMap((op) => ('object' in op ? [op.object] : []));
  const errs = created.flatMap(objectErrors);
  if (errs.length) throw new Error(`the hook creates invalid objects: ${errs.join('; ')}`);
  cluster.apply(out.kube);
  const after = applyPatch(values, out.values as Operation[], false, false).newDocument;
  const verrs = valuesErrors(after);
  if (verrs.length) throw new Error(`the hook's values fail openapi/values.yaml: ${verrs.join('; ')}`);
  return { output: out, values: after, configValues: applyPatch(configValues, out.configValues as Operation[], false, false).newDocument };
}

/** Reads a dotted path from values. */
export function at(values: unknown, p: string): unknown {
  return p.split('.').reduce<unknown>((cur, k) => (typeof cur === 'object' && cur !== null ? (cur as Record<string, unknown>)[k] : undefined), values);
}

/** What the templates render per `internal.l2lbservices` entry, reduced to what the hooks read back. */
export function renderInstances(values: unknown): KubeObject[] {
  const list = (at(values, 'metallb.internal.l2lbservices') ?? []) as { name: string; namespace: string; serviceName: string; serviceNamespace: string; mlbcName: string; preferredNode: string }[];
  return list.map((i) => ({
    apiVersion: 'internal.network.deckhouse.io/v1alpha1',
    kind: 'SDNInternalL2LBService',
    metadata: { name: i.name, namespace: i.namespace, labels: { 'parent-service': i.serviceName }, annotations: { 'metallb.io/preferredL2SpeakerNode': i.preferredNode, 'metallb.io/address-pool': i.mlbcName } },
    spec: { type: 'LoadBalancer', serviceRef: { name: i.serviceName, namespace: i.serviceNamespace } },
  }));
}

/** Replaces the cluster's instances with those rendered from values, as a Helm upgrade with pruning would. */
export function syncInstances(cluster: Cluster, values: unknown): void {
  for (const o of cluster.list('SDNInternalL2LBService')) cluster.objects.delete(keyOf(o));
  for (const o of renderInstances(values)) cluster.put(o);
}
