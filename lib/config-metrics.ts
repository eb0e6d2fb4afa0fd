// SPDX-License-Identifier: Apache-2.0
/**
 * MetalLB's configuration gauges, shared by the controller and the speaker: loaded, and stale (an edit was rejected).
 * Several parts of one process (the speaker's L2 and BGP agents) each report their own objects into the same gauges.
 */
import { Gauge, type Registry } from 'prom-client';

export interface ConfigMetrics {
  /** `stale`: some object's current version is invalid and its last good one (or nothing) is in force. */
  loaded(stale: boolean): void;
}

const LOADED = 'metallb_k8s_client_config_loaded_bool';
const STALE = 'metallb_k8s_client_config_stale_bool';
// registry -> each reporting part's state: undefined until it has loaded, then whether it holds a stale object
const parts = new WeakMap<Registry, Map<string, boolean | undefined>>();

/** The gauges in `reg`, for the part `part`: loaded once every part has loaded, stale while any part is. */
export function configMetrics(reg: Registry, part = 'config'): ConfigMetrics {
  const loaded = (reg.getSingleMetric(LOADED) as Gauge | undefined) ?? new Gauge({ name: LOADED, help: '1 once the configuration was loaded', registers: [reg] });
  const stale = (reg.getSingleMetric(STALE) as Gauge | undefined) ?? new Gauge({ name: STALE, help: '1 while some object is invalid and its last valid version, or nothing, is in force', registers: [reg] });
  const state = parts.get(reg) ?? new Map<string, boolean | undefined>();
  parts.set(reg, state);
  state.set(part, undefined);
  return {
    loaded(isStale) {
      state.set(part, isStale);
      const all = [...state.values()];
      loaded.set(all.every((s) => s !== undefined) ? 1 : 0);
      stale.set(all.some((s) => s === true) ? 1 : 0);
    },
  };
}
