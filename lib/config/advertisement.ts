// SPDX-License-Identifier: Apache-2.0
/** BGP and L2 advertisements from metallb.io BGPAdvertisement and L2Advertisement objects. Pure. */
import { interfaceNameProblem } from '../ifname.js';
import type { BGPAdvertisement, L2Advertisement } from '../schemas/types.generated.js';
import { parseSelector, type Selector } from '../selector.js';
import { communityValues, type LargeCommunity } from './community.js';
import { fieldProblems } from './problem.js';

export interface BgpAdvertisement {
  readonly name: string;
  /** Nodes that announce: any selector matches (none: every node). */
  readonly nodeSelectors: readonly Selector[];
  /** Pools named; with `poolSelectors` both empty, every pool. */
  readonly poolNames: readonly string[];
  readonly poolSelectors: readonly Selector[];
  /** Peers announced to (none: every peer). */
  readonly peers: readonly string[];
  readonly communities: readonly number[];
  readonly largeCommunities: readonly LargeCommunity[];
  readonly aggregationLength: number | undefined;
  readonly aggregationLengthV6: number | undefined;
  readonly localPref: number | undefined;
}

export interface L2AdvertisementConfig {
  readonly name: string;
  readonly nodeSelectors: readonly Selector[];
  /** Interfaces to answer on (none: every one). */
  readonly interfaces: readonly string[];
}

function selectors(field: string, list: Parameters<typeof parseSelector>[0][] | undefined): Selector[] {
  try {
    return (list ?? []).map((s) => parseSelector(s));
  } catch (e) {
    throw new Error(`${field}: ${(e as Error).message}`);
  }
}

/**
 * A BGPAdvertisement, its communities looked up in `named` (the Community objects' entries); throws an Error saying the
 * first thing that keeps it from being used.
 */
export function parseBgpAdvertisement(ad: BGPAdvertisement, named: ReadonlyMap<string, string>): BgpAdvertisement {
  const s = ad.spec ?? {};
  const nodeSelectors = selectors('nodeSelectors', s.nodeSelectors);
  const poolSelectors = selectors('ipAddressPoolSelectors', s.ipAddressPoolSelectors);
  const { communities, large } = communityValues(s.communities, named);
  return {
    name: ad.metadata.name ?? '',
    nodeSelectors,
    poolNames: s.ipAddressPools ?? [],
    poolSelectors,
    peers: s.peers ?? [],
    communities,
    largeCommunities: large,
    aggregationLength: s.aggregationLength,
    aggregationLengthV6: s.aggregationLengthV6,
    localPref: s.localPref,
  };
}

/** An L2Advertisement; throws an Error naming every problem that keeps it from being used as written. */
export function parseL2Advertisement(a: L2Advertisement): L2AdvertisementConfig {
  const sels = a.spec?.nodeSelectors ?? [];
  const problems = fieldProblems(sels.map((s, i) => [`nodeSelectors[${i}]`, () => parseSelector(s)] as const));
  for (const i of a.spec?.interfaces ?? []) {
    const p = interfaceNameProblem(i);
    if (p) problems.push(`interfaces: ${p}`);
  }
  if (problems.length) throw new Error(`L2Advertisement "${a.metadata.name ?? ''}": ${problems.join('; ')}`);
  return { name: a.metadata.name ?? '', nodeSelectors: sels.map((s) => parseSelector(s)), interfaces: a.spec?.interfaces ?? [] };
}
