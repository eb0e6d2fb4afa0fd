// SPDX-License-Identifier: Apache-2.0
/**
 * The API's semantics, without HTTP: create, read, update, patch, delete, list and watch with
 * resourceVersions, optimistic concurrency, generation, finalizers, namespace cascade, owner
 * garbage collection, CRD registration and validation. Pure apart from the injected wall clock.
 */
import { randomUUID } from 'node:crypto';
import { fieldSet, serverSideApply, type ManagedEntry } from './apply.js';
import { applyDefaults, eventFromCore, eventToCore, hasGeneration, resetsStatusOnCreate, validateBuiltin } from './builtins.js';
import { CrdError, crdStatus, typeFromCrd } from './crd.js';
import { generatedName, nameError } from './names.js';
import { jsonPatch, mergePatch, PatchError, strategicMerge } from './patch.js';
import { apiVersionOf, builtinTypes, storageKey, type ResourceType } from './resources.js';
import { objectMatcher, SelectorError } from './selectors.js';
import { allocateService, LAB_SERVICE_NETWORK, ServiceHoldings, type InUse, type ServiceNetwork } from './service-alloc.js';
import { alreadyExists, badRequest, conflict, gone, invalid, notFound, StatusError, success, type StatusBody, type StatusCause, type Subject } from './status.js';
import { Store, TooOldError, type Snapshot, type StoreEvent } from './store.js';
import { clone, isRecord, sameJson, sameSpec, type KObject, type WatchType } from './types.js';

/** What a request is about: a kind in one served version, maybe a namespace, name and subresource. */
export interface Target {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: string;
  /** Server-side apply: who applies, and whether to take fields other managers own. */
  fieldManager?: string;
  force?: boolean;
  /** The body was decoded for this call alone (an HTTP request's), so it needs no defensive copy. */
  ownedBody?: boolean;
}

export interface Selection {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface Written {
  object: KObject;
  warnings: string[];
  created: boolean;
  /** `object` as JSON text, shared with list and watch answers of the same stored version. */
  json(): string;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** The objects a list or watch selects; bad selectors are 400s. */
function matcherOf(t: Target, sel: Selection): (o: KObject) => boolean {
  try {
    return objectMatcher(sel, t.type.fields, t.namespace, t.type.group === 'events.k8s.io' ? eventFromCore : undefined);
  } catch (e) {
    if (e instanceof SelectorError) throw badRequest(e.message);
    throw e;
  }
}

const CRD_KIND = 'customresourcedefinitions.apiextensions.k8s.io';

export class Api {
  readonly store: Store;
  // "group/version/resource" -> kind
  #types = new Map<string, ResourceType>();
  #changed: () => void;

  readonly serviceNetwork: ServiceNetwork;
  /** ClusterIPs and NodePorts of the stored Services. */
  readonly #holdings: ServiceHoldings;

  constructor(opts: { window?: number; snapshot?: Snapshot; now?: () => number; onChange?: () => void; serviceNetwork?: ServiceNetwork } = {}) {
    this.store = new Store(opts.window, opts.snapshot);
    this.serviceNetwork = opts.serviceNetwork ?? LAB_SERVICE_NETWORK;
    this.#holdings = new ServiceHoldings(this.serviceNetwork);
    for (const s of this.store.values('services')) this.#holdings.add(s);
    this.store.subscribe((e) => {
      if (e.kind !== 'services') return;
      if (e.type === 'DELETED' || e.prev) this.#holdings.remove(e.prev ?? e.object);
      if (e.type !== 'DELETED') this.#holdings.add(e.object);
    });
    this.now = opts.now ?? Date.now;
    this.#changed = opts.onChange ?? (() => undefined);
    for (const t of builtinTypes()) this.#register(t);
    for (const crd of this.store.list(CRD_KIND)) this.#register(typeFromCrd(crd));
  }

  readonly now: () => number;

