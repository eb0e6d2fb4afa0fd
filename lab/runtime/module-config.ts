// SPDX-License-Identifier: Apache-2.0
/** Reads a ModuleConfig as Deckhouse does: version check, conversions, defaults, schema validation. Pure (jq injected). */
import type { KubeObject } from '../../lib/hook-sdk/index.js';
import { convertSettings, formatFieldError, latestVersion, type Conversion, type JqRunner, type SchemaValidator } from '../../lib/schemas/index.js';

export interface ModuleConfigState {
  /** spec.enabled as written (undefined = module default). */
  enabled: boolean | undefined;
  /** Converted settings with defaults, when valid. */
  settings?: Record<string, unknown>;
  errors: string[];
  warnings: string[];
  /** The status the object should carry. */
  status: { message: string; version: string };
}

/** Evaluates a ModuleConfig (or its absence) against the module's conversions and config-values schema. */
export function evaluateModuleConfig(mc: KubeObject | undefined, conversions: readonly Conversion[], validate: SchemaValidator, jq?: JqRunner): ModuleConfigState {
  const latest = latestVersion(conversions);
  const spec = (mc?.spec ?? {}) as { enabled?: unknown; version?: unknown; settings?: unknown };
  const enabled = typeof spec.enabled === 'boolean' ? spec.enabled : undefined;
  const errors: string[] = [];
  const warnings: string[] = [];
  const hasSettings = spec.settings !== undefined && spec.settings !== null;
  let version = typeof spec.version === 'number' ? spec.version : undefined;
  if (hasSettings && version === undefined) errors.push('spec.version is required when spec.settings are specified');
  if (!hasSettings && version !== undefined) warnings.push('spec.version has no effect without spec.settings');
  if (version === undefined) version = latest;
  const known = new Set([1, latest, ...conversions.map((c) => c.version)]);
  if (!known.has(version)) (hasSettings ? errors : warnings).push(`spec.version ${version} is unknown, the latest is ${latest}`);
  else if (hasSettings && version < latest) warnings.push(`spec.version ${version} is obsolete, the latest is ${latest}`);
  let settings: Record<string, unknown> | undefined;
  if (errors.length === 0 && enabled !== false) {
    try {
      const converted = hasSettings ? convertSettings(spec.settings, version, conversions, jq) : {};
      const r = validate(converted);
      if (r.valid) settings = r.object as Record<string, unknown>;
      else errors.push(`spec.settings are not valid (version ${version}${version !== latest ? ` converted to ${latest}` : ''}): ${r.errors.map(formatFieldError).join('; ')}`);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  return { enabled, ...(settings ? { settings } : {}), errors, warnings, status: { message: statusMessage(errors, warnings, enabled), version: String(latest) } };
}

/** The ModuleConfig `status.message`: errors first, then the disabled state, then warnings; empty when all is well. */
export function statusMessage(errors: readonly string[], warnings: readonly string[], enabled: boolean | undefined): string {
  return errors.length ? `Error: ${errors.join('; ')}` : enabled === false ? 'Disabled' : warnings.join('; ');
}

/** Adds the module's own settings check (`hook check`) to an evaluation; invalid settings lose their values. Pure. */
export function withSettingsCheck(st: ModuleConfigState, check: { valid: boolean; message?: string; warnings?: string[] }): ModuleConfigState {
  const errors = check.valid ? st.errors : [...st.errors, `settings check: ${check.message ?? 'invalid settings'}`];
  const warnings = [...st.warnings, ...(check.warnings ?? [])];
  const { settings, ...rest } = st;
  return { ...rest, ...(check.valid && settings ? { settings } : {}), errors, warnings, status: { ...st.status, message: statusMessage(errors, warnings, st.enabled) } };
}
