// SPDX-License-Identifier: Apache-2.0
/**
 * The last good version of each configuration object: when an edit makes an object invalid, the version
 * before it stays in force (MetalLB's "config stale") until the object is fixed or deleted, so a typo never
 * takes away what worked. An object that was never valid is left out. Pure: the caller keeps the memory.
 */
import type { KubernetesObject } from '@kubernetes/client-node';

/** An object whose current version is invalid. */
export interface StaleObject<T> {
  /** The current, invalid version: what the user sees and should fix. */
  readonly current: T;
  /** Why it is invalid. */
  readonly error: string;
  /** The version in force instead; undefined when no valid version was ever seen (then the object is left out). */
  readonly inForce: T | undefined;
}

export interface Effective<T, V> {
  /** What to act on: each object's current version if valid, else its last good one, parsed. */
  readonly values: V[];
  readonly stale: StaleObject<T>[];
}

const keyOf = (o: KubernetesObject): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/** A valid version and what it parsed to. */
export interface Kept<T, V> {
  readonly object: T;
  readonly value: V;
}

/** Remembers the last valid version per object; a deleted object, or one recreated under a new uid, is forgotten. */
export class LastGood<T extends KubernetesObject, V> {
  // namespace/name -> last valid version and what it parsed to
  readonly #good = new Map<string, Kept<T, V>>();

  /**
   * `parse` turns an object into what the caller uses, or throws an Error saying why it cannot. `kept` is what an
   * earlier memory held (its `kept()`), for a caller that keeps it outside the process, as hooks keep values.
   */
  constructor(private readonly parse: (o: T) => V, kept: Iterable<Kept<T, V>> = []) {
    for (const k of kept) this.#good.set(keyOf(k.object), k);
  }

  /** The valid version remembered for each object. */
  kept(): Kept<T, V>[] {
    return [...this.#good.values()];
  }

  resolve(current: readonly T[]): Effective<T, V> {
    const seen = new Set<string>();
    const values: V[] = [];
    const stale: StaleObject<T>[] = [];
    for (const o of current) {
      const key = keyOf(o);
      seen.add(key);
      let value: V;
      try {
        value = this.parse(o);
      } catch (e) {
        const prev = this.#good.get(key);
        const inForce = prev && prev.object.metadata?.uid === o.metadata?.uid ? prev : undefined;
        if (inForce) values.push(inForce.value);
        else this.#good.delete(key);
        stale.push({ current: o, error: (e as Error).message, inForce: inForce?.object });
        continue;
      }
      this.#good.set(key, { object: o, value });
      values.push(value);
    }
    for (const key of [...this.#good.keys()]) if (!seen.has(key)) this.#good.delete(key);
    return { values, stale };
  }
}

/** The Event message of a stale object: what is wrong, and what is in force meanwhile. */
export function staleMessage(s: StaleObject<KubernetesObject>): string {
  const kept = s.inForce
    ? `the last valid version (resourceVersion ${s.inForce.metadata?.resourceVersion ?? '?'}) stays in force until this is fixed`
    : 'no valid version of it was ever seen, so it is not used until it is fixed';
  return `${s.error}; ${kept}`;
}

/** Reason of the Warning Event on an object whose edit was rejected. */
export const CONFIG_STALE_REASON = 'ConfigStale';
