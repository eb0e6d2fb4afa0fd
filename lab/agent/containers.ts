// SPDX-License-Identifier: Apache-2.0
/**
 * A container's runc bundle, from its Pod as the API stores it: the image unpacked from the store, the
 * security resolved from the securityContext, the volumes written and mounted, the in-cluster environment
 * (KUBERNETES_SERVICE_HOST/PORT reach the API through the forwarder on 127.0.0.1 of the pod's network
 * namespace, the token is the mounted service-account volume), and config.json written beside them.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { V1PodSpec } from '@kubernetes/client-node';
import type { ImageStore } from './images.js';
import { resolveSecurity, runtimeSpec, seccompFor, type Mount, type SeccompProfileFile } from './oci-spec.js';
import type { Lookups, PodContext } from './podspec.js';
import { containerMounts, volumePlan, writeVolumes } from './volumes.js';

export interface ContainerHost {
  readonly store: ImageStore;
  /** The distribution's default seccomp profile (RuntimeDefault), when the machine has one. */
  readonly seccomp?: SeccompProfileFile | undefined;
  readonly apiPort: number;
  /** Prefix of every runc container id the lab makes, so they are found by exact name. */
  readonly idPrefix: string;
}

export interface ContainerRequest {
  readonly podDir: string;
  readonly spec: V1PodSpec;
  readonly ctx: PodContext;
  readonly container: string;
  readonly image: string;
  readonly command?: readonly string[] | undefined;
  readonly args?: readonly string[] | undefined;
  readonly env: Readonly<Record<string, string>>;
  /** The network namespace the container joins (name under /run/netns). */
  readonly netns: string;
  readonly token?: string | undefined;
  readonly look: Lookups;
}

/** The runc id of a pod's container. */
export function containerId(prefix: string, namespace: string, pod: string, container: string): string {
  return `${prefix}${namespace}.${pod}.${container}`.slice(0, 200);
}

/** Writes the bundle of one container; returns its id and directory, or throws what the kubelet would report. */
export async function prepareContainer(h: ContainerHost, r: ContainerRequest): Promise<{ id: string; bundle: string }> {
  const c = r.spec.containers.find((x) => x.name === r.container);
  if (!c) throw new Error(`no container ${r.container} in the pod`);
  const image = await h.store.unpack(r.image);
  const security = resolveSecurity(r.spec, c, image.config);
  const plans = volumePlan(r.spec, r.ctx, r.look, r.token);
  writeVolumes(r.podDir, plans);
  const bundle = path.join(r.podDir, 'containers', r.container);
  fs.mkdirSync(bundle, { recursive: true });
  const hosts = path.join(r.podDir, 'etc-hosts');
  fs.writeFileSync(hosts, `127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n`);
  const termination = path.join(bundle, 'termination-log');
  if (!fs.existsSync(termination)) fs.writeFileSync(termination, '', { mode: 0o666 });
  const mounts: Mount[] = [
    ...containerMounts(c, plans, r.podDir),
    { destination: '/etc/hosts', source: hosts, readOnly: true },
    { destination: c.terminationMessagePath ?? '/dev/termination-log', source: termination, readOnly: false },
  ];
  // command replaces the image's entrypoint, args its cmd (and an entrypoint without cmd when only args are given).
  const args = r.command !== undefined ? [...r.command, ...(r.args ?? [])] : [...(image.config.Entrypoint ?? []), ...(r.args ?? image.config.Cmd ?? [])];
  if (!args.length) throw new Error(`container ${r.container}: neither the pod nor the image gives a command`);
  const imageEnv = Object.fromEntries((image.config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const env = { ...imageEnv, HOSTNAME: r.spec.hostNetwork ? r.ctx.nodeName : r.ctx.name, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(h.apiPort), ...r.env };
  // A writable root is the pod's own copy of the image's; a read-only one is shared.
  let rootfs = image.rootfs;
  if (!security.readOnlyRoot) {
    rootfs = path.join(bundle, 'rootfs');
    if (!fs.existsSync(rootfs)) await promisify(execFile)('cp', ['-a', image.rootfs, rootfs]);
  }
  const config = runtimeSpec({
    args,
    env,
    cwd: c.workingDir ?? image.config.WorkingDir ?? '/',
    hostname: r.spec.hostNetwork ? r.ctx.nodeName : r.ctx.name,
    rootfs,
    netnsPath: `/run/netns/${r.netns}`,
    security,
    mounts,
    seccomp: h.seccomp && security.seccomp === 'RuntimeDefault' ? seccompFor(h.seccomp, security.caps) : undefined,
  });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config, null, 1));
  return { id: containerId(h.idPrefix, r.ctx.namespace, r.ctx.name, r.container), bundle };
}
