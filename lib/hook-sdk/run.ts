// SPDX-License-Identifier: Apache-2.0
/** Runs one hook against the protocol files named by the environment (the I/O shell around buildInput). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBindingContexts } from './context.js';
import type { HookEntry } from './hook.js';
import { buildInput, type HookOutput } from './input.js';
import { encodeKubeOperations } from './kube-ops.js';
import { encodeMetricOperations } from './metrics.js';

/** The protocol's environment variables and module-sdk's defaults when one is unset. */
export const PROTOCOL_FILES = {
  BINDING_CONTEXT_PATH: 'in/binding_context.json',
  VALUES_PATH: 'in/values_path.json',
  CONFIG_VALUES_PATH: 'in/config_values_path.json',
  VALUES_JSON_PATCH_PATH: 'out/values.json',
  CONFIG_VALUES_JSON_PATCH_PATH: 'out/config_values.json',
  KUBERNETES_PATCH_PATH: 'out/kubernetes.json',
  METRICS_PATH: 'out/metrics.json',
} as const;

export type ProtocolFile = keyof typeof PROTOCOL_FILES;

function file(env: NodeJS.ProcessEnv, k: ProtocolFile): string {
  return env[k] || PROTOCOL_FILES[k];
}

function readJson(env: NodeJS.ProcessEnv, k: ProtocolFile, fallback: unknown): unknown {
  const p = file(env, k);
  if (!fs.existsSync(p)) {
    if (env[k]) throw new Error(`${k}: ${p} does not exist`);
    return fallback;
  }
  const text = fs.readFileSync(p, 'utf8');
  if (text.trim() === '') return fallback;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${k}: ${p} is not valid JSON: ${(e as Error).message}`);
  }
}

export const OUTPUT_FILES = ['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH'] as const;
export type OutputFile = (typeof OUTPUT_FILES)[number];

/** The text each output file gets; empty outputs leave the file as the caller created it. */
export function encodeOutput(o: HookOutput): Record<OutputFile, string> {
  return {
    VALUES_JSON_PATCH_PATH: o.values.length ? JSON.stringify(o.values) + '\n' : '',
    CONFIG_VALUES_JSON_PATCH_PATH: o.configValues.length ? JSON.stringify(o.configValues) + '\n' : '',
    KUBERNETES_PATCH_PATH: encodeKubeOperations(o.kube),
    METRICS_PATH: encodeMetricOperations(o.metrics),
  };
}

/**
 * Reads the inputs, runs the handler, and writes the outputs only when the handler succeeded,
 * so a failing run leaves nothing half-written.
 */
export async function runHook(hook: HookEntry, env: NodeJS.ProcessEnv, module?: string): Promise<HookOutput> {
  const contexts = parseBindingContexts(readJson(env, 'BINDING_CONTEXT_PATH', []));
  const values = readJson(env, 'VALUES_PATH', {});
  const configValues = readJson(env, 'CONFIG_VALUES_PATH', {});
  const { input, output } = buildInput(hook.config, contexts, values, configValues, module !== undefined ? { module } : {});
  await hook.handle(input);
  const out = output();
  const text = encodeOutput(out);
  for (const k of OUTPUT_FILES) {
    const body = text[k];
    if (body === '') continue;
    const p = file(env, k);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, body);
  }
  return out;
}
