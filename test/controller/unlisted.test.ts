/**
 * A controller whose first list fails must not act on the empty cache: with the pools unlisted it would
 * find no pool for any Service and take their addresses away. The fault: the API server answers the
 * IPAddressPool list with 500 for a while (watches and everything else work).
 */
import { refuseLists, useApiServer } from '../helpers/apiserver.js';
import { l2Pool, l2Service, metric, prepare, replica, statusIps, waitFor, type Cluster } from './cluster.js';
import type { Controller } from '../../images/controller/src/reconciler.js';

const api = useApiServer();
let c: Cluster;
const running: Controller[] = [];
afterAll(async () => {
  for (const ctl of running) await ctl.stop(true);
});

test('a new leader waits for every list to succeed before it rebuilds allocations; no Service loses its address', async () => {
  c = await prepare(api);
  await c.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
  await c.apply(l2Pool('ingress', ['192.0.2.200-192.0.2.201']), ...l2Service('web', 'shop', 'ingress', 2));
  const first = await replica(c, 'ctl-first');
  running.push(first.controller);
  await waitFor(async () => (await statusIps(c, 'sdninternall2lbservices', 'web', 'shop-ingress-1')).length === 1, 10_000, 'addresses');
  await first.controller.idle();
  const before = [await statusIps(c, 'sdninternall2lbservices', 'web', 'shop-ingress-0'), await statusIps(c, 'sdninternall2lbservices', 'web', 'shop-ingress-1')];
  // The leader dies without handing the Lease over, as a crash would.
  await first.controller.stop(false);

  const fault = refuseLists(c.server, 'ipaddresspools');
  try {
    const second = replica(c, 'ctl-second');
    // Well past the old Lease: a replica acting on its empty cache would have led and written by now.
    await waitFor(() => fault.refused >= 3, 20_000, 'three refused lists');
    expect(await c.kubectl('get', 'lease', '-n', 'd8-metallb', 'metallb-controller', '-o', 'jsonpath={.spec.holderIdentity}')).toBe('ctl-first');
    expect([await statusIps(c, 'sdninternall2lbservices', 'web', 'shop-ingress-0'), await statusIps(c, 'sdninternall2lbservices', 'web', 'shop-ingress-1')]).toEqual(before);
    fault.heal();
    const { controller, registry } = await second;
    running.push(controller);
    await waitFor(() => controller.isLeader(), 10_000, 'leadership once listed');
    await controller.idle();
    expect([await statusIps(c, 'sdninternall2lbservices', 'web', 'shop-ingress-0'), await statusIps(c, 'sdninternall2lbservices', 'web', 'shop-ingress-1')]).toEqual(before);
    expect(await metric(registry, 'metallb_controller_status_writes_total')).toBe(0);
    expect(await c.kubectl('get', 'events', '-n', 'web', '--field-selector', 'reason=IPReleased', '-o', 'name')).toBe('');
  } finally {
    fault.restore();
  }
});
