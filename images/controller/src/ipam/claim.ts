// SPDX-License-Identifier: Apache-2.0
/** What asks the allocator for addresses (an L2 instance or a BGP Service), and why it may be refused. Pure. */
import type { IpFamily } from '../../../../lib/ip.js';
import type { Labels } from '../../../../lib/selector.js';

/** One port a claim uses on its address; two claims on one address must not share a port. */
export interface Port {
  readonly protocol: string;
  readonly port: number;
}

export type FamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** A request for addresses, in allocator terms. */
export interface Claim {
  /** Unique key, e.g. "l2/ns/name" or "svc/ns/name". */
  readonly key: string;
  /** Which pools may serve it. */
  readonly scope: 'l2' | 'bgp';
  readonly namespace: string;
  readonly namespaceLabels: Labels;
  readonly labels: Labels;
  readonly familyPolicy: FamilyPolicy;
  /** Preferred families in order (spec.ipFamilies); empty means "whatever the pool has, IPv4 first". */
  readonly families: readonly IpFamily[];
  /** A pool named by annotation; only that pool may serve the claim. */
  readonly pool?: string | undefined;
  /** Addresses asked for by annotation or spec.loadBalancerIP, at most one per family. */
  readonly desired: readonly string[];
  /** Claims share an address only with the same non-empty key. */
  readonly sharingKey?: string | undefined;
  /** Sharers must also agree on this ("" for externalTrafficPolicy Cluster, the selector for Local). */
  readonly backendKey: string;
  readonly ports: readonly Port[];
}

/** Why a claim got no (or not all its) addresses. */
export type Failure =
  | { kind: 'PoolExhausted'; pools: readonly string[] }
  | { kind: 'NoMatchingPool'; detail: string }
  | { kind: 'UnknownPool'; pool: string }
  | { kind: 'PoolNotAllowed'; pool: string; detail: string }
  | { kind: 'DesiredIPOutsidePools'; ip: string }
  | { kind: 'AlreadyInUse'; ip: string; by: readonly string[] }
  | { kind: 'SharingConflict'; ip: string; detail: string }
  | { kind: 'FamilyUnavailable'; family: IpFamily; pool: string }
  | { kind: 'BadAnnotation'; annotation: string; value: string; detail: string };

export type FailureKind = Failure['kind'];

/** One line for an Event, a condition message or a log. */
export function describeFailure(f: Failure): string {
  switch (f.kind) {
    case 'PoolExhausted':
      return `no available IPs in pool${f.pools.length === 1 ? '' : 's'} ${f.pools.map((p) => `"${p}"`).join(', ')}`;
    case 'NoMatchingPool':
      return `no pool can serve it: ${f.detail}`;
    case 'UnknownPool':
      return `pool "${f.pool}" does not exist`;
    case 'PoolNotAllowed':
      return `pool "${f.pool}" does not serve it: ${f.detail}`;
    case 'DesiredIPOutsidePools':
      return `requested IP ${f.ip} is not inside any pool that can serve it`;
    case 'AlreadyInUse':
      return `requested IP ${f.ip} is already in use by ${f.by.join(', ')}`;
    case 'SharingConflict':
      return `cannot share IP ${f.ip}: ${f.detail}`;
    case 'FamilyUnavailable':
      return `pool "${f.pool}" has no IPv${f.family} addresses`;
    case 'BadAnnotation':
      return `bad ${f.annotation} "${f.value}": ${f.detail}`;
  }
}

export function portText(p: Port): string {
  return `${p.protocol}/${p.port}`;
}
