// SPDX-License-Identifier: Apache-2.0
/** MetalLB's configuration gauges, shared by the controller and the speaker: loaded, and stale (an edit was rejected). */
import { Gauge, type Registry } from 'prom-client';

export interface ConfigMetrics {
  /** `stale`: some object's current version is invalid and its last good one (or nothing) is in force. */
  loaded(stale: boolean): void;
}

export function configMetrics(reg: Registry): ConfigMetrics {
  const loaded = new Gauge({ name: 'metallb_k8s_client_config_loaded_bool', help: '1 once the configuration was loaded', registers: [reg] });
  const stale = new Gauge({ name: 'metallb_k8s_client_config_stale_bool', help: '1 while some object is invalid and its last valid version, or nothing, is in force', registers: [reg] });
  return {
    loaded(isStale) {
      loaded.set(1);
      stale.set(isStale ? 1 : 0);
    },
  };
}
