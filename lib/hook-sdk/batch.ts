// SPDX-License-Identifier: Apache-2.0
/**
 * The batch hook executable's commands (module-sdk protocol), plus shell-operator's per-hook form:
 *   hook list | hook config | hook run <i> | hook check | hook ready | hook dump
 *   --hook <name> --config      print one hook's v1 config
 *   --hook <name>               run one hook (shell-operator style)
 * Failures exit 1 with {"message": ...} on stderr.
 */
import * as fs from 'node:fs';
import type { BatchApp, HookEntry } from './hook.js';
import { runHook } from './run.js';
import { wireConfig, type WireHookConfig } from './wire-config.js';

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
  env: NodeJS.ProcessEnv;
}

const processIo: Io = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s), env: process.env };

export const USAGE = 'usage: batch hook list|config|run <index>|check|ready|dump, or batch --hook <name> [--config]';

/** `hook list` text. */
export function listText(hooks: readonly HookEntry[]): string {
  return `Found ${hooks.length} items:\n` + hooks.map((h, i) => `${i} - ${h.name}\n`).join('');
}

/** The configs of all hooks, as `hook config` prints them. */
export function batchConfigs(app: BatchApp): WireHookConfig[] {
  return app.hooks.map((h) => wireConfig(h.config, { name: h.name, path: h.path }));
}

/** `hook config` document: the app's configFormat (HOOK_CONFIG_FORMAT=v1|array overrides it): the v1 object or a bare array. */
export function configDocument(app: BatchApp, env: NodeJS.ProcessEnv): unknown {
  const hooks = batchConfigs(app);
  const format = env.HOOK_CONFIG_FORMAT === 'array' || env.HOOK_CONFIG_FORMAT === 'v1' ? env.HOOK_CONFIG_FORMAT : (app.configFormat ?? 'v1');
  if (format === 'array') return hooks;
  const doc: Record<string, unknown> = { version: 'v1', hooks };
  if (app.settingsCheck) doc.has_settings_check = true;
  return doc;
}

function hookAt(app: BatchApp, arg: string | undefined): HookEntry {
  if (arg === undefined || !/^\d+$/.test(arg)) throw new Error(`hook run needs an index, got ${JSON.stringify(arg)}`);
  const h = app.hooks[Number(arg)];
  if (!h) throw new Error(`no hook with index ${arg} (there are ${app.hooks.length})`);
  return h;
}

function hookNamed(app: BatchApp, name: string | undefined): HookEntry {
  const h = app.hooks.find((x) => x.name === name);
  if (!h) throw new Error(`no hook named ${JSON.stringify(name)}`);
  return h;
}

async function dispatch(app: BatchApp, argv: readonly string[], io: Io): Promise<number> {
  const [a, b, c] = argv;
  if (a === '--hook') {
    const h = hookNamed(app, b);
    if (c === '--config') {
      io.stdout(JSON.stringify(wireConfig(h.config)) + '\n');
      return 0;
    }
    await runHook(h, io.env, app.module);
    return 0;
  }
  if (a !== 'hook') throw new Error(USAGE);
  switch (b) {
    case 'list':
      io.stdout(listText(app.hooks));
      return 0;
    case 'config':
      io.stdout(JSON.stringify(configDocument(app, io.env)) + '\n');
      return 0;
    case 'dump': {
      const p = io.env.HOOK_CONFIG_PATH;
      if (!p) throw new Error('hook dump needs HOOK_CONFIG_PATH');
      fs.writeFileSync(p, JSON.stringify(configDocument(app, io.env)) + '\n');
      return 0;
    }
    case 'run':
      await runHook(hookAt(app, c), io.env, app.module);
      return 0;
    case 'check': {
      const p = io.env.SETTINGS_PATH;
      const settings: unknown = p && fs.existsSync(p) && fs.readFileSync(p, 'utf8').trim() ? JSON.parse(fs.readFileSync(p, 'utf8')) : {};
      const r = app.settingsCheck ? await app.settingsCheck(settings) : { valid: true };
      io.stdout(JSON.stringify(r) + '\n');
      return r.valid ? 0 : 1;
    }
    case 'ready': {
      const ok = app.readiness ? await app.readiness() : true;
      if (!ok) throw new Error('module is not ready');
      return 0;
    }
    default:
      throw new Error(USAGE);
  }
}

/** Runs one command; resolves to the exit code. Errors become {"message": ...} on stderr and exit code 1. */
export async function runBatch(app: BatchApp, argv: readonly string[], io: Io = processIo): Promise<number> {
  try {
    return await dispatch(app, argv, io);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(JSON.stringify({ message }) + '\n');
    return 1;
  }
}

/** Entry point for the executable: runs argv and sets the exit code. */
export function main(app: BatchApp): void {
  void runBatch(app, process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
