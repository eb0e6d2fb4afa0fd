// SPDX-License-Identifier: Apache-2.0
/** Runs the batch hook executable as addon-operator does: `hook config`, and `hook run <i>` with protocol files. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BindingContext, JsonPatchOp, KubeOperation, MetricOperation } from '../../lib/hook-sdk/index.js';
import { parseJsonStream } from '../../lib/hook-sdk/json-stream.js';
import { parseMetricOperations } from '../../lib/hook-sdk/metrics.js';
import type { WireHookConfig } from '../../lib/hook-sdk/wire-config.js';

/** Where the protocol files of a run go: memory (tmpfs) when the machine has it, as addon-operator's tmp dir in its pod. */
export const SCRATCH = ((): string => {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK);
    return '/dev/shm';
  } catch {
    return os.tmpdir();
  }
})();

/** A hook run that failed: the hook's own message when it gave one. */
export class HookRunError extends Error {
  constructor(readonly hook: string, message: string, readonly output: string) {
    super(`hook ${hook}: ${message}`);
    this.name = 'HookRunError';
  }
}

export interface HookResult {
  values: JsonPatchOp[];
  configValues: JsonPatchOp[];
  kube: KubeOperation[];
  metrics: MetricOperation[];
  /** The hook's stdout (its log lines). */
  log: string;
  ms: number;
}

function exec(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(bin, args, { env, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve({ code: 0, stdout, stderr });
      const code = (err as { code?: unknown }).code;
      // A number is the exit code; anything else (ENOENT, EACCES, a signal) means the process did not run to its end.
      resolve(typeof code === 'number' ? { code, stdout, stderr } : { code: 1, stdout, stderr: stderr || `${bin}: ${err.message}` });
    });
  });
}

/** `hook config` of a batch executable, checked against `hook list`; `settingsCheck` when it serves `hook check`. */
export async function loadHookConfigs(bin: string): Promise<{ hooks: WireHookConfig[]; settingsCheck: boolean }> {
  const list = await exec(bin, ['hook', 'list'], process.env);
  if (list.code !== 0) throw new Error(`${bin} hook list failed: ${list.stderr.trim()}`);
  const n = Number(/^Found (\d+) items/.exec(list.stdout)?.[1] ?? NaN);
  // The lab plays a current addon-operator: the v1 form, which also announces the settings check.
  const cfg = await exec(bin, ['hook', 'config'], { ...process.env, HOOK_CONFIG_FORMAT: 'v1' });
  if (cfg.code !== 0) throw new Error(`${bin} hook config failed: ${cfg.stderr.trim()}`);
  const doc = JSON.parse(cfg.stdout) as { version?: string; hooks?: WireHookConfig[]; has_settings_check?: boolean } | WireHookConfig[];
  const hooks = Array.isArray(doc) ? doc : (doc.hooks ?? []);
  if (hooks.length !== n) throw new Error(`${bin}: hook list says ${n} hooks, hook config gives ${hooks.length}`);
  return { hooks, settingsCheck: !Array.isArray(doc) && doc.has_settings_check === true };
}

/** `hook check` on settings (SETTINGS_PATH), as Deckhouse's ModuleConfig validation calls it. */
export async function runSettingsCheck(bin: string, settings: unknown, tmpRoot = SCRATCH): Promise<{ valid: boolean; message?: string; warnings?: string[] }> {
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'metallb-check-'));
  try {
    const file = path.join(dir, 'settings.json');
    fs.writeFileSync(file, JSON.stringify(settings ?? {}));
    const r = await exec(bin, ['hook', 'check'], { ...process.env, SETTINGS_PATH: file });
    try {
      return JSON.parse(r.stdout) as { valid: boolean; message?: string; warnings?: string[] };
    } catch {
      let message = r.stderr.trim();
      try {
        message = (JSON.parse(r.stderr) as { message: string }).message;
      } catch {
        // keep the raw text
      }
      return { valid: false, message: message || `hook check exited ${r.code}` };
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function patchFile(text: string, what: string): JsonPatchOp[] {
  try {
    return parseJsonStream(text).flatMap((v) => (Array.isArray(v) ? v : [v])) as JsonPatchOp[];
  } catch (e) {
    throw new Error(`bad ${what}: ${(e as Error).message}`);
  }
}

function kubeFile(text: string): KubeOperation[] {
  const ops = parseJsonStream(text) as KubeOperation[];
  for (const o of ops) if (typeof o !== 'object' || o === null || typeof (o as { operation?: unknown }).operation !== 'string') throw new Error('bad kubernetes patch: an entry has no "operation"');
  return ops;
}

/** Runs hook `index` with the contexts and values; temp files are removed afterwards. */
export async function runHookProcess(bin: string, index: number, name: string, contexts: readonly BindingContext[], values: unknown, configValues: unknown, tmpRoot = SCRATCH): Promise<HookResult> {
  const dir = fs.mkdtempSync(path.join(tmpRoot, `metallb-hook-${name}-`));
  try {
    const files: Record<string, string> = {};
    const put = (k: string, body: string) => {
      files[k] = path.join(dir, k.toLowerCase());
      fs.writeFileSync(files[k] as string, body);
    };
    put('BINDING_CONTEXT_PATH', JSON.stringify(contexts));
    put('VALUES_PATH', JSON.stringify(values));
    put('CONFIG_VALUES_PATH', JSON.stringify(configValues));
    for (const k of ['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH']) put(k, '');
    const t0 = performance.now();
    const r = await exec(bin, ['hook', 'run', String(index)], { ...process.env, ...files });
    const ms = performance.now() - t0;
    if (r.code !== 0) {
      let message = r.stderr.trim() || `exit code ${r.code}`;
      try {
        const m = (JSON.parse(r.stderr) as { message?: unknown }).message;
        if (typeof m === 'string') message = m;
      } catch {
        // not JSON: keep the raw text
      }
      throw new HookRunError(name, message, r.stdout + r.stderr);
    }
    const read = (k: string) => fs.readFileSync(files[k] as string, 'utf8');
    try {
      return {
        values: patchFile(read('VALUES_JSON_PATCH_PATH'), 'values patch'),
        configValues: patchFile(read('CONFIG_VALUES_JSON_PATCH_PATH'), 'config values patch'),
        kube: kubeFile(read('KUBERNETES_PATCH_PATH')),
        metrics: parseMetricOperations(read('METRICS_PATH')),
        log: r.stdout,
        ms,
      };
    } catch (e) {
      throw new HookRunError(name, (e as Error).message, r.stdout);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
