// SPDX-License-Identifier: Apache-2.0
/** The embedded API server with the module's CRDs, plus in-process controller replicas, for the controller's tests. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { KubernetesObjectApi, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import pino from 'pino';
import type { ApiServer } from '../../lab/apiserver/index.js';
import type { TestApiServer } from '../helpers/apiserver.js';
import { Controller, type ControllerOptions } from '../../images/controller/src/reconciler.js';
import type { ElectionTiming } from '../../images/controller/src/leader.js';
import { until } from '../helpers/until.js';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
export const CRDS = ['crds/internal/l2lbservices.yaml', 'crds/native/ipaddresspools.yaml', 'crds/metalloadbalancerclasses.yaml'].map((f) => path.join(ROOT, f));
export const FAST: ElectionTiming = { leaseDurationMs: 2000, renewDeadlineMs: 1400, retryPeriodMs: 250 };

export interface Cluster {
  server: ApiServer;
  kc: KubeConfig;
  objects: KubernetesObjectApi;
  kubectl(...args: string[]): Promise<string>;
  apply(...objs: KubernetesObject[]): Promise<void>;
}

/** Loads the module's CRDs into the test's API server (started by useApiServer) and creates d8-metallb. */
export async function prepare(api: TestApiServer): Promise<Cluster> {
  const kc = api.kubeConfig();
  const kubectl = async (...args: string[]): Promise<string> => {
    const { stdout } = await run('kubectl', ['--kubeconfig', api.kubeconfigPath, ...args], { maxBuffer: 64 << 20 });
    return stdout;
  };
  for (const f of CRDS) await kubectl('apply', '-f', f);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  await waitFor(async () => (await kubectl('get', 'sdninternall2lbservices', '-A', '-o', 'name').then(() => true, () => false)), 10_000);
  await objects.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'd8-metallb' } });
  return {
    server: api.server, kc, objects, kubectl,
    async apply(...objs) {
      for (const o of objs) {
        const existing = await objects.read(o as KubernetesObject & { metadata: { name: string } }).catch(() => undefined);
        if (existing) await objects.replace({ ...o, metadata: { ...o.metadata, resourceVersion: existing.metadata?.resourceVersion } } as KubernetesObject);
        else await objects.create(o);
      }
    },
  };
}

/** One controller replica in this process, with its own metrics registry. */
export async function replica(c: Cluster, identity: string, timing: ElectionTiming = FAST, extra: Partial<ControllerOptions> = {}): Promise<{ controller: Controller; registry: Registry }> {
  const registry = new Registry();
  const log = pino({ level: process.env.LOG_LEVEL ?? 'silent', base: { component: 'controller', identity } });
  const controller = new Controller({ kubeConfig: c.kc, namespace: 'd8-metallb', identity, log, registry, timing, ...extra });
  await controller.start();
  return { controller, registry };
}

export async function metric(reg: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await reg.getMetricsAsJSON()).find((x) => x.name === name);
  const v = (m?.values ?? []).filter((x) => Object.entries(labels).every(([k, val]) => String((x.labels as Record<string, unknown>)[k]) === val));
  return v.reduce((s, x) => s + x.value, 0);
}

/** Polls until `ok` returns true and says how long it took (ms); throws with `what` after the timeout. */
export async function waitFor(ok: () => Promise<boolean> | boolean, ms = 10_000, what = 'condition'): Promise<number> {
  const start = Date.now();
  await until(what, ok, ms, 50);
  return Date.now() - start;
}

export function l2Pool(name: string, addresses: string[]): KubernetesObject {
  return {
    apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool',
    metadata: { name, namespace: 'd8-metallb', labels: { heritage: 'deckhouse', module: 'metallb', app: 'l2', 'network.deckhouse.io/metal-load-balancer-class': name } },
    spec: { addresses, autoAssign: true, avoidBuggyIPs: false },
  } as KubernetesObject;
}

export function bgpPool(name: string, addresses: string[], extra: Record<string, unknown> = {}): KubernetesObject {
  return {
    apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool',
    metadata: { name, namespace: 'd8-metallb', labels: { heritage: 'deckhouse', module: 'metallb', app: 'bgp' } },
    spec: { addresses, ...extra },
  } as KubernetesObject;
}

/** A Service and its instances as the hooks and templates render them for `external-ips-count`. */
export function l2Service(ns: string, name: string, cls: string, count: number, extraAnn: Record<string, string> = {}): KubernetesObject[] {
  const ports = [{ name: 'http', protocol: 'TCP', port: 8000, targetPort: 80 }];
  const svc = {
    apiVersion: 'v1', kind: 'Service',
    metadata: { name, namespace: ns, annotations: { 'network.deckhouse.io/l2-load-balancer-external-ips-count': String(count) } },
    spec: { type: 'LoadBalancer', loadBalancerClass: cls, selector: { app: name }, ports },
  };
  const instances = Array.from({ length: count }, (_, i) => ({
    apiVersion: 'internal.network.deckhouse.io/v1alpha1', kind: 'SDNInternalL2LBService',
    metadata: { name: `${name}-${cls}-${i}`, namespace: ns, labels: { 'parent-service': name }, annotations: { 'metallb.io/preferredL2SpeakerNode': `node-${i}`, 'metallb.io/address-pool': cls, ...extraAnn } },
    spec: { type: 'LoadBalancer', loadBalancerClass: 'l2-load-balancer-class.network.deckhouse.io', serviceRef: { name, namespace: ns }, selector: { app: name }, ports, externalTrafficPolicy: 'Cluster' },
  }));
  return [svc as KubernetesObject, ...(instances as KubernetesObject[])];
}

export async function statusIps(c: Cluster, kind: string, ns: string, name: string): Promise<string[]> {
  const out = await c.kubectl('get', kind, '-n', ns, name, '-o', 'json');
  const o = JSON.parse(out) as { status?: { loadBalancer?: { ingress?: Array<{ ip?: string }> } } };
  return (o.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? '');
}