  /** Every served kind, once each. */
  types(): ResourceType[] {
    return [...new Set(this.#types.values())];
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.#types.get(`${group}/${version}/${resource}`);
  }

  get(t: Target): KObject {
    return this.#serve(t, this.#existing(t));
  }

  list(t: Target, sel: Selection): { items: KObject[]; resourceVersion: string } {
    const match = matcherOf(t, sel);
    const items = this.store.list(storageKey(t.type), t.namespace).filter(match).map((o) => this.#serve(t, o));
    return { items, resourceVersion: String(this.store.resourceVersion) };
  }

  /** The list as JSON text, from per-object JSON that is computed once per stored object and version. */
  listJson(t: Target, sel: Selection): string {
    const match = matcherOf(t, sel);
    const items = this.store.list(storageKey(t.type), t.namespace).filter(match).map((o) => this.#jsonOf(t, o));
    const apiVersion = apiVersionOf(t.type.group, t.version);
    return `{"kind":"${t.type.kind}List","apiVersion":"${apiVersion}","metadata":{"resourceVersion":"${this.store.resourceVersion}"},"items":[${items.join(',')}]}`;
  }

  create(t: Target, body: unknown, opts: WriteOptions): Written {
    const o = this.#decode(t, body, opts.ownedBody === true);
    if (t.type.namespaced) this.#checkNamespace(t, o);
    if (!o.metadata.name && o.metadata.generateName) o.metadata.name = generatedName(o.metadata.generateName);
    const name = o.metadata.name ?? '';
    const subject = this.#subject(t, name);
    if (!name) throw invalid({ ...subject, kind: t.type.kind }, [{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
    const bad = nameError(name, t.type.resource === 'namespaces', t.type.group === 'rbac.authorization.k8s.io');
    if (bad) throw invalid({ ...subject, kind: t.type.kind }, [{ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${bad}` }]);
    if (this.store.get(storageKey(t.type), t.namespace, name)) throw alreadyExists(subject);
    const { uid: _u, resourceVersion: _r, deletionTimestamp: _d, creationTimestamp: _c, generation: _g, ...meta } = o.metadata;
    o.metadata = { ...meta, uid: randomUUID(), creationTimestamp: this.#stamp() };
    if (t.type.namespaced) o.metadata.namespace = t.namespace ?? '';
    if (hasGeneration(t.type)) o.metadata.generation = 1;
    if (resetsStatusOnCreate(t.type)) delete o.status;
    return this.#commit(t, o, undefined, opts);
  }

  update(t: Target, body: unknown, opts: WriteOptions): Written {
    const next = this.#decode(t, body, opts.ownedBody === true);
    const old = this.#existing(t);
    const want = next.metadata.resourceVersion;
    if (want && want !== old.metadata.resourceVersion) throw conflict(this.#subject(t, old.metadata.name ?? ''), 'the object has been modified; please apply your changes to the latest version and try again');
    if (next.metadata.uid && next.metadata.uid !== old.metadata.uid) throw conflict(this.#subject(t, old.metadata.name ?? ''), `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    return this.#commit(t, this.#merge(t, old, next), old, opts);
  }

  patch(t: Target, type: PatchType, body: unknown, o: WriteOptions): Written {
    // The patched object shares parts with the stored one: update() must copy it.
    const { ownedBody: _owned, ...opts } = o;
    const old = this.store.get(storageKey(t.type), t.namespace, t.name ?? '');
    if (type === 'apply') return this.#apply(t, old, body, opts);
    if (!old) throw notFound(this.#subject(t, t.name ?? ''));
    const served = this.#serve(t, old);
    let patched: unknown;
    try {
      if (type === 'json') patched = jsonPatch(served, body);
      else if (type === 'merge' || t.type.crd) patched = mergePatch(served, body);
      else patched = strategicMerge(served, body);
    } catch (e) {
      if (e instanceof PatchError) throw new StatusError(422, 'Invalid', e.message);
      throw e;
    }
    if (!isRecord(patched) || !isRecord(patched.metadata)) throw badRequest('the patch removed metadata');
    const next = patched as KObject;
    // A patch carries a resourceVersion only when the client asks for a precondition.
    const asked = isRecord(body) && isRecord(body.metadata) ? body.metadata.resourceVersion : undefined;
    if (typeof asked === 'string' && asked !== old.metadata.resourceVersion) throw conflict(this.#subject(t, old.metadata.name ?? ''), 'the object has been modified; please apply your changes to the latest version and try again');
    next.metadata.resourceVersion = old.metadata.resourceVersion ?? '';
    return this.update(t, next, opts);
  }

  #apply(t: Target, old: KObject | undefined, body: unknown, opts: WriteOptions): Written {
    if (!opts.fieldManager) throw badRequest('PATCH /apply requires fieldManager');
    const config = this.#decode(t, body, false);
    if (!old) {
      config.metadata.name ??= t.name ?? '';
      const entry: ManagedEntry = { manager: opts.fieldManager, operation: 'Apply', apiVersion: apiVersionOf(t.type.group, t.version), time: this.#stamp(), fieldsType: 'FieldsV1', fieldsV1: fieldSet(config) };
      config.metadata.managedFields = [entry];
      return this.create(t, config, opts);
    }
    const r = serverSideApply(this.#serve(t, old), config, opts.fieldManager, opts.force === true, t.type.crd === undefined, this.#stamp());
    if (r.conflicts.length) {
      const n = r.conflicts.length;
      throw new StatusError(409, 'Conflict', `Apply failed with ${n} conflict${n > 1 ? 's' : ''}: ${r.conflicts.join('\n')}`, { name: old.metadata.name ?? '', group: t.type.group, kind: t.type.resource, causes: r.conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: c, field: c.split(': ')[1] ?? '' })) });
    }
    r.object.metadata.resourceVersion = old.metadata.resourceVersion ?? '';
    return this.update(t, r.object, opts);
  }

  /** Deletes now, or marks for deletion while finalizers remain; answers the object or a Success Status. */
  delete(t: Target, opts: WriteOptions & { resourceVersion?: string; uid?: string }): { body: KObject | StatusBody; code: number } {
    const old = this.#existing(t);
    const subject = this.#subject(t, old.metadata.name ?? '');
    if (opts.resourceVersion && opts.resourceVersion !== old.metadata.resourceVersion) throw conflict(subject, `Precondition failed: ResourceVersion in precondition: ${opts.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion ?? ''}`);
    if (opts.uid && opts.uid !== old.metadata.uid) throw conflict(subject, `Precondition failed: UID in precondition: ${opts.uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
    if (opts.dryRun) return { body: this.#serve(t, old), code: 200 };
    const marked = this.#markDeleted(t.type, old);
    if (marked) return { body: this.#serve(t, marked), code: 200 };
    return { body: success({ ...subject, uid: old.metadata.uid ?? '' }), code: 200 };
  }

  deleteCollection(t: Target, sel: Selection, opts: WriteOptions): { items: KObject[]; resourceVersion: string } {
    const l = this.list(t, sel);
    if (!opts.dryRun) for (const o of l.items) this.delete({ ...t, name: o.metadata.name ?? '', namespace: o.metadata.namespace ?? '' }, opts);
    return l;
  }

  /**
   * Streams changes after `rv` ("" or "0": the current objects as ADDED first). Throws a 410
   * StatusError when `rv` is older than the history (or newer than the server: it restarted).
   */
  watch(t: Target, rv: string | undefined, sel: Selection, emit: (type: WatchType, o: KObject, json: () => string) => void): () => void {
    const kind = storageKey(t.type);
    const match = matcherOf(t, sel);
    const send = (type: WatchType, o: KObject): void => emit(type, this.#serve(t, o), () => this.#jsonOf(t, o));
    const deliver = (e: StoreEvent): void => {
      if (e.kind !== kind) return;
      const now = match(e.object);
      const before = e.prev ? match(e.prev) : false;
      if (e.type === 'MODIFIED' && now !== before) send(now ? 'ADDED' : 'DELETED', e.object);
      else if (now) send(e.type, e.object);
    };
    if (!rv || rv === '0') {
      for (const o of this.store.list(kind, t.namespace)) if (match(o)) send('ADDED', o);
    } else {
      const n = Number(rv);
      if (!Number.isInteger(n) || n < 0) throw badRequest(`invalid resource version: ${rv}`);
      if (n > this.store.resourceVersion) throw gone(`too old resource version: ${rv} (${this.store.resourceVersion})`);
      try {
        for (const e of this.store.since(kind, n)) deliver(e);
      } catch (e) {
        if (e instanceof TooOldError) throw gone(`too old resource version: ${e.asked} (${e.oldest})`);
        throw e;
      }
    }
    return this.store.subscribe(deliver);
  }

  #register(t: ResourceType): void {
    for (const v of t.versions) this.#types.set(`${t.group}/${v}/${t.resource}`, t);
  }

  #unregister(crdName: string): void {
    for (const [k, t] of this.#types) if (t.crd === crdName) this.#types.delete(k);
  }

  #stamp(): string {
    return new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  }

  #subject(t: Target, name: string): Subject & { kind: string } {
    return { group: t.type.group, resource: t.type.resource, kind: t.type.kind, name };
  }

  #existing(t: Target): KObject {
    const o = this.store.get(storageKey(t.type), t.namespace, t.name ?? '');
    if (!o) throw notFound(this.#subject(t, t.name ?? ''));
    return o;
  }

  // stored object -> served apiVersion -> JSON text
  #json = new WeakMap<KObject, Map<string, string>>();

  #jsonOf(t: Target, o: KObject): string {
    const v = `${t.type.group}/${t.version}`;
    let m = this.#json.get(o);
    if (!m) this.#json.set(o, (m = new Map()));
    let text = m.get(v);
    if (text === undefined) m.set(v, (text = JSON.stringify(this.#serve(t, o))));
    return text;
  }

  /** The stored object as the asked version serves it. */
  #serve(t: Target, o: KObject): KObject {
    if (t.type.group === 'events.k8s.io') return eventFromCore(o);
    return { ...o, apiVersion: apiVersionOf(t.type.group, t.version), kind: t.type.kind };
  }

  #decode(t: Target, body: unknown, owned: boolean): KObject {
    if (!isRecord(body)) throw badRequest('the body of the request must be a JSON or YAML object');
    const o = (owned ? body : clone(body)) as KObject;
    if (!isRecord(o.metadata)) o.metadata = {};
    const expect = apiVersionOf(t.type.group, t.version);
    if ((o.kind !== undefined && o.kind !== t.type.kind) || (o.apiVersion !== undefined && o.apiVersion !== expect)) {
      throw badRequest(`the API version in the data (${String(o.apiVersion)}) does not match the expected API version (${expect})`);
    }
    if (t.type.namespaced && o.metadata.namespace && t.namespace && o.metadata.namespace !== t.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (t.name !== undefined && o.metadata.name && o.metadata.name !== t.name) throw badRequest('the name of the object does not match the name on the URL');
    return t.type.group === 'events.k8s.io' ? eventToCore(o) : o;
  }

  #checkNamespace(t: Target, o: KObject): void {
    const nsName = t.namespace ?? o.metadata.namespace ?? '';
    const ns = this.store.get('namespaces', undefined, nsName);
    if (!ns) throw notFound({ group: '', resource: 'namespaces', name: nsName });
    if (ns.metadata.deletionTimestamp) throw new StatusError(403, 'Forbidden', `${t.type.resource} "${o.metadata.name ?? ''}" is forbidden: unable to create new content in namespace ${nsName} because it is being terminated`, { name: o.metadata.name ?? '', group: t.type.group, kind: t.type.resource, causes: [{ reason: 'NamespaceTerminating', message: `namespace ${nsName} is being terminated`, field: 'metadata.namespace' }] });
  }

  /** The new object an update writes: identity from the old one, and spec or status per subresource. */
  #merge(t: Target, old: KObject, next: KObject): KObject {
    if (t.subresource === 'status') return { ...old, status: next.status, metadata: { ...old.metadata } };
    const out: KObject = { ...next, metadata: { ...next.metadata } };
    for (const k of ['uid', 'creationTimestamp', 'namespace', 'name'] as const) {
      if (old.metadata[k] === undefined) delete out.metadata[k];
      else out.metadata[k] = old.metadata[k];
    }
    if (old.metadata.deletionTimestamp) out.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete out.metadata.deletionTimestamp;
    if (old.metadata.generation !== undefined) out.metadata.generation = old.metadata.generation;
    if (out.metadata.managedFields === undefined && old.metadata.managedFields !== undefined) out.metadata.managedFields = old.metadata.managedFields;
    if (t.type.status) {
      if (old.status === undefined) delete out.status;
      else out.status = old.status;
    }
    return out;
  }

  /** Defaults, prunes and validates `o`, then stores it (unless dry-run) with a fresh resourceVersion. */
  #commit(t: Target, input: KObject, old: KObject | undefined, opts: WriteOptions): Written {
    const warnings: string[] = [];
    let o = input;
    const subject = this.#subject(t, o.metadata.name ?? '');
    const schema = t.type.schemas?.[t.version];
    const schemaCauses: StatusCause[] = [];
    if (schema) {
      const r = schema.check(o, old ? this.#serve(t, old) : undefined);
      if (r.pruned.length && opts.fieldValidation === 'Strict') {
        throw badRequest(`${t.type.kind} in version "${t.version}" cannot be handled as a ${t.type.kind}: strict decoding error: ${r.pruned.map((d) => `unknown field "${d}"`).join(', ')}`);
      }
      if (opts.fieldValidation !== 'Ignore') warnings.push(...r.pruned.map((d) => `unknown field "${d}"`));
      o = { ...r.object, metadata: o.metadata };
      schemaCauses.push(...r.causes);
    }
    applyDefaults(t.type, o);
    const causes = [...validateBuiltin(t.type, o, old), ...schemaCauses];
    if (!causes.length && t.type.group === '' && t.type.resource === 'services' && t.subresource !== 'status') causes.push(...allocateService(o, old, this.#servicesInUse(o), this.serviceNetwork));
    if (causes.length) throw invalid(subject, causes);
    if (t.type.resource === 'customresourcedefinitions' && t.type.group === 'apiextensions.k8s.io') this.#checkCrd(o, old);
    // Stored in the storage version's form.
    o.apiVersion = t.type.group === 'events.k8s.io' ? 'v1' : apiVersionOf(t.type.group, t.type.versions[0] ?? t.version);
    o.kind = t.type.kind;
    if (old) {
      const { resourceVersion: _a, ...a } = old.metadata;
      const { resourceVersion: _b, ...b } = o.metadata;
      if (sameJson({ ...old, metadata: a }, { ...o, metadata: b })) return this.#written(t, old, warnings, false);
      if (hasGeneration(t.type) && !sameSpec(old, o, t.type.status)) o.metadata.generation = (old.metadata.generation ?? 0) + 1;
    }
    if (opts.dryRun) return this.#written(t, { ...o, metadata: { ...o.metadata, resourceVersion: old?.metadata.resourceVersion ?? '' } }, warnings, !old);
    if (old?.metadata.deletionTimestamp && !o.metadata.finalizers?.length) {
      this.#remove(t.type, { ...o, metadata: { ...o.metadata, resourceVersion: old.metadata.resourceVersion ?? '' } });
      return this.#written(t, o, warnings, false);
    }
    o.metadata.resourceVersion = String(this.store.nextVersion());
    this.store.put(storageKey(t.type), o, old);
    this.#changed();
    return this.#written(t, o, warnings, !old);
  }

  /** ClusterIPs and NodePorts of every Service but `o`. */
  #servicesInUse(o: KObject): InUse {
    return this.#holdings.inUseExcept(this.store.get('services', o.metadata.namespace, o.metadata.name ?? ''));
  }

  #written(t: Target, o: KObject, warnings: string[], created: boolean): Written {
    return { object: this.#serve(t, o), warnings, created, json: () => this.#jsonOf(t, o) };
  }

  /** Registers (or re-registers) a CRD's kind and keeps its status; throws Invalid on a broken schema. */
  #checkCrd(o: KObject, old: KObject | undefined): void {
    try {
      const t = typeFromCrd(o);
      const clash = this.types().find((x) => x.group === t.group && x.resource === t.resource && x.crd !== t.crd);
      if (clash) throw invalid({ group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', name: o.metadata.name ?? '' }, [{ reason: 'FieldValueDuplicate', field: 'spec.names.plural', message: `Invalid value: "${t.resource}": is already in use` }]);
      o.status = crdStatus(old ?? o, this.#stamp());
      this.#unregister(t.crd ?? '');
      this.#register(t);
    } catch (e) {
      if (e instanceof CrdError) throw invalid({ group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions', kind: 'CustomResourceDefinition', name: o.metadata.name ?? '' }, e.causes);
      throw e;
    }
  }

  /** Sets deletionTimestamp while finalizers remain (returns the marked object), else removes. */
  #markDeleted(type: ResourceType, old: KObject): KObject | undefined {
    const pending = old.metadata.finalizers?.length || (type.resource === 'namespaces' && type.group === '');
    if (!pending) {
      this.#remove(type, old);
      return undefined;
    }
    if (old.metadata.deletionTimestamp) return old;
    const o: KObject = { ...old, metadata: { ...old.metadata, deletionTimestamp: this.#stamp(), deletionGracePeriodSeconds: 0, resourceVersion: String(this.store.nextVersion()) } };
    if (hasGeneration(type)) o.metadata.generation = (old.metadata.generation ?? 0) + 1;
    if (type.resource === 'namespaces' && type.group === '') o.status = { ...(isRecord(old.status) ? old.status : {}), phase: 'Terminating' };
    this.store.put(storageKey(type), o, old);
    this.#changed();
    if (type.resource === 'namespaces' && type.group === '') this.#emptyNamespace(o.metadata.name ?? '');
    return o;
  }

  #remove(type: ResourceType, o: KObject): void {
    this.store.remove(storageKey(type), o);
    this.#changed();
    if (type.crd === undefined && type.resource === 'customresourcedefinitions') {
      const served = this.types().find((x) => x.crd === o.metadata.name);
      if (served) for (const cr of this.store.list(storageKey(served))) this.#remove(served, cr);
      this.#unregister(o.metadata.name ?? '');
    }
    this.#collectDependents(o.metadata.uid);
    const ns = o.metadata.namespace;
    if (ns) {
      const nsObj = this.store.get('namespaces', undefined, ns);
      if (nsObj?.metadata.deletionTimestamp) this.#finishNamespace(nsObj);
    }
  }

  /** Namespace cascade: every namespaced object in it goes (or is marked, if it has finalizers). */
  #emptyNamespace(ns: string): void {
    for (const t of this.types()) {
      if (!t.namespaced || (t.group === 'events.k8s.io')) continue;
      for (const o of this.store.list(storageKey(t), ns)) this.#markDeleted(t, o);
    }
    const nsObj = this.store.get('namespaces', undefined, ns);
    if (nsObj) this.#finishNamespace(nsObj);
  }

  #finishNamespace(nsObj: KObject): void {
    const ns = nsObj.metadata.name ?? '';
    const left = this.types().some((t) => t.namespaced && this.store.list(storageKey(t), ns).length > 0);
    if (!left && !nsObj.metadata.finalizers?.length) this.#remove(this.find('', 'v1', 'namespaces') as ResourceType, nsObj);
  }

  /** Background garbage collection: dependents whose owner is gone are deleted. */
  #collectDependents(uid: string | undefined): void {
    if (!uid) return;
    for (const t of this.types()) {
      // Marking deletes from the bucket: collect first.
      const owned = [...this.store.values(storageKey(t))].filter((o) => o.metadata.ownerReferences?.some((r) => r.uid === uid));
      for (const o of owned) {
        if (!o.metadata.deletionTimestamp) {
          const rest = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (rest.length === 0) this.#markDeleted(t, o);
        }
      }
    }
  }


}
