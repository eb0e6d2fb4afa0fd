// SPDX-License-Identifier: Apache-2.0
/**
 * The kubelet's side of the API for one node: the Pod objects of the pods it runs (created before their
 * containers start, with the service-account volume the ServiceAccount admission adds), each pod's
 * bound service-account token (TokenRequest, bound to the Pod), and the pods' status (phase, readiness,
 * restarts). The object builders are pure; PodSync is the I/O.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import type { V1Pod, V1PodSpec, V1ServiceAccount } from '@kubernetes/client-node';
import { KubeError, type Kube } from '../kube.js';
import { prepareContainer, type ContainerHost } from './containers.js';
import { lookups, type ClusterView, type PodRef, type Problem, type Unit } from './desired.js';
import type { UnitStatus } from './supervisor.js';

/** Label on every Pod the agent publishes, so it finds and prunes exactly its own. */
export const AGENT_LABEL = 'lab.metallb/node-agent';
/** Where the service-account volume is mounted in every container. */
export const SA_MOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
/** What the kubelet asks the TokenRequest API for (the server extends it to a year). */
export const KUBELET_TOKEN_SECONDS = 3607;

const podKey = (p: { namespace: string; name: string }): string => `${p.namespace}/${p.name}`;

/** Whether a pod gets a token: the pod's automountServiceAccountToken, else its ServiceAccount's, else yes. */
export function automounts(spec: V1PodSpec, sa: V1ServiceAccount | undefined): boolean {
  return spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
}

/** The pod spec as the API stores it: bound to its node, with the kube-api-access volume when it mounts a token. Pure. */
export function podSpec(p: PodRef, mountToken: boolean): V1PodSpec {
  const spec: V1PodSpec = { ...p.spec, nodeName: p.node, serviceAccountName: p.spec.serviceAccountName ?? 'default' };
  if (!mountToken) return spec;
  const vol = `kube-api-access-${createHash('sha256').update(podKey(p)).digest('hex').slice(0, 5)}`;
  spec.volumes = [...(p.spec.volumes ?? []), {
    name: vol,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: KUBELET_TOKEN_SECONDS, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  }];
  spec.containers = p.spec.containers.map((c) => ({ ...c, volumeMounts: [...(c.volumeMounts ?? []), { name: vol, mountPath: SA_MOUNT, readOnly: true }] }));
  return spec;
}

/** A Pod object as it is created: Pending, owned by its workload. Pure. */
export function podObject(p: PodRef, mountToken: boolean): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: p.name,
      namespace: p.namespace,
      labels: { ...p.labels, [AGENT_LABEL]: 'true' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: p.owner.kind, name: p.owner.name, uid: p.owner.uid, controller: true, blockOwnerDeletion: true }],
    },
    spec: podSpec(p, mountToken),
    status: { phase: 'Pending' },
  };
}

/** The status of a pod from its containers' units: Running when all run, Ready when all are ready. Pure. */
export function podStatus(us: readonly UnitStatus[]): NonNullable<V1Pod['status']> {
  const p = us[0]?.pod;
  const running = us.length > 0 && us.every((u) => u.state === 'running');
  const ready = running && us.every((u) => u.ready);
  return {
    phase: running ? 'Running' : 'Pending',
    ...(p?.podIP ? { podIP: p.podIP, podIPs: [{ ip: p.podIP }], hostIP: p.hostNetwork ? p.podIP : undefined } : {}),
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }, { type: 'ContainersReady', status: ready ? 'True' : 'False' }],
    containerStatuses: us.map((u) => ({
      name: u.pod?.container ?? '',
      image: u.pod?.spec.containers.find((c) => c.name === u.pod?.container)?.image ?? '',
      imageID: '',
      ready: u.ready,
      restartCount: u.restarts,
      started: u.state === 'running',
      state: u.state === 'running' ? { running: {} } : { waiting: { reason: u.restarts ? 'CrashLoopBackOff' : 'ContainerCreating', ...(u.lastExit ? { message: u.lastExit } : {}) } },
    })),
  } as NonNullable<V1Pod['status']>;
}

