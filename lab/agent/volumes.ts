// SPDX-License-Identifier: Apache-2.0
/**
 * A pod's volumes as the kubelet sets them up: ConfigMap, Secret and downward API files, projected volumes
 * (the service-account token, kube-root-ca.crt, the namespace), emptyDir and hostPath; and each container's
 * mounts of them. The plan is pure (volumePlan, containerMounts); writeVolumes puts the files in place.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { V1Container, V1KeyToPath, V1PodSpec } from '@kubernetes/client-node';
import type { Mount } from './oci-spec.js';
import type { Lookups, PodContext } from './podspec.js';

/** One volume: files to write, an empty directory, or a host path. */
export type VolumePlan =
  | { readonly kind: 'files'; readonly files: Readonly<Record<string, string>> }
  | { readonly kind: 'dir' }
  | { readonly kind: 'host'; readonly path: string };

export class VolumeError extends Error {}

function pick(data: Readonly<Record<string, string>>, items: readonly V1KeyToPath[] | undefined, what: string, optional: boolean): Record<string, string> {
  if (!items?.length) return { ...data };
  const out: Record<string, string> = {};
  for (const it of items) {
    const v = data[it.key];
    if (v === undefined) {
      if (optional) continue;
      throw new VolumeError(`${what}: couldn't find key ${it.key}`);
    }
    out[it.path] = v;
  }
  return out;
}

function fieldFile(fieldPath: string, ctx: PodContext): string {
  switch (fieldPath) {
    case 'metadata.namespace': return ctx.namespace;
    case 'metadata.name': return ctx.name;
    case 'spec.nodeName': return ctx.nodeName;
    case 'metadata.labels': return Object.entries(ctx.labels).map(([k, v]) => `${k}="${v}"`).join('\n');
    case 'metadata.annotations': return Object.entries(ctx.annotations).map(([k, v]) => `${k}="${v}"`).join('\n');
    default: throw new VolumeError(`downward API: unsupported fieldPath "${fieldPath}"`);
  }
}

/** Every volume of the pod, by name; throws VolumeError as the kubelet's FailedMount would say it. */
export function volumePlan(spec: V1PodSpec, ctx: PodContext, look: Lookups, token: string | undefined): Map<string, VolumePlan> {
  const out = new Map<string, VolumePlan>();
  for (const v of spec.volumes ?? []) {
    if (v.configMap) {
      const data = look.configMap(ctx.namespace, v.configMap.name ?? '');
      if (!data && !v.configMap.optional) throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : configmap "${v.configMap.name}" not found`);
      out.set(v.name, { kind: 'files', files: pick(data ?? {}, v.configMap.items, `configmap "${v.configMap.name}"`, v.configMap.optional === true) });
    } else if (v.secret) {
      const data = look.secret(ctx.namespace, v.secret.secretName ?? '');
      if (!data && !v.secret.optional) throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : secret "${v.secret.secretName}" not found`);
      out.set(v.name, { kind: 'files', files: pick(data ?? {}, v.secret.items, `secret "${v.secret.secretName}"`, v.secret.optional === true) });
    } else if (v.downwardAPI) {
      out.set(v.name, { kind: 'files', files: Object.fromEntries((v.downwardAPI.items ?? []).map((it) => [it.path, it.fieldRef ? fieldFile(it.fieldRef.fieldPath, ctx) : ''])) });
    } else if (v.projected) {
      const files: Record<string, string> = {};
      for (const src of v.projected.sources ?? []) {
        if (src.serviceAccountToken) {
          if (token === undefined) throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : no service-account token`);
          files[src.serviceAccountToken.path] = token;
        } else if (src.configMap) {
          const data = look.configMap(ctx.namespace, src.configMap.name ?? '');
          if (!data && !src.configMap.optional) throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : configmap "${src.configMap.name}" not found`);
          Object.assign(files, pick(data ?? {}, src.configMap.items, `configmap "${src.configMap.name}"`, src.configMap.optional === true));
        } else if (src.secret) {
          const data = look.secret(ctx.namespace, src.secret.name ?? '');
          if (!data && !src.secret.optional) throw new VolumeError(`MountVolume.SetUp failed for volume "${v.name}" : secret "${src.secret.name}" not found`);
          Object.assign(files, pick(data ?? {}, src.secret.items, `secret "${src.secret.name}"`, src.secret.optional === true));
        } else if (src.downwardAPI) {
          for (const it of src.downwardAPI.items ?? []) files[it.path] = it.fieldRef ? fieldFile(it.fieldRef.fieldPath, ctx) : '';
        }
      }
      out.set(v.name, { kind: 'files', files });
    } else if (v.emptyDir) out.set(v.name, { kind: 'dir' });
    else if (v.hostPath) out.set(v.name, { kind: 'host', path: v.hostPath.path });
    else throw new VolumeError(`volume "${v.name}": only configMap, secret, downwardAPI, projected, emptyDir and hostPath volumes run in the lab`);
  }
  return out;
}

/** Where a volume lives on the host. */
export function volumeSource(podDir: string, name: string, plan: VolumePlan): string {
  return plan.kind === 'host' ? plan.path : path.join(podDir, 'volumes', name);
}

/** A container's mounts: each volumeMount at its path, read-only as asked (files volumes are always read-only). */
export function containerMounts(c: V1Container, plans: ReadonlyMap<string, VolumePlan>, podDir: string): Mount[] {
  return (c.volumeMounts ?? []).map((m) => {
    const plan = plans.get(m.name);
    if (!plan) throw new VolumeError(`container ${c.name}: volumeMount "${m.name}" names no volume`);
    const source = path.join(volumeSource(podDir, m.name, plan), m.subPath ?? '');
    return { destination: m.mountPath, source, readOnly: m.readOnly === true || plan.kind === 'files' };
  });
}

/** Writes the files volumes (atomically replaced) and creates the emptyDirs. */
export function writeVolumes(podDir: string, plans: ReadonlyMap<string, VolumePlan>): void {
  for (const [name, plan] of plans) {
    if (plan.kind === 'host') continue;
    const dir = volumeSource(podDir, name, plan);
    fs.mkdirSync(dir, { recursive: true, mode: plan.kind === 'dir' ? 0o777 : 0o755 });
    if (plan.kind === 'dir') {
      fs.chmodSync(dir, 0o777);
      continue;
    }
    for (const [file, content] of Object.entries(plan.files)) {
      const f = path.join(dir, file);
      fs.mkdirSync(path.dirname(f), { recursive: true });
      const tmp = `${f}.tmp`;
      fs.writeFileSync(tmp, content, { mode: 0o644 });
      fs.renameSync(tmp, f);
    }
  }
}
