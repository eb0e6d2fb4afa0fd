// SPDX-License-Identifier: Apache-2.0
/**
 * The config model: the cluster's metallb.io and Deckhouse objects in, validated pools, peers, advertisements and
 * classes out, each object that cannot be used as written named with its problem. The hooks, the controller and both
 * speaker agents read their configuration through it, so one object means the same to all of them.
 *
 * The last good version of each object is kept in a ConfigMemory the caller owns (see lib/last-good.ts): an edit that
 * makes an object invalid keeps the version before it in force. References between objects (password Secrets, BFD
 * profiles) are looked up afresh every time and never kept. No I/O.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { LastGood, type Kept, type StaleObject } from '../last-good.js';
import type { BFDProfile, BGPAdvertisement, Community, L2Advertisement } from '../schemas/types.generated.js';
import { parseBgpAdvertisement, parseL2Advertisement, type BgpAdvertisement, type L2AdvertisementConfig } from './advertisement.js';
import { checkClass, type ClassSettings, type VersionedClass } from './class.js';
import { parseCommunityObject } from './community.js';
import { parsePeer, resolvePeer, type Peer, type PeerObject, type ResolvedPeer } from './peer.js';
import { parsePool, type IPAddressPoolObject, type Pool } from './pool.js';
import type { ConfigKind, ConfigProblem } from './problem.js';

type Obj = KubernetesObject;

/** The objects to read; a kind left out is neither read nor forgotten. */
export interface ClusterObjects<C extends ClassSettings = ClassSettings> {
  readonly pools?: ReadonlyArray<IPAddressPoolObject & Obj>;
  readonly peers?: ReadonlyArray<PeerObject & Obj>;
  readonly communities?: ReadonlyArray<Community & Obj>;
  readonly bgpAdvertisements?: ReadonlyArray<BGPAdvertisement & Obj>;
  readonly l2Advertisements?: ReadonlyArray<L2Advertisement & Obj>;
  readonly bfdProfiles?: readonly BFDProfile[];
  /** "namespace/name" -> a password Secret's decoded data. */
  readonly secrets?: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** The module namespace: where a passwordSecret without a namespace is. */
  readonly namespace?: string;
  /** MetalLoadBalancerClasses, each keyed by name and uid. */
  readonly classes?: ReadonlyArray<VersionedClass<C>>;
}

/** An object whose current version cannot be used: the version in force instead, if any, and why. */
export type StaleConfig<C extends ClassSettings = ClassSettings> =
  | ({ readonly kind: Exclude<ConfigKind, 'MetalLoadBalancerClass' | 'BFDProfile'> } & StaleObject<Obj>)
  | ({ readonly kind: 'MetalLoadBalancerClass' } & StaleObject<VersionedClass<C>>);

export interface Config<C extends ClassSettings = ClassSettings> {
  /** Each in the order of the objects given: the current version if valid, else the last valid one. */
  readonly pools: Pool[];
  readonly peers: ResolvedPeer[];
  readonly bgpAdvertisements: BgpAdvertisement[];
  readonly l2Advertisements: L2AdvertisementConfig[];
  readonly classes: C[];
  /** The Community objects' entries in force, name -> value. */
  readonly communities: ReadonlyMap<string, string>;
  /** Objects whose current version cannot be used, kind by kind in the order above (communities before advertisements). */
  readonly stale: StaleConfig<C>[];
  /** One problem for each stale object, in the same order. */
  readonly problems: ConfigProblem[];
}

/** The last valid version of every object the model read; the caller keeps it from one reading to the next. */
export class ConfigMemory<C extends ClassSettings = ClassSettings> {
  #named: ReadonlyMap<string, string> = new Map();
  readonly pools = new LastGood<IPAddressPoolObject & Obj, Pool>(parsePool);
  readonly peers = new LastGood<PeerObject & Obj, Peer>(parsePeer);
  readonly communities = new LastGood<Community & Obj, Map<string, string>>(parseCommunityObject);
  // An advertisement's community names are read against the Communities in force.
  readonly bgpAdvertisements = new LastGood<BGPAdvertisement & Obj, BgpAdvertisement>((o) => parseBgpAdvertisement(o, this.#named));
  readonly l2Advertisements = new LastGood<L2Advertisement & Obj, L2AdvertisementConfig>(parseL2Advertisement);
  readonly classes: LastGood<VersionedClass<C>, C>;

  /** `classes`: the classes in force when the memory was last kept outside the process (as the hooks keep values). */
  constructor(classes: Iterable<Kept<VersionedClass<C>, C>> = []) {
    this.classes = new LastGood<VersionedClass<C>, C>((o) => (checkClass(o.info), o.info), classes);
  }

  /** Reads `objects`, keeping the last valid version of each; see configFor. */
  read(objects: ClusterObjects<C>): Config<C> {
    const stale: StaleConfig<C>[] = [];
    const read = <T extends Obj, V>(kind: Exclude<ConfigKind, 'MetalLoadBalancerClass' | 'BFDProfile'>, lg: LastGood<T, V>, list: readonly T[] | undefined): V[] => {
      if (!list) return [];
      const r = lg.resolve(list);
      for (const s of r.stale) stale.push({ kind, ...s });
      return r.values;
    };
    const peers = read('BGPPeer', this.peers, objects.peers);
    const pools = read('IPAddressPool', this.pools, objects.pools);
    const communities = new Map(read('Community', this.communities, objects.communities).flatMap((m) => [...m]));
    this.#named = communities;
    const bgpAdvertisements = read('BGPAdvertisement', this.bgpAdvertisements, objects.bgpAdvertisements);
    const l2Advertisements = read('L2Advertisement', this.l2Advertisements, objects.l2Advertisements);
    let classes: C[] = [];
    if (objects.classes) {
      const r = this.classes.resolve(objects.classes);
      classes = r.values;
      for (const s of r.stale) stale.push({ kind: 'MetalLoadBalancerClass', ...s });
    }
    const secrets = objects.secrets ?? new Map<string, Record<string, string>>();
    const profiles = new Map((objects.bfdProfiles ?? []).map((p) => [p.metadata.name ?? '', p]));
    return {
      pools,
      peers: peers.map((p) => resolvePeer(p, secrets, profiles, objects.namespace ?? '')),
      bgpAdvertisements,
      l2Advertisements,
      classes,
      communities,
      stale,
      problems: stale.map((s) => ({ kind: s.kind, name: s.current.metadata?.name ?? '', message: s.error })),
    };
  }
}

/** The configuration the objects make, with the last valid version of each invalid one kept in `memory`. */
export function configFor<C extends ClassSettings = ClassSettings>(objects: ClusterObjects<C>, memory: ConfigMemory<C> = new ConfigMemory<C>()): Config<C> {
  return memory.read(objects);
}
