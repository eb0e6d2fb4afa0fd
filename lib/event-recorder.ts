// SPDX-License-Identifier: Apache-2.0
/** Records the module's Events through the API, where `kubectl describe` and `kubectl get events` show them. */
import type * as k8s from '@kubernetes/client-node';
import { coreEvent, eventNamespace, type EventSource, type EventSpec } from './k8s-event.js';
import type { Logger } from './log.js';

export class EventRecorder {
  /** `core`: the component's own client (its timeouts); `log` hears of Events that could not be recorded. */
  constructor(
    private readonly core: k8s.CoreV1Api,
    readonly source: EventSource,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Creates the Event; never rejects: a failure is a log line, and a deduplicated Event that exists is recorded. */
  async record(e: EventSpec): Promise<void> {
    const o = e.involvedObject;
    try {
      await this.core.createNamespacedEvent({ namespace: eventNamespace(o), body: coreEvent(e, this.source, this.now()) });
    } catch (err) {
      if (e.dedupeKey && (err as { code?: number }).code === 409) return;
      this.log.warn({ op: 'event', object: `${o.kind}/${o.namespace ?? ''}/${o.name}`, reason: e.reason, err: (err as Error).message }, 'cannot record Event');
    }
  }
}
