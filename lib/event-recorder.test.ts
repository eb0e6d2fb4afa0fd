// SPDX-License-Identifier: Apache-2.0
import type * as k8s from '@kubernetes/client-node';
import { EventRecorder } from './event-recorder.js';
import type { EventSpec } from './k8s-event.js';
import type { Logger } from './log.js';

function recorder(create: (req: { namespace: string; body: k8s.CoreV1Event }) => Promise<unknown>) {
  const warnings: unknown[] = [];
  const log = { warn: (o: unknown) => warnings.push(o) } as unknown as Logger;
  const core = { createNamespacedEvent: create } as unknown as k8s.CoreV1Api;
  return { r: new EventRecorder(core, { component: 'metallb-controller', instance: 'pod-a' }, log, () => new Date(0)), warnings };
}

const spec: EventSpec = { involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'prod' }, type: 'Normal', reason: 'IPAllocated', message: 'Assigned IP ["192.0.2.10"]' };
const refused = (code: number) => Promise.reject(Object.assign(new Error(`HTTP ${code}`), { code }));

describe('EventRecorder', () => {
  test('creates the Event in the object namespace', async () => {
    const made: Array<{ namespace: string; body: k8s.CoreV1Event }> = [];
    const { r, warnings } = recorder(async (req) => made.push(req));
    await r.record(spec);
    expect(made).toHaveLength(1);
    expect(made[0]?.namespace).toBe('prod');
    expect(made[0]?.body).toMatchObject({ reason: 'IPAllocated', reportingComponent: 'metallb-controller', reportingInstance: 'pod-a' });
    expect(warnings).toEqual([]);
  });

  test('a deduplicated Event that exists already is recorded, silently', async () => {
    const { r, warnings } = recorder(() => refused(409));
    await r.record({ ...spec, dedupeKey: 'k' });
    expect(warnings).toEqual([]);
  });

  test('any other failure is a log line, never a rejection', async () => {
    const { r, warnings } = recorder(() => refused(409));
    await expect(r.record(spec)).resolves.toBeUndefined();
    const down = recorder(() => refused(503));
    await expect(down.r.record({ ...spec, dedupeKey: 'k' })).resolves.toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(down.warnings).toEqual([expect.objectContaining({ object: 'Service/prod/web', reason: 'IPAllocated', err: 'HTTP 503' })]);
  });
});
