// SPDX-License-Identifier: Apache-2.0
import { Cluster, fixture, runHook } from '../../test/hooks/harness.js';
import * as hook from './update-service-status.js';

beforeAll(() => {
  hook.clock.now = () => new Date('2026-11-25T12:00:00Z');
});

type Status = { loadBalancer?: { ingress?: { ip: string }[] }; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
const statusOf = (c: Cluster, name: string): Status => (c.get('v1', 'Service', name, 'shop')?.status ?? {}) as Status;

describe('update-service-status', () => {
  test('empty cluster: nothing to do, the metric group is expired', async () => {
    const r = await runHook(hook, new Cluster());
    expect(r.output.kube).toEqual([]);
    expect(r.output.metrics).toEqual([{ group: 'D8MetalLBServiceIPs', action: 'expire' }]);
  });

  test('requested and assigned IPs per Service for the alert', async () => {
    const m = (await runHook(hook, new Cluster(fixture('status')))).output.metrics.filter((x) => x.action === 'set');
    expect(m.map((x) => ('name' in x ? [x.name, x.labels.name, x.value] : []))).toEqual([
      ['d8_metallb_service_ips_requested', 'db', 1],
      ['d8_metallb_service_ips_assigned', 'db', 1],
      ['d8_metallb_service_ips_requested', 'web', 3],
      ['d8_metallb_service_ips_assigned', 'web', 2],
    ]);
  });

  describe('with instances', () => {
    let cluster: Cluster;
    let ops: unknown[];
    beforeAll(async () => {
      cluster = new Cluster(fixture('status'));
      ops = (await runHook(hook, cluster)).output.kube;
    });

    test('known IPs in instance order, and "2 of 3" with NotAllIPsAssigned; other conditions kept', () => {
      const s = statusOf(cluster, 'web');
      expect(s.loadBalancer?.ingress).toEqual([{ ip: '192.0.2.200' }, { ip: '192.0.2.202' }]);
      expect(s.conditions?.map((c) => c.type)).toEqual(['network.deckhouse.io/load-balancer-class', 'AllPublicIPsAssigned']);
      expect(s.conditions?.[1]).toMatchObject({ status: 'False', reason: 'NotAllIPsAssigned', message: '2 of 3 public IPs were assigned' });
    });

    test('an up-to-date Service is not patched; one without instances gets its ingress and condition cleared', () => {
      const names = ops.map((o) => (o as { name: string }).name);
      expect(names).toEqual(['orphan', 'web']);
      expect(statusOf(cluster, 'orphan')).toEqual({ loadBalancer: { ingress: [] }, conditions: [] });
    });

    test('once all IPs are there: AllIPsAssigned, and a re-run patches nothing', async () => {
      const i = cluster.get('internal.network.deckhouse.io/v1alpha1', 'SDNInternalL2LBService', 'web-lb-10', 'shop') as { status?: unknown };
      i.status = { loadBalancer: { ingress: [{ ip: '192.0.2.203' }] } };
      await runHook(hook, cluster);
      expect(statusOf(cluster, 'web').conditions?.[1]).toMatchObject({ status: 'True', reason: 'AllIPsAssigned', message: '3 of 3 public IPs were assigned' });
      expect(statusOf(cluster, 'web').loadBalancer?.ingress?.map((x) => x.ip)).toEqual(['192.0.2.200', '192.0.2.202', '192.0.2.203']);
      expect((await runHook(hook, cluster)).output.kube).toEqual([]);
    });

    test('a condition another writer dropped is put back', async () => {
      const web = cluster.get('v1', 'Service', 'web', 'shop') as { status: Status };
      web.status.conditions = web.status.conditions?.filter((c) => c.type !== 'AllPublicIPsAssigned') ?? [];
      await runHook(hook, cluster);
      expect(statusOf(cluster, 'web').conditions?.map((c) => c.type)).toEqual(['network.deckhouse.io/load-balancer-class', 'AllPublicIPsAssigned']);
    });
  });
});
