// SPDX-License-Identifier: Apache-2.0
/** The ModuleConfig `metallb` as the migrations read it: its version and the legacy settings (v1/v2 shapes). */
import type { KubeObject } from '../../../lib/hook-sdk/index.js';
import type { Toleration } from './eligibility.js';
import { MIGRATION_LABEL, MIGRATION_LABEL_VALUE } from './names.js';

export interface LegacyAdvertisement {
  'aggregation-length'?: number;
  localpref?: number;
  communities?: string[];
}

export interface LegacyPool {
  name?: string;
  protocol?: string;
  addresses?: string[];
  'auto-assign'?: boolean;
  'avoid-buggy-ips'?: boolean;
  'bgp-advertisements'?: LegacyAdvertisement[];
}

export interface LegacyPeer {
  'peer-address'?: string;
  'peer-asn'?: number;
  'my-asn'?: number;
  'peer-port'?: number;
  'source-address'?: string;
  'router-id'?: string;
  'hold-time'?: string | number;
  'node-selector'?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  password?: string;
}

/** ModuleConfig settings, only the parts the migrations and checks read. */
export interface LegacySettings {
  addressPools?: LegacyPool[];
  bgpPeers?: LegacyPeer[];
  bgpCommunities?: Record<string, string>;
  speaker?: { nodeSelector?: Record<string, string>; tolerations?: Toleration[] };
}

export interface ModuleConfigInfo {
  /** spec.version; 0 when absent. */
  version: number;
  settings: LegacySettings;
}

/** ModuleConfig filter: only the one named `metallb`. */
export function moduleConfigFromObject(o: KubeObject): ModuleConfigInfo | null {
  if (o.metadata?.name !== 'metallb') return null;
  const spec = (typeof o.spec === 'object' && o.spec !== null ? o.spec : {}) as { version?: unknown; settings?: unknown };
  const settings = typeof spec.settings === 'object' && spec.settings !== null && !Array.isArray(spec.settings) ? (spec.settings as LegacySettings) : {};
  return { version: typeof spec.version === 'number' ? spec.version : 0, settings };
}

const arr = <T>(v: T[] | undefined): T[] => (Array.isArray(v) ? v : []);

export function layer2Pools(s: LegacySettings): LegacyPool[] {
  return arr(s.addressPools).filter((p) => p?.protocol === 'layer2');
}

export function bgpPools(s: LegacySettings): LegacyPool[] {
  return arr(s.addressPools).filter((p) => p?.protocol === 'bgp');
}

export function bgpPeers(s: LegacySettings): LegacyPeer[] {
  return arr(s.bgpPeers).filter((p) => typeof p === 'object' && p !== null);
}

/** Labels every migrated object carries. */
export const MIGRATED_LABELS = { heritage: 'deckhouse', [MIGRATION_LABEL]: MIGRATION_LABEL_VALUE } as const;
