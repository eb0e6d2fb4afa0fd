// SPDX-License-Identifier: Apache-2.0
/**
 * The L2 agent: watches instances, L2Advertisements, Nodes and EndpointSlices, feeds the L2
 * speaker, keeps ServiceL2Status objects for what this node announces, and records conflict Events.
 * An L2Advertisement edited into something invalid keeps its last valid version in force (ConfigStale).
 */
import * as k8s from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { apiVersionOf, L2_ADVERTISEMENT, resourcePath, SDN_INTERNAL_L2LB_SERVICE, SERVICE_L2_STATUS, STATUS_NODE_LABEL, STATUS_SERVICE_NAME_LABEL, STATUS_SERVICE_NAMESPACE_LABEL } from '../../../../lib/api/index.js';
import { Coalescer } from '../../../../lib/coalesce.js';
import { eachLimited } from '../../../../lib/each-limited.js';
import { configMetrics } from '../../../../lib/config-metrics.js';
import { configFor, ConfigMemory, type StaleConfig } from '../../../../lib/config/model.js';
import { CONFIG_STALE_REASON, staleMessage } from '../../../../lib/last-good.js';
import type { L2Advertisement, SDNInternalL2LBService, ServiceL2Status } from '../../../../lib/schemas/types.generated.js';
import type { SpeakerAgent, SpeakerContext } from '../context.js';
import { DEFEND_INTERVAL_MS } from './decide/announcer.js';
import { leavingReason } from '../nodes.js';
import { desiredL2, peerAddresses } from './decide/desired.js';
import { parseExclusions } from './decide/interfaces.js';
import { l2OptionsFromEnv } from './options.js';
import { startL2Runtime } from './runtime.js';
import type { L2Instance, SpeakerEvent } from './decide/speaker.js';
import { buildTopology } from './decide/topology.js';

/** ServiceL2Status writes in flight at once. */
const STATUS_WRITES = 8;
/** How long the statuses as written are trusted before they are listed again. */
const STATUS_RELIST_MS = 60_000;
/** Where the DaemonSet mounts the metallb-excludel2 ConfigMap. */
const EXCLUSIONS_FILE = '/etc/metallb/excluded-interfaces/excludel2.yaml';

type Obj = k8s.KubernetesObject;

function statusName(namespace: string, service: string, node: string): string {
  return `l2-${createHash('sha256').update(`${namespace}/${service}/${node}`).digest('hex').slice(0, 16)}`;
}