/** Units grouped by pod, in the order they come. */
export function byPod<T extends { pod?: PodRef | undefined }>(units: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const u of units) if (u.pod) out.set(podKey(u.pod), [...(out.get(podKey(u.pod)) ?? []), u]);
  return out;
}

/** A kubeconfig for a pod's process: the API through the forwarder on 127.0.0.1, the pod's own token. */
export function podKubeconfig(apiPort: number, caPem: string, token: string): string {
  return [
    'apiVersion: v1', 'kind: Config',
    'clusters:', '- name: lab', '  cluster:', `    server: https://127.0.0.1:${apiPort}`, `    certificate-authority-data: ${Buffer.from(caPem).toString('base64')}`,
    'users:', '- name: pod', '  user:', `    token: ${token}`,
    'contexts:', '- name: pod', '  context:', '    cluster: lab', '    user: pod',
    'current-context: pod', '',
  ].join('\n');
}

export interface PodSyncOptions {
  readonly kube: Kube;
  /** The node this agent is the kubelet of. */
  readonly node: string;
  /** Per-pod directories: <podsDir>/<namespace>_<name>_<uid>/. */
  readonly podsDir: string;
  readonly apiPort: number;
  readonly caPem: string;
  /** Run containers from their images under runc; processes on the host otherwise. */
  readonly containers?: ContainerHost;
}

/** Where a pod's files live (credentials, volumes, logs). */
export function podDir(podsDir: string, p: { namespace: string; name: string }, uid: string): string {
  return path.join(podsDir, `${p.namespace}_${p.name}_${uid}`);
}

export class PodSync {
  readonly #written = new Map<string, string>();
  /** pod key -> uid -> kubeconfig written for it. */
  readonly #creds = new Map<string, { uid: string; kubeconfig: string; token: string }>();

  constructor(readonly o: PodSyncOptions) {}

