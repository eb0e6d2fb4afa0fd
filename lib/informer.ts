// SPDX-License-Identifier: Apache-2.0
/**
 * A client-node informer that knows whether its cache was ever filled. client-node's start() resolves
 * even when the list fails, leaving an empty cache that looks synced; acting on it would drop every object.
 * Here a failed list or watch is retried with back-off (1 s doubling to 30 s), `listed` turns true only
 * after a list succeeded, and `failingSince` tells how long the informer has been unable to list or watch.
 * Watches end after `watchTimeoutSeconds` and are resumed, so a silently dead connection is noticed.
 */
import * as k8s from '@kubernetes/client-node';

export interface InformerOptions {
  /** Called on every failed list or watch, with how many failed in a row before it (0 for the first). */
  readonly onError?: (e: unknown, failuresBefore: number) => void;
  /** The API server ends each watch after this long (client-go picks 5–10 min); 300 s by default. */
  readonly watchTimeoutSeconds?: number;
  /** Wait before the next attempt after n failures in a row; backoffMs by default. */
  readonly backoff?: (failures: number) => number;
  readonly now?: () => number;
}

export type ListedInformer<T extends k8s.KubernetesObject> = k8s.Informer<T> & k8s.ObjectCache<T> & {
  /** A list succeeded at least once: the cache holds what the API server has, not an empty start. */
  readonly listed: boolean;
  /** Resolves once `listed` is true (or the informer is stopped). */
  whenListed(): Promise<void>;
  /** Since when (ms) lists and watches have been failing; undefined while they work. */
  readonly failingSince: number | undefined;
};

/** Back-off before the next attempt after `failures` failures in a row: 1 s doubling to 30 s. */
export function backoffMs(failures: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.min(failures, 5));
}

export function listedInformer<T extends k8s.KubernetesObject>(kc: k8s.KubeConfig, path: string, list: () => Promise<unknown>, o: InformerOptions = {}): ListedInformer<T> {
  const now = o.now ?? Date.now;
  let listed = false;
  let failingSince: number | undefined;
  let failures = 0;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let wake: Array<() => void> = [];
  const ok = (): void => {
    failures = 0;
    failingSince = undefined;
  };
  const sep = path.includes('?') ? '&' : '?';
  const inf = k8s.makeInformer<T>(kc, `${path}${sep}timeoutSeconds=${o.watchTimeoutSeconds ?? 300}`, async () => {
    const result = (await list()) as k8s.KubernetesListObject<T>;
    ok();
    // client-node fills the cache right after this returns; count it listed once it has.
    setImmediate(() => {
      listed = true;
      for (const w of wake.splice(0)) w();
    });
    return result;
  });
  for (const v of [k8s.ADD, k8s.UPDATE, k8s.DELETE] as const) inf.on(v, ok);
  inf.on(k8s.ERROR, (e) => {
    if (stopped) return;
    failingSince ??= now();
    o.onError?.(e, failures);
    clearTimeout(retry);
    retry = setTimeout(() => {
      if (!stopped) void inf.start().catch(() => undefined);
    }, (o.backoff ?? backoffMs)(failures++));
  });
  const start = inf.start.bind(inf);
  const stop = inf.stop.bind(inf);
  Object.defineProperties(inf, {
    listed: { get: () => listed },
    failingSince: { get: () => failingSince },
    whenListed: { value: () => (listed || stopped ? Promise.resolve() : new Promise<void>((r) => wake.push(r))) },
    start: {
      value: async () => {
        stopped = false;
        await start();
      },
    },
    stop: {
      value: async () => {
        stopped = true;
        clearTimeout(retry);
        for (const w of wake.splice(0)) w();
        wake = [];
        await stop();
      },
    },
  });
  return inf as ListedInformer<T>;
}

/** The first of the informers that has been failing for `stuckAfterMs` or more, as "name: since N s"; undefined when none. */
export function stuckInformer(infs: Readonly<Record<string, { readonly failingSince: number | undefined }>>, stuckAfterMs: number, now = Date.now()): string | undefined {
  for (const [name, i] of Object.entries(infs)) {
    if (i.failingSince !== undefined && now - i.failingSince >= stuckAfterMs) return `${name}: cannot list or watch for ${Math.round((now - i.failingSince) / 1000)} s`;
  }
  return undefined;
}