/** Starts the L2 agent for this node. */
export async function startL2Agent(ctx: SpeakerContext): Promise<SpeakerAgent> {
  const log = ctx.log.child({ component: 'l2' });
  const kc = ctx.kubeConfig;
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
  const version = kc.makeApiClient(k8s.VersionApi);
  const options = l2OptionsFromEnv(ctx.env);
  const keyText = ctx.env.METALLB_HEARTBEAT_KEY ?? '';

  const exclusionsFile = ctx.env.METALLB_EXCLUDED_INTERFACES_FILE ?? EXCLUSIONS_FILE;
  let excluded: RegExp[] | undefined;
  if (fs.existsSync(exclusionsFile)) {
    try {
      excluded = parseExclusions(fs.readFileSync(exclusionsFile, 'utf8'));
    } catch (e) {
      log.error({ op: 'start', file: exclusionsFile, err: (e as Error).message }, 'ignoring the interface exclusion list; using the module defaults');
    }
  }

  let apiOk = true;
  const setApi = (ok: boolean): void => {
    apiOk = ok;
    rt?.speaker.setApiOk(ok);
  };
  // Every change recomputes from the caches: 20 ms after it, or five times as long as the last recompute took, so
  // a burst of thousands of instance changes costs a bounded share of the CPU. Peers' heartbeats do not wait for this.
  const recompute = new Coalescer(() => apply(), 20, 5);
  const changed = (): void => recompute.trigger();
  const apiUp = (): void => setApi(true);
  const apiDown = (): void => setApi(false);
  const ns = ctx.namespace;
  const watch = <T extends Obj>(path: string, fn: () => Promise<unknown>) => {
    const inf = ctx.informers.watch<T>(path, fn, changed);
    inf.on(k8s.CONNECT, apiUp);
    inf.on(k8s.ERROR, apiDown);
    return inf;
  };
  const nodes = watch<k8s.V1Node>('/api/v1/nodes', () => core.listNode());
  const instances = watch<Obj>(resourcePath(SDN_INTERNAL_L2LB_SERVICE), () => custom.listClusterCustomObject({ ...SDN_INTERNAL_L2LB_SERVICE }));
  const advs = watch<Obj>(resourcePath(L2_ADVERTISEMENT, ns), () => custom.listNamespacedCustomObject({ ...L2_ADVERTISEMENT, namespace: ns }));
  const slices = watch<k8s.V1EndpointSlice>('/apis/discovery.k8s.io/v1/endpointslices', () => discovery.listEndpointSliceForAllNamespaces());

  const rt = await startL2Runtime({
    node: ctx.nodeName,
    key: Buffer.from(keyText, 'utf8'),
    options,
    log,
    registry: ctx.metrics,
    apiOk: () => apiOk,
    onEvent: (e) => onEvent(e),
    ...(excluded ? { excluded } : {}),
  });

  // The last valid version of each L2Advertisement: an edit that breaks one keeps the version before it in force.
  const memory = new ConfigMemory();
  const configMetric = configMetrics(ctx.metrics, 'l2');
  let lastStale = '';
  function reportStale(stale: readonly StaleConfig[]): void {
    configMetric.loaded(stale.length > 0);
    const text = stale.map((s) => `${s.current.metadata?.resourceVersion ?? ''} ${s.error}`).join('\n');
    if (text === lastStale) return;
    lastStale = text;
    for (const s of stale) {
      const md: k8s.V1ObjectMeta = s.current.metadata ?? {};
      const name = md.name ?? '';
      log.error({ op: 'config', kind: 'L2Advertisement', name }, staleMessage(s));
      const involvedObject = { apiVersion: apiVersionOf(L2_ADVERTISEMENT), kind: L2_ADVERTISEMENT.kind, name, namespace: md.namespace ?? ns, ...(typeof md.uid === 'string' ? { uid: md.uid } : {}) };
      void ctx.events.record({ involvedObject, type: 'Warning', reason: CONFIG_STALE_REASON, message: staleMessage(s), dedupeKey: `L2Advertisement ${name} ${md.resourceVersion ?? ''}: ${s.error}` });
    }
  }

  const reported = new Set<string>();
  // the instances last handed to the speaker
  let current: L2Instance[] = [];
  function apply(): void {
    const config = configFor({ l2Advertisements: advs.list() as L2Advertisement[] }, memory);
    reportStale(config.stale);
    const d = desiredL2(instances.list() as SDNInternalL2LBService[], config, nodes.list(), slices.list());
    for (const p of d.problems) {
      const k = `${p.key}:${p.reason}`;
      if (!reported.has(k)) log.warn({ op: 'instance', instance: p.key, reason: p.reason }, `not announcing: ${p.message}`);
      reported.add(k);
    }
    rt.setAddresses(peerAddresses(nodes.list()));
    rt.speaker.setTopology(buildTopology(d.instances, d.groups, options.backups));
    current = d.instances;
    statusSoon();
  }

  function onEvent(e: SpeakerEvent): void {
    if (e.type !== 'conflict') {
      statusSoon();
      return;
    }
    if (e.stale) return;
    for (const svc of new Set(e.instances.map((i) => `${i.service.namespace}/${i.service.name}`))) {
      const [namespace = '', name = ''] = svc.split('/');
      const outcome = e.yielded
        ? `node ${ctx.nodeName} does not announce it, and probes again in ${Math.round(options.announcer.conflictRetryMs / 1000)} s`
        : `node ${ctx.nodeName} defends it (one announcement; it yields only if the claim comes again within ${DEFEND_INTERVAL_MS / 1000} s)`;
      const message = `${e.ip} is also claimed by ${e.mac} (seen by node ${ctx.nodeName} while ${e.phase === 'probe' ? 'probing' : 'announcing'}); ${outcome}`;
      // With the Service's uid, `kubectl describe service` lists the Event.
      void core.readNamespacedService({ name, namespace }).then((o) => o.metadata?.uid, () => undefined).then((uid) => {
        void ctx.events.record({ involvedObject: { apiVersion: 'v1', kind: 'Service', name, namespace, ...(uid ? { uid } : {}) }, type: 'Warning', reason: 'AddressConflict', message });
      });
    }
  }

  // ServiceL2Status: one per Service this node announces, as MetalLB 0.14 keeps them; written 200 ms after a change at
  // the earliest, or five times as long as the last sync took.
  const statusSync = new Coalescer(() => syncStatus().catch((e: Error) => {
    log.warn({ op: 'status', err: e.message }, 'cannot update ServiceL2Status; retrying');
    statusSync.trigger();
  }), 200, 5);
  function statusSoon(): void {
    statusSync.trigger();
  }

  // The statuses of this node as last listed or written (name -> object and the status we wrote): a sync lists them
  // first, after a failed write and once a minute (someone may have deleted one), and otherwise writes only what changed.
  let written: Map<string, { object: ServiceL2Status; status: string }> | undefined;
  let listedAt = 0;
  async function syncStatus(): Promise<void> {
    const announced = new Set(rt.speaker.announced());
    const want = new Map<string, ServiceL2Status>();
    const links = rt.speaker.upLinks().links;
    for (const i of current) {
      if (!announced.has(i.ip)) continue;
      const name = statusName(i.service.namespace, i.service.name, ctx.nodeName);
      const ifaces = new Set((want.get(name)?.status?.interfaces ?? []).map((x) => x.name));
      for (const l of links) if (i.interfaces.length === 0 || i.interfaces.includes(l)) ifaces.add(l);
      want.set(name, {
        apiVersion: apiVersionOf(SERVICE_L2_STATUS),
        kind: 'ServiceL2Status',
        metadata: { name, namespace: ns, labels: { [STATUS_NODE_LABEL]: ctx.nodeName, [STATUS_SERVICE_NAME_LABEL]: i.service.name, [STATUS_SERVICE_NAMESPACE_LABEL]: i.service.namespace } },
        status: { node: ctx.nodeName, serviceName: i.service.name, serviceNamespace: i.service.namespace, interfaces: [...ifaces].sort().map((n) => ({ name: n })) },
      });
    }
    if (!written || Date.now() - listedAt > STATUS_RELIST_MS) {
      listedAt = Date.now();
      const have = (await custom.listNamespacedCustomObject({ ...SERVICE_L2_STATUS, namespace: ns, labelSelector: `${STATUS_NODE_LABEL}=${ctx.nodeName}` })) as { items?: ServiceL2Status[] };
      written = new Map((have.items ?? []).map((o) => [o.metadata.name ?? '', { object: o, status: JSON.stringify(o.status ?? {}) }]));
    }
    const known = written;
    try {
      await eachLimited([...known.keys()].filter((name) => !want.has(name)), STATUS_WRITES, async (name) => {
        await custom.deleteNamespacedCustomObject({ ...SERVICE_L2_STATUS, namespace: ns, name }).catch((e: unknown) => {
          if ((e as { code?: number }).code !== 404) throw e;
        });
        known.delete(name);
      });
      const changed = [...want].filter(([name, o]) => known.get(name)?.status !== JSON.stringify(o.status));
      await eachLimited(changed, STATUS_WRITES, async ([name, o]) => {
        const cur = known.get(name)?.object ?? ((await custom.createNamespacedCustomObject({ ...SERVICE_L2_STATUS, namespace: ns, body: { ...o, status: undefined } })) as ServiceL2Status);
        const next = (await custom.replaceNamespacedCustomObjectStatus({ ...SERVICE_L2_STATUS, namespace: ns, name, body: { ...cur, status: o.status } })) as ServiceL2Status;
        known.set(name, { object: next, status: JSON.stringify(o.status) });
      });
    } catch (e) {
      written = undefined; // someone else changed them, or the server went away: list again next time
      throw e;
    }
  }

  // The API server's health, beyond what the watches notice.
  const probe = setInterval(() => {
    const t = setTimeout(() => setApi(false), 1500);
    version.getCode().then(() => {
      clearTimeout(t);
      if (!apiOk) setApi(true);
    }, () => {
      clearTimeout(t);
      setApi(false);
    });
  }, 2000);

  // start() resolves once the watch is open, which some servers only confirm with the first event: don't wait forever.
  await Promise.race([ctx.informers.start(), new Promise((r) => setTimeout(r, 3000))]);
  apply();
  // Peers are known now: hear them for one detection time before deciding anything.
  rt.speaker.start();
  log.info({ op: 'start', node: ctx.nodeName, heartbeatMs: options.liveness.intervalMs, multiplier: options.liveness.multiplier }, 'l2 agent started');

  return {
    async stop() {
      // A rolling update replaces us on this node: peers hold our addresses until our next process resumes them.
      // A node going away (its Node says so) hands them over at once instead.
      const all = nodes.list();
      const leaving = leavingReason(all.find((n) => n.metadata?.name === ctx.nodeName), all.length > 0);
      if (leaving) log.info({ op: 'stop', reason: leaving }, `stopping for good (${leaving}): handing our addresses over`);
      // Stopped: what we announced stays in the statuses for our next process (or the heirs), which correct them.
      statusSync.stop();
      clearInterval(probe);
      recompute.stop();
      ctx.informers.unsubscribe(changed);
      for (const i of [nodes, instances, advs, slices]) {
        i.off(k8s.CONNECT, apiUp);
        i.off(k8s.ERROR, apiDown);
      }
      await rt.stop(leaving ? 'handOff' : 'restart');
      log.info({ op: 'stop' }, 'l2 agent stopped');
    },
  };
}