  /**
   * Makes the API side ready for `units` before any starts: this node's Pod objects exist (stale ones are
   * deleted), and each pod that mounts a token has a kubeconfig with a token bound to it. Returns the
   * units that may start, their KUBECONFIG pointing at their pod's own credentials (or removed), and why
   * the others cannot start. The Pods of `keep` (already admitted and running) are left as they are.
   */
  async admit(units: readonly Unit[], view: ClusterView, keep: readonly Unit[] = []): Promise<{ units: Unit[]; problems: Problem[] }> {
    const k = this.o.kube;
    const existing = await k.list<V1Pod>(`/api/v1/pods?labelSelector=${encodeURIComponent(`${AGENT_LABEL}=true`)}&fieldSelector=${encodeURIComponent(`spec.nodeName=${this.o.node}`)}`);
    const pods = byPod(units);
    const kept = byPod(keep);
    for (const p of existing) {
      const key = `${p.metadata?.namespace}/${p.metadata?.name}`;
      if (!pods.has(key) && !kept.has(key)) {
        await k.delete(`/api/v1/namespaces/${p.metadata?.namespace}/pods/${p.metadata?.name}`);
        this.#written.delete(key);
        this.#creds.delete(key);
      }
    }
    const out: Unit[] = [];
    const problems: Problem[] = [];
    const accounts = new Map<string, V1ServiceAccount | undefined>();
    for (const [key, us] of pods) {
      const ref = us[0]?.pod;
      if (!ref) continue;
      const saName = ref.spec.serviceAccountName ?? 'default';
      const saKey = `${ref.namespace}/${saName}`;
      if (!accounts.has(saKey)) accounts.set(saKey, await k.get<V1ServiceAccount>(`/api/v1/namespaces/${ref.namespace}/serviceaccounts/${saName}`).catch(() => undefined));
      const sa = accounts.get(saKey);
      if (!sa) {
        problems.push({ pod: key, reason: 'FailedCreate', message: `pods "${ref.name}" is forbidden: error looking up service account ${saKey}: serviceaccount "${saName}" not found` });
        continue;
      }
      const mount = automounts(ref.spec, sa);
      let pod = existing.find((p) => `${p.metadata?.namespace}/${p.metadata?.name}` === key);
      if (!pod) {
        try {
          pod = await k.request<V1Pod>('POST', `/api/v1/namespaces/${ref.namespace}/pods`, podObject(ref, mount));
        } catch (e) {
          problems.push({ pod: key, reason: 'FailedCreate', message: (e as Error).message });
          continue;
        }
      }
      const uid = pod.metadata?.uid ?? '';
      let creds: { kubeconfig: string; token: string } | undefined;
      if (mount) {
        try {
          creds = await this.#credentials(ref, uid, saName);
        } catch (e) {
          problems.push({ pod: key, reason: 'CreateContainerConfigError', message: `service-account token: ${(e as Error).message}` });
          continue;
        }
      }
      const dir = podDir(this.o.podsDir, ref, uid);
      const ready: Unit[] = [];
      for (const u of us) {
        const { KUBECONFIG: _admin, ...env } = u.env;
        const unit: Unit = { ...u, key: `${u.key}:${uid.slice(0, 8)}`, env, logFile: path.join(dir, `${u.pod?.container ?? 'c'}.log`) };
        if (!this.o.containers) {
          ready.push(creds ? { ...unit, env: { ...env, KUBECONFIG: creds.kubeconfig } } : unit);
          continue;
        }
        try {
          const ctx = { name: ref.name, namespace: ref.namespace, nodeName: ref.node, podIP: ref.podIP, hostIP: ref.podIP, labels: ref.labels, annotations: {} };
          const container = await prepareContainer(this.o.containers, { podDir: dir, spec: podSpec(ref, mount), ctx, container: u.pod?.container ?? '', image: u.image ?? '', command: u.command, args: u.args, env, netns: u.netns, token: creds?.token, look: lookups(view) });
          ready.push({ ...unit, container });
        } catch (e) {
          problems.push({ pod: key, reason: /not in the lab's image store/.test((e as Error).message) ? 'ErrImagePull' : 'CreateContainerConfigError', message: (e as Error).message });
        }
      }
      // A pod starts when all its containers can.
      if (ready.length === us.length) out.push(...ready);
    }
    return { units: out, problems };
  }

  /** The pod's token (bound to the Pod), written with the CA and namespace as the projected volume holds them, and a kubeconfig. */
  async #credentials(ref: PodRef, uid: string, sa: string): Promise<{ kubeconfig: string; token: string }> {
    const key = podKey(ref);
    const have = this.#creds.get(key);
    if (have?.uid === uid) return have;
    const tr = await this.o.kube.request<{ status?: { token?: string } }>('POST', `/api/v1/namespaces/${ref.namespace}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest',
      spec: { expirationSeconds: KUBELET_TOKEN_SECONDS, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: ref.name, uid } },
    });
    const token = tr.status?.token;
    if (!token) throw new Error('the TokenRequest answer has no token');
    const dir = path.join(podDir(this.o.podsDir, ref, uid), 'serviceaccount');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'token'), token, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'ca.crt'), this.o.caPem, { mode: 0o644 });
    fs.writeFileSync(path.join(dir, 'namespace'), ref.namespace, { mode: 0o644 });
    const kubeconfig = path.join(podDir(this.o.podsDir, ref, uid), 'kubeconfig');
    fs.writeFileSync(kubeconfig, podKubeconfig(this.o.apiPort, this.o.caPem, token), { mode: 0o600 });
    this.#creds.set(key, { uid, kubeconfig, token });
    return { kubeconfig, token };
  }

  /** Posts each pod's status when it changed. */
  async publish(units: readonly UnitStatus[]): Promise<void> {
    for (const [key, us] of byPod(units)) {
      const p = us[0]?.pod;
      if (!p) continue;
      const status = podStatus(us);
      const text = JSON.stringify(status);
      if (this.#written.get(key) === text) continue;
      try {
        await this.o.kube.mergePatch(`/api/v1/namespaces/${p.namespace}/pods/${p.name}/status`, { status });
        this.#written.set(key, text);
      } catch (e) {
        if (!(e instanceof KubeError) || e.code !== 404) throw e;
      }
    }
  }
}
