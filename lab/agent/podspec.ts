// SPDX-License-Identifier: Apache-2.0
/**
 * A pod template's containers as local processes: argv and env as the kubelet would build them
 * (command/args with $(VAR) expansion, fieldRef, secretKeyRef, configMapKeyRef, envFrom), with the image
 * path /app mapped to the repository root. Pure: lookups are injected.
 */
import type { V1Container, V1EnvVar, V1PodSpec } from '@kubernetes/client-node';
import { containerProbes, type ContainerProbes } from './probe.js';

/** What the kubelet knows about the pod it starts. */
export interface PodContext {
  readonly name: string;
  readonly namespace: string;
  readonly nodeName: string;
  readonly podIP: string;
  readonly hostIP: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Reads Secret and ConfigMap data (already base64-decoded) from the API. */
export interface Lookups {
  secret(namespace: string, name: string): Readonly<Record<string, string>> | undefined;
  configMap(namespace: string, name: string): Readonly<Record<string, string>> | undefined;
}

export interface ProcessSpec {
  readonly container: string;
  /** The container's image reference. */
  readonly image: string;
  /** command and args after $(VAR) expansion, apart: an image's entrypoint and cmd fill what is missing. */
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly probes: ContainerProbes;
}

/** Either every container's process, or why the pod cannot start (the kubelet's CreateContainerConfigError). */
export type PodProcesses = { ok: true; processes: ProcessSpec[] } | { ok: false; reason: string; message: string };

/** Kubernetes $(VAR) expansion: known variables are replaced, $$ escapes, unknown references stay as written. */
export function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(env, name) ? (env[name] ?? m) : m;
  });
}

/** Maps the image's /app to the repository root. */
export function mapAppPath(arg: string, appRoot: string): string {
  if (arg === '/app') return appRoot;
  return arg.replace(/(^|[=:])\/app\//g, (_m, lead: string) => `${lead}${appRoot}/`);
}

function fieldValue(path: string, ctx: PodContext): string | undefined {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return (m[1] === 'labels' ? ctx.labels : ctx.annotations)[m[2] ?? ''];
  switch (path) {
    case 'metadata.name': return ctx.name;
    case 'metadata.namespace': return ctx.namespace;
    case 'spec.nodeName': return ctx.nodeName;
    case 'status.podIP': return ctx.podIP;
    case 'status.hostIP': return ctx.hostIP;
    default: return undefined;
  }
}

class ConfigError extends Error {}

function envValue(v: V1EnvVar, ctx: PodContext, look: Lookups, env: Record<string, string>): string | undefined {
  if (v.valueFrom === undefined) return expand(v.value ?? '', env);
  const f = v.valueFrom;
  if (f.fieldRef) {
    const val = fieldValue(f.fieldRef.fieldPath, ctx);
    if (val === undefined) throw new ConfigError(`env ${v.name}: unsupported fieldPath "${f.fieldRef.fieldPath}"`);
    return val;
  }
  const ref = f.secretKeyRef ?? f.configMapKeyRef;
  if (ref) {
    const kind = f.secretKeyRef ? 'secret' : 'configmap';
    const data = f.secretKeyRef ? look.secret(ctx.namespace, ref.name ?? '') : look.configMap(ctx.namespace, ref.name ?? '');
    const val = data?.[ref.key];
    if (val === undefined) {
      if (ref.optional) return undefined;
      throw new ConfigError(data ? `couldn't find key ${ref.key} in ${kind} ${ctx.namespace}/${ref.name}` : `${kind} "${ref.name}" not found`);
    }
    return val;
  }
  if (f.resourceFieldRef) return '0';
  throw new ConfigError(`env ${v.name}: unsupported valueFrom`);
}

function containerEnv(c: V1Container, ctx: PodContext, look: Lookups): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    const ref = from.secretRef ?? from.configMapRef;
    if (!ref) continue;
    const data = from.secretRef ? look.secret(ctx.namespace, ref.name ?? '') : look.configMap(ctx.namespace, ref.name ?? '');
    if (!data) {
      if (ref.optional) continue;
      throw new ConfigError(`${from.secretRef ? 'secret' : 'configmap'} "${ref.name}" not found`);
    }
    for (const [k, val] of Object.entries(data)) env[`${from.prefix ?? ''}${k}`] = val;
  }
  for (const v of c.env ?? []) {
    const val = envValue(v, ctx, look, env);
    if (val !== undefined) env[v.name] = val;
  }
  return env;
}

/**
 * Builds the processes of a pod's containers, or the reason they cannot start. With `appRoot` the image's
 * /app is the repository (processes on the host); without it the argv is the image's own (runc).
 */
export function podProcesses(spec: V1PodSpec, ctx: PodContext, look: Lookups, appRoot?: string): PodProcesses {
  try {
    const processes = spec.containers.map((c): ProcessSpec => {
      const env = containerEnv(c, ctx, look);
      const argv = [...(c.command ?? []), ...(c.args ?? [])].map((a) => (appRoot === undefined ? expand(a, env) : mapAppPath(expand(a, env), appRoot)));
      if (appRoot !== undefined && !c.command?.length) throw new ConfigError(`container ${c.name} has no command: processes on the host run commands, not image entrypoints (run the lab with images)`);
      const sep = c.command !== undefined ? { command: c.command.map((a) => expand(a, env)) } : {};
      const args = c.args !== undefined ? { args: c.args.map((a) => expand(a, env)) } : {};
      return { container: c.name, image: c.image ?? '', argv, ...sep, ...args, env, probes: containerProbes(c, ctx.podIP) };
    });
    return { ok: true, processes };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, reason: 'CreateContainerConfigError', message: e.message };
    throw e;
  }
}
