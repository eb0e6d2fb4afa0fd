// SPDX-License-Identifier: Apache-2.0
/** A hook module (one TS file exporting `config` and `handle`) and the registry entry that names it. */
import type { HookInput } from './input.js';
import type { HookConfig } from './types.js';

export interface HookModule {
  config: HookConfig;
  handle(input: HookInput): void | Promise<void>;
}

/** A hook in the batch registry: its name (as `hook list` shows it) and source path (batch `metadata.path`). */
export interface HookEntry extends HookModule {
  name: string;
  path: string;
}

/** Registry entry for `import * as mod from './<name>.js'`: `entry('<name>', mod)`. */
export function entry(name: string, mod: HookModule): HookEntry {
  return { name, path: `hooks/src/${name}.ts`, config: mod.config, handle: mod.handle };
}

/** Result of the settings check (`hook check`), as module-sdk reports it. */
export interface SettingsCheckResult {
  valid: boolean;
  message?: string;
  warnings?: string[];
}

/** Everything the batch executable serves. */
export interface BatchApp {
  /** Module key for values paths, e.g. `metallb`. */
  module: string;
  hooks: readonly HookEntry[];
  /** `hook check`: validates ModuleConfig settings beyond the schema. */
  settingsCheck?: (settings: unknown) => SettingsCheckResult | Promise<SettingsCheckResult>;
  /** `hook ready`: throws or returns false when the module is not ready. */
  readiness?: () => boolean | Promise<boolean>;
  /**
   * The form of `hook config`: `v1` is module-sdk's `{version, hooks, readiness?, has_settings_check?}`, `array`
   * the bare list older addon-operator decodes. Default `v1`; the env HOOK_CONFIG_FORMAT overrides it.
   */
  configFormat?: ConfigFormat;
}

export type ConfigFormat = 'v1' | 'array';
