// SPDX-License-Identifier: Apache-2.0
/**
 * The speaker's one informer set: each resource is listed and watched once, with lib/informer.ts's back-off and its
 * `listed` flag, and the L2 and BGP agents read the same caches. Each agent subscribes to the changes it acts on.
 */
import * as k8s from '@kubernetes/client-node';
import { listedInformer, type ListedInformer } from '../../../lib/informer.js';
import type { Logger } from '../../../lib/log.js';

type Obj = k8s.KubernetesObject;

/** The events an agent's `onChange` hears. */
const CHANGES = [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const;

export class SpeakerInformers {
  readonly #byPath = new Map<string, { informer: ListedInformer<Obj>; started?: Promise<void> }>();

  constructor(private readonly kc: k8s.KubeConfig, private readonly log: Logger) {}

  /** The informer of `path` (made on first use, listed by `list`); `onChange` hears its adds, updates and deletes. */
  watch<T extends Obj>(path: string, list: () => Promise<unknown>, onChange: () => void): ListedInformer<T> {
    let e = this.#byPath.get(path);
    if (!e) {
      const informer = listedInformer<Obj>(this.kc, path, list, {
        onError: (err, before) => this.log[before === 0 ? 'warn' : 'debug']({ op: 'watch', path, err: String((err as Error)?.message ?? err) }, 'list or watch failed; retrying with back-off'),
      });
      e = { informer };
      this.#byPath.set(path, e);
    }
    for (const ev of CHANGES) e.informer.on(ev, onChange);
    return e.informer as unknown as ListedInformer<T>;
  }

  /**
   * Starts the informers not started yet; resolves once every one started: its watch is open, or its first attempt
   * failed and it retries with back-off.
   */
  async start(): Promise<void> {
    for (const e of this.#byPath.values()) e.started ??= e.informer.start().catch(() => undefined);
    await Promise.all([...this.#byPath.values()].map((e) => e.started));
  }

  /** Stops hearing `onChange` (an agent that stops); the caches stay for the others. */
  unsubscribe(onChange: () => void): void {
    for (const { informer } of this.#byPath.values()) for (const ev of CHANGES) informer.off(ev, onChange);
  }

  async stop(): Promise<void> {
    for (const { informer } of this.#byPath.values()) await informer.stop();
  }
}
