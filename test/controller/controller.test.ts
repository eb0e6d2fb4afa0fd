/**
 * The controller against the embedded API server: L2 instances and BGP Services get addresses,
 * status, conditions and Events that the real kubectl shows; restarts and failovers change nothing.
 */
import { useApiServer } from '../helpers/apiserver.js';
import { bgpPool, l2Pool, l2Service, metric, prepare, replica, statusIps, waitFor, type Cluster } from './cluster.js';
import type { Controller } from '../../images/controller/src/reconciler.js';

const api = useApiServer();
let c: Cluster;
const running: Controller[] = [];

async function start(identity: string) {
  const r = await replica(c, identity);
  running.push(r.controller);
  return r;
}

async function stopAll(): Promise<void> {
  for (const ctl of running.splice(0)) await ctl.stop(true);
}

beforeAll(async () => {
  c = await prepare(api);
  await c.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } });
});

afterEach(stopAll);

afterAll(stopAll);

describe('L2 instances', () => {
  test('the docs example: a Service asking for 3 IPs gets 3 distinct ones from its class pool', async () => {
    await c.apply(l2Pool('ingress', ['192.0.2.200-192.0.2.250']), ...l2Service('web', 'nginx', 'ingress', 3));
    const { controller } = await start('ctl-a');
    await waitFor(() => controller.isLeader(), 10_000, 'leadership');
    const names = [0, 1, 2].map((i) => `nginx-ingress-${i}`);
    await waitFor(async () => (await Promise.all(names.map((n) => statusIps(c, 'sdninternall2lbservices', 'web', n)))).every((x) => x.length === 1), 10_000, 'three statuses');
    const ips = (await Promise.all(names.map((n) => statusIps(c, 'sdninternall2lbservices', 'web', n)))).flat();
    expect(ips).toEqual(['192.0.2.200', '192.0.2.201', '192.0.2.202']);
    const inst = JSON.parse(await c.kubectl('get', 'sdninternall2lbservices', '-n', 'web', 'nginx-ingress-0', '-o', 'json')) as { status: { conditions: Array<Record<string, unknown>> } };
    expect(inst.status.conditions).toEqual([expect.objectContaining({ type: 'IPAllocated', status: 'True', reason: 'IPAllocated', message: 'assigned 192.0.2.200 from pool "ingress"' })]);
    await controller.idle();
    const events = await c.kubectl('get', 'events', '-n', 'web', '--field-selector', 'involvedObject.name=nginx-ingress-1', '-o', 'jsonpath={.items[*].message}');
    expect(events).toContain('Assigned IP ["192.0.2.201"]');
  });

  test('an exhausted pool: 2 of 3 get an address, the third says why, and describe shows it on the Service', async () => {
    await c.apply(l2Pool('small', ['192.0.2.10-192.0.2.11']), ...l2Service('web', 'shop', 'small', 3));
    const { controller } = await start('ctl-b');
    await waitFor(async () => (await statusIps(c, 'sdninternall2lbservices', 'web', 'shop-small-1')).length === 1, 10_000, 'second status');
    await waitFor(async () => (await c.kubectl('get', 'sdninternall2lbservices', '-n', 'web', 'shop-small-2', '-o', 'jsonpath={.status.conditions[0].reason}')) === 'PoolExhausted', 10_000, 'failure condition');
    expect(await c.kubectl('get', 'sdninternall2lbservices', '-n', 'web', 'shop-small-2', '-o', 'jsonpath={.status.conditions[0].message}')).toBe('no available IPs in pool "small"');
    await controller.idle();
    const describe = await c.kubectl('describe', 'service', '-n', 'web', 'shop');
    expect(describe).toMatch(/Warning\s+AllocationFailed\s+.*Failed to allocate IP for "web\/shop-small-2": no available IPs in pool "small"/);
  });
});

describe('BGP Services', () => {
  test('a Service naming a pool gets an address; dual-stack gets one of each family', async () => {
    await c.apply(bgpPool('prod-ips', ['203.0.113.0/28', '2001:db8:0:2::/124'], { avoidBuggyIPs: true }));
    await c.apply({
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'api', namespace: 'web', annotations: { 'network.deckhouse.io/load-balancer-pool': 'prod-ips' } },
      spec: { type: 'LoadBalancer', ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], selector: { app: 'api' }, ports: [{ port: 443, protocol: 'TCP' }] },
    } as never);
    await start('ctl-c');
    await waitFor(async () => (await statusIps(c, 'service', 'web', 'api')).length === 2, 10_000, 'dual-stack status');
    expect(await statusIps(c, 'service', 'web', 'api')).toEqual(['203.0.113.1', '2001:db8:0:2::']);
    const metrics = (await c.kubectl('get', 'service', '-n', 'web', 'api', '-o', 'jsonpath={.status.conditions[?(@.type=="IPAllocated")].status}'));
    expect(metrics).toBe('True');
  });
});

describe('restarts and replicas', () => {
  test('killing the controller and starting a new one changes nothing and writes nothing', async () => {
    await c.apply(l2Pool('ingress', ['192.0.2.200-192.0.2.250']), ...l2Service('web', 'nginx', 'ingress', 3));
    const a = await start('ctl-first');
    await waitFor(() => a.controller.isLeader(), 10_000, 'leadership');
    await a.controller.idle();
    const before = JSON.parse(await c.kubectl('get', 'sdninternall2lbservices', '-A', '-o', 'json')) as { items: Array<{ metadata: { name: string; resourceVersion: string } }> };
    await a.controller.stop(false);
    const b = await start('ctl-second');
    await waitFor(() => b.controller.isLeader(), 10_000, 'failover');
    await b.controller.idle();
    const after = JSON.parse(await c.kubectl('get', 'sdninternall2lbservices', '-A', '-o', 'json')) as typeof before;
    expect(after.items.map((i) => [i.metadata.name, i.metadata.resourceVersion])).toEqual(before.items.map((i) => [i.metadata.name, i.metadata.resourceVersion]));
    expect(await metric(b.registry, 'metallb_controller_status_writes_total')).toBe(0);
  });

  test('two replicas: only the leader writes; the other takes over within one lease duration', async () => {
    const a = await start('ctl-x');
    const b = await start('ctl-y');
    await waitFor(() => a.controller.isLeader() || b.controller.isLeader(), 10_000, 'a leader');
    const [leader, follower] = a.controller.isLeader() ? [a, b] : [b, a];
    expect(follower.controller.isLeader()).toBe(false);
    await c.apply(...l2Service('web', 'two', 'ingress', 2));
    await waitFor(async () => (await statusIps(c, 'sdninternall2lbservices', 'web', 'two-ingress-1')).length === 1, 10_000, 'status by the leader');
    expect(await metric(follower.registry, 'metallb_controller_status_writes_total')).toBe(0);
    expect(await metric(leader.registry, 'metallb_controller_status_writes_total')).toBeGreaterThan(0);
    await leader.controller.stop(false);
    const took = await waitFor(() => follower.controller.isLeader(), 10_000, 'failover');
    expect(took).toBeLessThanOrEqual(2000 + 250 + 500);
    await c.apply(...l2Service('web', 'three', 'ingress', 1));
    await waitFor(async () => (await statusIps(c, 'sdninternall2lbservices', 'web', 'three-ingress-0')).length === 1, 10_000, 'status by the new leader');
    expect(await metric(follower.registry, 'metallb_controller_status_writes_total')).toBeGreaterThan(0);
  });
});
