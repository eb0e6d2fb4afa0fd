// SPDX-License-Identifier: Apache-2.0
/**
 * Object storage with one global resourceVersion counter and a bounded watch history.
 * Pure: no I/O. Objects are never mutated once stored; callers pass in fresh objects.
 */
import type { KObject, WatchType } from './types.js';

/** One change, as watchers see it. */
export interface StoreEvent {
  rv: number;
  /** Storage key of the kind (see resources.storageKey). */
  kind: string;
  type: WatchType;
  object: KObject;
  /** The object before a MODIFIED change (selectors turn it into ADDED or DELETED for a watcher). */
  prev?: KObject;
}

export type Listener = (e: StoreEvent) => void;

/** Thrown when a watch asks for a version older than the history holds. */
export class TooOldError extends Error {
  constructor(readonly asked: number, readonly oldest: number) {
    super(`too old resource version: ${asked} (${oldest})`);
    this.name = 'TooOldError';
  }
}

export interface Snapshot {
  resourceVersion: number;
  objects: Array<{ kind: string; object: KObject }>;
}

export function objectKey(o: KObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name ?? ''}`;
}

export class Store {
  #rv: number;
  // storage key -> "ns/name" -> object
  #objects = new Map<string, Map<string, KObject>>();
  #history: StoreEvent[] = [];
  /** The lowest version a watch may start from: history holds every event after it. */
  #floor: number;
  #listeners = new Set<Listener>();

  constructor(readonly window = 10_000, snapshot?: Snapshot) {
    this.#rv = snapshot?.resourceVersion ?? 1;
    this.#floor = this.#rv;
    for (const { kind, object } of snapshot?.objects ?? []) this.#bucket(kind).set(objectKey(object), object);
  }

  get resourceVersion(): number {
    return this.#rv;
  }

  /** Takes the next resourceVersion, for an object about to be written. */
  nextVersion(): number {
    return ++this.#rv;
  }

  get(kind: string, namespace: string | undefined, name: string): KObject | undefined {
    return this.#objects.get(kind)?.get(`${namespace ?? ''}/${name}`);
  }

  /** Every object of a kind (in one namespace when given), sorted by namespace/name. */
  list(kind: string, namespace?: string): KObject[] {
    const all = [...(this.#objects.get(kind)?.entries() ?? [])];
    const items = namespace === undefined ? all : all.filter(([k]) => k.startsWith(`${namespace}/`));
    return items.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  }

  /** Every object of a kind, in no particular order (no copy, no sort: for scans that visit them all). */
  values(kind: string): IterableIterator<KObject> {
    return (this.#objects.get(kind) ?? new Map<string, KObject>()).values();
  }

  kinds(): string[] {
    return [...this.#objects.keys()];
  }

  /** Stores an object whose metadata.resourceVersion was taken from nextVersion(). */
  put(kind: string, object: KObject, prev?: KObject): void {
    this.#bucket(kind).set(objectKey(object), object);
    const e: StoreEvent = { rv: Number(object.metadata.resourceVersion), kind, type: prev ? 'MODIFIED' : 'ADDED', object };
    if (prev) e.prev = prev;
    this.#emit(e);
  }

  /** Removes an object; the DELETED event carries a fresh resourceVersion, as the real server does. */
  remove(kind: string, object: KObject): KObject {
    this.#objects.get(kind)?.delete(objectKey(object));
    const rv = this.nextVersion();
    const gone = { ...object, metadata: { ...object.metadata, resourceVersion: String(rv) } };
    this.#emit({ rv, kind, type: 'DELETED', object: gone });
    return gone;
  }

  /** Events after `rv` for a kind, oldest first; throws TooOldError when they are no longer held. */
  since(kind: string, rv: number): StoreEvent[] {
    if (rv < this.#floor) throw new TooOldError(rv, this.#floor);
    const out: StoreEvent[] = [];
    for (let i = this.#history.length - 1; i >= 0; i--) {
      const e = this.#history[i];
      if (!e || e.rv <= rv) break;
      if (e.kind === kind) out.push(e);
    }
    return out.reverse();
  }

  subscribe(fn: Listener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  snapshot(): Snapshot {
    const objects: Snapshot['objects'] = [];
    for (const [kind, m] of this.#objects) for (const object of m.values()) objects.push({ kind, object });
    return { resourceVersion: this.#rv, objects };
  }

  #bucket(kind: string): Map<string, KObject> {
    let m = this.#objects.get(kind);
    if (!m) this.#objects.set(kind, (m = new Map()));
    return m;
  }

  #emit(e: StoreEvent): void {
    this.#history.push(e);
    // Trim in batches so that a long history costs O(1) per write on average.
    if (this.#history.length > this.window + (this.window >> 2)) {
      const drop = this.#history.length - this.window;
      this.#floor = this.#history[drop - 1]?.rv ?? this.#floor;
      this.#history.splice(0, drop);
    }
    for (const fn of this.#listeners) fn(e);
  }
}
