// SPDX-License-Identifier: Apache-2.0
import { coreEvent, eventName, type EventSpec } from './k8s-event.js';

describe('core Event body', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const spec: EventSpec = { involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'default', uid: 'u1' }, type: 'Warning', reason: 'AddressConflict', message: 'm' };
  const speaker = { component: 'metallb-speaker', instance: 'node-1', host: 'node-1' };

  test('lives in the object namespace, keeps its uid, counts once, names its node', () => {
    const e = coreEvent(spec, speaker, now);
    expect(e).toEqual({
      apiVersion: 'v1', kind: 'Event',
      metadata: { name: expect.stringMatching(/^web\.[0-9a-f]{16}$/), namespace: 'default' },
      involvedObject: { apiVersion: 'v1', kind: 'Service', name: 'web', namespace: 'default', uid: 'u1' },
      reason: 'AddressConflict', message: 'm', type: 'Warning', count: 1, firstTimestamp: now, lastTimestamp: now,
      source: { component: 'metallb-speaker', host: 'node-1' }, reportingComponent: 'metallb-speaker', reportingInstance: 'node-1',
    });
  });

  test('an Event without a dedupe key gets a new name each time', () => {
    expect(eventName(spec)).not.toBe(eventName(spec));
  });

  test('a deduplicated Event has one name for one key, is about the object and not one node', () => {
    const a = coreEvent({ ...spec, dedupeKey: 'k' }, speaker, now);
    const b = coreEvent({ ...spec, dedupeKey: 'k' }, { ...speaker, instance: 'node-2', host: 'node-2' }, now);
    expect(a.metadata?.name).toBe(b.metadata?.name);
    expect(coreEvent({ ...spec, dedupeKey: 'other' }, speaker, now).metadata?.name).not.toBe(a.metadata?.name);
    expect(a.source).toEqual({ component: 'metallb-speaker' });
  });

  test('a cluster-scoped object has its Events in default and no namespace of its own', () => {
    const e = coreEvent({ ...spec, involvedObject: { apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', name: 'ingress' } }, { component: 'metallb-hooks' }, now);
    expect(e.metadata?.namespace).toBe('default');
    expect(e.involvedObject).toEqual({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', name: 'ingress' });
    expect(e).not.toHaveProperty('reportingInstance');
  });
});
