// SPDX-License-Identifier: Apache-2.0
/**
 * The BGP agent of the speaker: watches metallb.io BGPPeer, BGPAdvertisement, IPAddressPool, Community, BFDProfile
 * and password Secrets in the module namespace, plus Services, EndpointSlices and Nodes; runs the BGP and BFD sessions.
 */
import * as k8s from '@kubernetes/client-node';
import * as os from 'node:os';
import { apiVersionOf, BFD_PROFILE, BGP_ADVERTISEMENT, BGP_PEER, COMMUNITY, IP_ADDRESS_POOL, resourcePath, type Resource } from '../../../../lib/api/index.js';
import { Coalescer } from '../../../../lib/coalesce.js';
import { configMetrics } from '../../../../lib/config-metrics.js';
import { stuckInformer } from '../../../../lib/informer.js';
import { configFor, ConfigMemory } from '../../../../lib/config/model.js';
import { problemText, type ConfigKind } from '../../../../lib/config/problem.js';
import { CONFIG_STALE_REASON, staleMessage } from '../../../../lib/last-good.js';
import type { BFDProfile, BGPAdvertisement, BGPPeer, Community, IPAddressPool } from '../../../../lib/schemas/types.generated.js';
import { BfdAgent } from '../bfd/agent.js';
import { BfdMetrics } from '../bfd/metrics.js';
import type { SpeakerAgent, SpeakerContext } from '../context.js';
import type { ObjectRef } from '../../../../lib/k8s-event.js';
import { leavingReason, readyOrAll } from '../nodes.js';
import { desiredBgp, type ServiceInfo } from './desired.js';
import { BgpMetrics } from './metrics.js';
import { SessionEvents } from './session-events.js';
import { BgpSpeaker, restartHoldsMs, type PeerSpec } from './speaker.js';

type Obj = k8s.KubernetesObject;

/** A cache that cannot list or watch for this long makes /healthz fail, so the kubelet restarts the speaker. */
const STUCK_AFTER_MS = 120_000;


/** The node's IPv4 InternalIP, else the first global IPv4 of this host. */
function routerIdOf(node: k8s.V1Node | undefined): string {
  const internal = node?.status?.addresses?.find((a) => a.type === 'InternalIP' && !a.address.includes(':'))?.address;
  if (internal) return internal;
  for (const addrs of Object.values(os.networkInterfaces())) for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '0.0.0.0';
}

/**
 * The LoadBalancer Services with addresses; with `lbClass` (METALLB_LB_CLASS, the module's loadBalancerClass
 * setting) only those of that class, as MetalLB's speaker with --lb-class.
 */
export function serviceInfos(services: readonly k8s.V1Service[], slices: readonly k8s.V1EndpointSlice[], node: string, lbClass?: string): ServiceInfo[] {
  // namespace/service -> a ready endpoint runs on this node
  const readyHere = new Set<string>();
  for (const s of slices) {
    const svc = s.metadata?.labels?.['kubernetes.io/service-name'];
    if (!svc) continue;
    if (s.endpoints.some((e) => e.nodeName === node && e.conditions?.ready !== false)) readyHere.add(`${s.metadata?.namespace}/${svc}`);
  }
  return services
    .filter((s) => s.spec?.type === 'LoadBalancer' && s.status?.loadBalancer?.ingress?.length && (!lbClass || s.spec.loadBalancerClass === lbClass))
    .map((s) => ({
      namespace: s.metadata?.namespace ?? '',
      name: s.metadata?.name ?? '',
      ips: (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '').filter(Boolean),
      local: s.spec?.externalTrafficPolicy === 'Local',
      readyHere: readyHere.has(`${s.metadata?.namespace}/${s.metadata?.name}`),
    }));
}

