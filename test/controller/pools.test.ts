/**
 * Pool edits, sharing, user pools, foreign classes and bad input, through the real API server and kubectl.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { useApiServer } from '../helpers/apiserver.js';
import { bgpPool, l2Pool, l2Service, metric, prepare, replica, statusIps, waitFor, type Cluster } from './cluster.js';
import type { Controller } from '../../images/controller/src/reconciler.js';

const api = useApiServer();
let c: Cluster;
let ctl: Controller;
let registry: Awaited<ReturnType<typeof replica>>['registry'];

function service(name: string, annotations: Record<string, string>, spec: Record<string, unknown> = {}): KubernetesObject {
  return {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: 'apps', annotations },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }], ...spec },
  } as KubernetesObject;
}

type Cond = { type: string; status?: string; reason?: string; message?: string };

async function condition(kind: string, name: string): Promise<Partial<Cond>> {
  const o = JSON.parse(await c.kubectl('get', kind, '-n', 'apps', name, '-o', 'json')) as { status?: { conditions?: Cond[] } };
  return o.status?.conditions?.find((x) => x.type === 'IPAllocated') ?? {};
}

async function events(name: string): Promise<string> {
  return c.kubectl('get', 'events', '-n', 'apps', '--field-selector', `involvedObject.name=${name}`, '-o', 'jsonpath={range .items[*]}{.reason}: {.message}{"\\n"}{end}');
}

beforeAll(async () => {
  c = await prepare(api);
  await c.objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  ({ controller: ctl, registry } = await replica(c, 'ctl-pools'));
  await waitFor(() => ctl.isLeader(), 10_000, 'leadership');
});

afterAll(async () => {
  await ctl?.stop(true);
});

test('a shrinking pool releases only the addresses outside it, and says so', async () => {
  await c.apply(l2Pool('edge', ['192.0.2.220-192.0.2.223']), ...l2Service('apps', 'web', 'edge', 4));
  await waitFor(async () => (await statusIps(c, 'sdninternall2lbservices', 'apps', 'web-edge-3')).length === 1, 15_000, 'four statuses');
  await ctl.idle();
  const before = await Promise.all([0, 1, 2, 3].map((i) => statusIps(c, 'sdninternall2lbservices', 'apps', `web-edge-${i}`)));
  expect(before.flat()).toEqual(['192.0.2.220', '192.0.2.221', '192.0.2.222', '192.0.2.223']);
  await c.apply(l2Pool('edge', ['192.0.2.220-192.0.2.221']));
  await waitFor(async () => (await condition('sdninternall2lbservices', 'web-edge-3')).reason === 'PoolExhausted', 15_000, 'exhausted after shrink');
  await ctl.idle();
  const after = await Promise.all([0, 1, 2, 3].map((i) => statusIps(c, 'sdninternall2lbservices', 'apps', `web-edge-${i}`)));
  expect(after).toEqual([['192.0.2.220'], ['192.0.2.221'], [], []]);
  expect(await events('web-edge-2')).toContain('IPReleased: Released IP ["192.0.2.222"]: 192.0.2.222 is no longer inside a pool that can serve it');
  expect(await c.kubectl('describe', 'service', '-n', 'apps', 'web')).toMatch(/IPReleased\s+.*Released IP \["192\.0\.2\.223"\]/);
  expect(await metric(registry, 'metallb_allocator_addresses_in_use_total', { pool: 'edge' })).toBe(2);
  expect(await metric(registry, 'metallb_allocator_addresses_total', { pool: 'edge' })).toBe(2);
});

test('two BGP Services with one sharing key and disjoint ports share one address', async () => {
  await c.apply(bgpPool('shared', ['203.0.113.64/30']));
  const ann = { 'network.deckhouse.io/load-balancer-pool': 'shared', 'network.deckhouse.io/load-balancer-allow-shared-ip': 'dns' };
  await c.apply(
    service('dns-tcp', ann, { ports: [{ port: 53, protocol: 'TCP' }] }),
    service('dns-udp', ann, { ports: [{ port: 53, protocol: 'UDP' }] }),
  );
  await waitFor(async () => (await statusIps(c, 'service', 'apps', 'dns-udp')).length === 1 && (await statusIps(c, 'service', 'apps', 'dns-tcp')).length === 1, 15_000, 'both statuses');
  expect(await statusIps(c, 'service', 'apps', 'dns-udp')).toEqual(await statusIps(c, 'service', 'apps', 'dns-tcp'));
});

test('a desired address held by another Service is refused with the holder named', async () => {
  const [held] = await statusIps(c, 'service', 'apps', 'dns-tcp');
  await c.apply(service('thief', { 'network.deckhouse.io/load-balancer-ips': held ?? '' }));
  await waitFor(async () => (await condition('service', 'thief')).reason === 'AlreadyInUse', 15_000, 'refusal');
  expect((await condition('service', 'thief')).message).toBe(`requested IP ${held ?? ''} is already in use by apps/dns-tcp, apps/dns-udp`);
});

test('bad input is reported on the Service, not crashed on', async () => {
  await c.apply(service('typo', { 'network.deckhouse.io/load-balancer-pool': 'shared', 'network.deckhouse.io/load-balancer-ips': '203.0.113.300' }));
  await waitFor(async () => (await condition('service', 'typo')).reason === 'BadAnnotation', 15_000, 'bad annotation condition');
  expect((await condition('service', 'typo')).message).toBe('bad network.deckhouse.io/load-balancer-ips "203.0.113.300": "203.0.113.300" is not an IP address');
  await ctl.idle();
  expect(await events('typo')).toContain('AllocationFailed: Failed to allocate IP for "apps/typo": bad network.deckhouse.io/load-balancer-ips');
});

test('a user pool without the module labels serves BGP Services by its name; foreign classes are left alone', async () => {
  await c.apply({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'mine', namespace: 'd8-metallb' }, spec: { addresses: ['198.51.100.16/29'], autoAssign: false } } as KubernetesObject);
  await c.apply(
    service('legacy', { 'metallb.universe.tf/address-pool': 'mine' }),
    service('foreign', { 'metallb.universe.tf/address-pool': 'mine' }, { loadBalancerClass: 'example.com/other-lb' }),
  );
  await waitFor(async () => (await statusIps(c, 'service', 'apps', 'legacy')).length === 1, 15_000, 'legacy status');
  expect(await statusIps(c, 'service', 'apps', 'legacy')).toEqual(['198.51.100.16']);
  await ctl.idle();
  expect(await c.kubectl('get', 'service', '-n', 'apps', 'foreign', '-o', 'jsonpath={.status}')).not.toContain('IPAllocated');
});

test('a typo in a pool keeps its last valid version in force: no address is released, kubectl describe and the stale metric say why', async () => {
  await c.apply(l2Pool('typo', ['192.0.2.230-192.0.2.231']), ...l2Service('apps', 'kept', 'typo', 2));
  await waitFor(async () => (await statusIps(c, 'sdninternall2lbservices', 'apps', 'kept-typo-1')).length === 1, 15_000, 'two statuses');
  await ctl.idle();
  const before = await Promise.all([0, 1].map((i) => statusIps(c, 'sdninternall2lbservices', 'apps', `kept-typo-${i}`)));
  // One wrong digit: the API server accepts it (the schema says "string"), the controller cannot use it.
  await c.apply(l2Pool('typo', ['192.0.2.230-192.0.2.2311']));
  const poolEvents = () => c.kubectl('get', 'events', '-n', 'd8-metallb', '--field-selector', 'involvedObject.name=typo', '-o', 'jsonpath={range .items[*]}{.type} {.reason}: {.message}{"\\n"}{end}');
  await waitFor(async () => (await poolEvents()).includes('ConfigStale'), 15_000, 'the ConfigStale Event');
  await ctl.idle();
  expect(await poolEvents()).toMatch(/^Warning ConfigStale: pool "typo": .*192\.0\.2\.2311.*; the last valid version \(resourceVersion \d+\) stays in force until this is fixed$/m);
  expect(await c.kubectl('describe', 'ipaddresspool', '-n', 'd8-metallb', 'typo')).toMatch(/Warning\s+ConfigStale/);
  expect(await metric(registry, 'metallb_k8s_client_config_stale_bool')).toBe(1);
  expect(await Promise.all([0, 1].map((i) => statusIps(c, 'sdninternall2lbservices', 'apps', `kept-typo-${i}`)))).toEqual(before);
  expect(await events('kept-typo-0')).not.toContain('IPReleased');
  // Fixed: the new version is in force and the metric clears.
  await c.apply(l2Pool('typo', ['192.0.2.230-192.0.2.232']));
  await waitFor(async () => (await metric(registry, 'metallb_k8s_client_config_stale_bool')) === 0, 15_000, 'stale cleared');
  expect(await metric(registry, 'metallb_allocator_addresses_total', { pool: 'typo' })).toBe(3);
});

test('pools that share addresses are reported on both', async () => {
  await c.apply(bgpPool('left', ['203.0.113.200-203.0.113.210']), bgpPool('right', ['203.0.113.205-203.0.113.220']));
  const overlapEvents = async (pool: string) => c.kubectl('get', 'events', '-n', 'd8-metallb', '--field-selector', `involvedObject.name=${pool},reason=PoolsOverlap`, '-o', 'jsonpath={.items[*].message}');
  await waitFor(async () => (await overlapEvents('right')).length > 0, 15_000, 'PoolsOverlap Events');
  expect(await overlapEvents('left')).toBe('addresses 203.0.113.205-203.0.113.210 are also in pool "right": each is given out once, by whichever pool a Service draws from first');
  expect(await overlapEvents('right')).toBe('addresses 203.0.113.205-203.0.113.210 are also in pool "left": each is given out once, by whichever pool a Service draws from first');
});
