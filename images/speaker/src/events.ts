// SPDX-License-Identifier: Apache-2.0
/** Kubernetes Events from the speaker, where `kubectl describe` and `kubectl get events` show them. */
import * as k8s from '@kubernetes/client-node';
import { createHash, randomBytes } from 'node:crypto';
import { coreEvent, type ObjectRef } from '../../../lib/k8s-event.js';
import type { Logger } from '../../../lib/log.js';

export type { ObjectRef };

export const COMPONENT = 'metallb-speaker';

export interface SpeakerEventSpec {
  readonly involvedObject: ObjectRef;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /**
   * Set for Events that every speaker would record alike (a bad object): the Event gets a name derived from
   * this key, so the first speaker creates it and the others find it there.
   */
  readonly dedupeKey?: string;
}

/** Records Events for one node; a failure to record is a log line, never an exception. */
export class EventRecorder {
  readonly #core: k8s.CoreV1Api;

  constructor(kc: k8s.KubeConfig, readonly node: string, readonly log: Logger) {
    this.#core = kc.makeApiClient(k8s.CoreV1Api);
  }

  record(e: SpeakerEventSpec): void {
    const o = e.involvedObject;
    const suffix = e.dedupeKey ? createHash('sha256').update(e.dedupeKey).digest('hex').slice(0, 16) : randomBytes(8).toString('hex');
    const body = coreEvent({
      name: `${o.name}.${suffix}`,
      involvedObject: o,
      type: e.type,
      reason: e.reason,
      message: e.message,
      component: COMPONENT,
      instance: this.node,
      // An Event every speaker would record alike is not about one node.
      ...(e.dedupeKey ? {} : { host: this.node }),
      now: new Date(),
    });
    this.#core.createNamespacedEvent({ namespace: o.namespace, body }).catch((err: Error & { code?: number }) => {
      if (e.dedupeKey && err.code === 409) return;
      this.log.warn({ op: 'event', object: `${o.kind}/${o.namespace}/${o.name}`, reason: e.reason, err: err.message }, 'cannot record Event');
    });
  }
}
