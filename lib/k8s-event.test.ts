// SPDX-License-Identifier: Apache-2.0
import { coreEvent } from './k8s-event.js';

describe('core Event body', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const base = { name: 'web.1', involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'default', uid: 'u1' }, type: 'Warning' as const, reason: 'AddressConflict', message: 'm', component: 'metallb-speaker', instance: 'node-1', now };

  test('lives in the object namespace, keeps its uid, counts once', () => {
    expect(coreEvent(base)).toEqual({
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'default', uid: 'u1' },
      reason: 'AddressConflict', message: 'm', type: 'Warning', count: 1, firstTimestamp: now, lastTimestamp: now,
      source: { component: 'metallb-speaker' }, reportingComponent: 'metallb-speaker', reportingInstance: 'node-1',
    });
  });

  test('names the node as source host when given', () => {
    expect(coreEvent({ ...base, host: 'node-1' }).source).toEqual({ component: 'metallb-speaker', host: 'node-1' });
  });
});