/** Starts the BGP agent for this node. */
export async function startBgpAgent(ctx: SpeakerContext): Promise<SpeakerAgent> {
  const log = ctx.log.child({ op: 'bgp' });
  const kc = ctx.kubeConfig;
  const ns = ctx.namespace;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
  const metrics = new BgpMetrics(ctx.metrics);
  const events = ctx.events;
  const sessionEvents = new SessionEvents(ctx.nodeName);
  const speaker = new BgpSpeaker({
    log,
    metrics,
    // Session changes become Events on the BGPPeer, so `kubectl describe bgppeer` tells why a session is not up.
    onState: (peer, to, from, reason) => {
      const e = sessionEvents.transition(peer.name, { address: peer.address, peerAs: peer.peerAs }, to, from, reason);
      if (e) void events.record({ involvedObject: objectRef('BGPPeer', peer.name), ...e });
    },
  });
  const bfd = new BfdAgent({ log: ctx.log.child({ op: 'bfd' }), metrics: new BfdMetrics(ctx.metrics), onDown: (addr) => speaker.peerUnreachable(addr) });

  let stopped = false;
  let lastProblems = '';
  let lastPeers: readonly PeerSpec[] = [];
  // Every change recomputes from the caches: 50 ms after it, or five times as long as the last recompute took.
  const recompute = new Coalescer(() => apply().catch((e: Error) => log.error({ event: 'applyFailed', err: e.message }, 'applying BGP configuration failed')), 50, 5);
  const changed = (): void => {
    if (!stopped) recompute.trigger();
  };
  const watch = <T extends Obj>(path: string, list: () => Promise<unknown>) => ctx.informers.watch<T>(path, list, changed);
  const custom$ = <T extends Obj>(k: Resource) => watch<T>(resourcePath(k, ns), () => custom.listNamespacedCustomObject({ ...k, namespace: ns }));
  const informers = {
    peers: custom$<BGPPeer & Obj>(BGP_PEER),
    advertisements: custom$<BGPAdvertisement & Obj>(BGP_ADVERTISEMENT),
    pools: custom$<IPAddressPool & Obj>(IP_ADDRESS_POOL),
    communities: custom$<Community & Obj>(COMMUNITY),
    bfdProfiles: custom$<BFDProfile & Obj>(BFD_PROFILE),
    secrets: watch<k8s.V1Secret>(`/api/v1/namespaces/${ns}/secrets`, () => core.listNamespacedSecret({ namespace: ns })),
    services: watch<k8s.V1Service>('/api/v1/services', () => core.listServiceForAllNamespaces()),
    slices: watch<k8s.V1EndpointSlice>('/apis/discovery.k8s.io/v1/endpointslices', () => discovery.listEndpointSliceForAllNamespaces()),
    nodes: watch<k8s.V1Node>('/api/v1/nodes', () => core.listNode()),
  };

  // The objects Events can be about: their API version and the cache that knows their uid.
  const eventKinds: Partial<Record<ConfigKind, { api: Resource; cache: k8s.ObjectCache<Obj> }>> = {
    BGPPeer: { api: BGP_PEER, cache: informers.peers },
    BFDProfile: { api: BFD_PROFILE, cache: informers.bfdProfiles },
    IPAddressPool: { api: IP_ADDRESS_POOL, cache: informers.pools },
    BGPAdvertisement: { api: BGP_ADVERTISEMENT, cache: informers.advertisements },
    Community: { api: COMMUNITY, cache: informers.communities },
  };

  // The last valid version of each object: an edit that breaks one keeps the version before it in force.
  const memory = new ConfigMemory();
  const configMetric = configMetrics(ctx.metrics, 'bgp');
  let lastStale = '';

  /** The Event reference of one of our objects; the uid lets `kubectl describe` find its Events. */
  function objectRef(kind: ConfigKind, name: string): ObjectRef {
    const known = eventKinds[kind];
    const uid = known?.cache.get(name, ns)?.metadata?.uid;
    return { apiVersion: known ? apiVersionOf(known.api) : '', kind, name, namespace: ns, ...(uid ? { uid } : {}) };
  }

  let announcing = true;
  async function apply(): Promise<void> {
    // Nothing before every cache is listed: an unlisted Service cache would withdraw every route and send
    // End-of-RIB for an empty table, flushing what a graceful-restart peer kept for us.
    if (stopped || !Object.values(informers).every((i) => i.listed)) return;
    const node = informers.nodes.get(ctx.nodeName);
    const secrets = new Map<string, Record<string, string>>();
    for (const s of informers.secrets.list()) {
      const data: Record<string, string> = {};
      for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
      for (const [k, v] of Object.entries(s.stringData ?? {})) data[k] = v;
      secrets.set(`${s.metadata?.namespace}/${s.metadata?.name}`, data);
    }
    const config = configFor({
      peers: informers.peers.list(),
      pools: informers.pools.list(),
      communities: informers.communities.list(),
      bgpAdvertisements: informers.advertisements.list(),
      bfdProfiles: informers.bfdProfiles.list(),
      secrets,
      namespace: ns,
    }, memory);
    const stale = config.stale;
    configMetric.loaded(stale.length > 0);
    const staleText = stale.map((s) => `${s.kind} ${s.current.metadata?.name ?? ''}: ${staleMessage(s)}`).join('\n');
    if (staleText !== lastStale) {
      for (const { kind, ...s } of stale) {
        const name = s.current.metadata?.name ?? '';
        log.error({ event: 'configStale', kind, name }, `${kind} ${name}: ${staleMessage(s)}`);
        void events.record({ involvedObject: objectRef(kind, name), type: 'Warning', reason: CONFIG_STALE_REASON, message: staleMessage(s), dedupeKey: `${kind} ${name} ${s.current.metadata?.resourceVersion ?? ''}: ${s.error}` });
      }
      lastStale = staleText;
    }
    const d = desiredBgp({
      node: { name: ctx.nodeName, labels: node?.metadata?.labels ?? {} },
      config,
      defaultRouterId: routerIdOf(node),
      services: serviceInfos(informers.services.list(), informers.slices.list(), ctx.nodeName, ctx.env.METALLB_LB_CLASS || undefined),
    });
    const problems = d.problems.map(problemText).join('\n');
    if (problems !== lastProblems) {
      for (const p of d.problems) {
        log.error({ event: 'configProblem' }, problemText(p));
        void events.record({
          involvedObject: objectRef(p.kind, p.name),
          type: 'Warning',
          reason: 'ConfigProblem',
          message: p.message,
          dedupeKey: problemText(p),
        });
      }
      lastProblems = problems;
    }
    await bfd.setPeers(d.bfd);
    await speaker.setPeers(d.peers);
    lastPeers = d.peers;
    sessionEvents.retain(d.peers.map((p) => p.name));
    // A node whose kubelet is silent (Unknown) or NotReady withdraws its routes while another node is Ready.
    const announce = readyOrAll(informers.nodes.list()).some((n) => n.metadata?.name === ctx.nodeName);
    if (announce !== announcing) {
      if (!announce) log.warn({ event: 'nodeNotReady' }, 'this node is not Ready while others are: withdrawing its routes');
      else log.info({ event: 'nodeReady' }, 'this node is Ready again: announcing its routes');
      announcing = announce;
    }
    for (const [peer, routes] of d.routes) speaker.setRoutes(peer, announce ? routes : []);
  }

  await ctx.informers.start();
  void Promise.all(Object.values(informers).map((i) => i.whenListed())).then(() => {
    log.info({ event: 'listed' }, 'every cache listed; applying the BGP configuration');
    changed();
  });
  log.info({ event: 'start', node: ctx.nodeName }, 'bgp agent started');
  return {
    healthy: () => stuckInformer(informers, STUCK_AFTER_MS) ?? true,
    async stop() {
      stopped = true;
      recompute.stop();
      const all = informers.nodes.list();
      const leaving = leavingReason(all.find((n) => n.metadata?.name === ctx.nodeName), all.length > 0);
      ctx.informers.unsubscribe(changed);
      // A planned stop: for a restart, graceful-restart peers keep our routes until we are back; a node going away
      // for good says goodbye (a Cease), so they withdraw our routes now. BGP closes first, then BFD: for a restart
      // the BFD peer is asked to wait as long (no BFD Down at all, which BIRD would take for a failure and flush the
      // routes it keeps, AdminDown too); otherwise AdminDown.
      if (leaving) log.info({ event: 'stop', reason: leaving }, `stopping for good (${leaving}): the routers withdraw our routes now`);
      await speaker.stop(!leaving);
      // A restart: a BFD peer behind a graceful-restart session waits as long as the router keeps our routes.
      await bfd.stop(true, restartHoldsMs(leaving ? [] : lastPeers));
      log.info({ event: 'stop' }, 'bgp agent stopped');
    },
  };
}
