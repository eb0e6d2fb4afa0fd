// SPDX-License-Identifier: Apache-2.0
/**
 * The IP allocator: plain state, no Kubernetes client, no clock.
 * Addresses are tracked globally, so one address is never handed to two claims unless they share it
 * under the same sharing key with disjoint ports. A claim keeps what it holds while that stays valid.
 */
import { formatIpNumber, parseIp, ipToBigInt, type IpFamily } from '../../../../lib/ip.js';
import { describeFailure, portText, type Claim, type Failure, type Port } from './claim.js';
import { matches } from '../../../../lib/selector.js';
import type { Pool } from '../../../../lib/config/pool.js';
import { isBuggy, poolContains, poolFamilies, poolSize } from './pool.js';

/** What a claim holds: addresses in family order, each with the pool it came from. */
export interface Allocation {
  readonly ips: readonly string[];
  readonly pools: readonly string[];
}

export type Result = { ok: true; allocation: Allocation; changed: boolean } | { ok: false; failure: Failure };

/** An allocation dropped by setPools because its address left every pool that may serve it. */
export interface Released {
  readonly key: string;
  readonly ips: readonly string[];
  readonly reason: string;
}

/** A picked address; a fresh one moves its range's hint once taken. */
interface Pick {
  ip: string;
  hint?: { key: string; next: bigint };
}

interface Held {
  claim: Claim;
  alloc: Allocation;
}

export class Allocator {
  #pools = new Map<string, Pool>();
  // pool name -> usable address count
  #sizes = new Map<string, bigint>();
  // claim key -> what it holds
  #held = new Map<string, Held>();
  // ip -> claim keys holding it
  #users = new Map<string, Set<string>>();
  // sharing key -> ips held under it
  #shared = new Map<string, Set<string>>();
  // pool name -> ip -> number of holders
  #poolIPs = new Map<string, Map<string, number>>();
  // "pool#rangeIndex" -> first offset that may be free (everything below is held or buggy)
  #hint = new Map<string, bigint>();

  /** Replaces the pools. Allocations whose addresses no pool may serve any more are released and returned. */
  setPools(pools: readonly Pool[]): Released[] {
    this.#pools = new Map(pools.map((p) => [p.name, p]));
    this.#sizes = new Map(pools.map((p) => [p.name, poolSize(p)]));
    this.#hint.clear();
    const released: Released[] = [];
    for (const [key, h] of [...this.#held]) {
      const pools: string[] = [];
      let lost: string | undefined;
      for (const ip of h.alloc.ips) {
        const p = this.#eligibleHolding(h.claim, ip);
        if (p) pools.push(p.name);
        else lost ??= ip;
      }
      if (lost !== undefined) {
        this.release(key);
        released.push({ key, ips: h.alloc.ips, reason: `${lost} is no longer inside a pool that can serve it` });
      } else if (pools.some((p, i) => p !== h.alloc.pools[i])) {
        this.#drop(key);
        this.#take(h.claim, h.alloc.ips, pools);
      }
    }
    return released;
  }

  pools(): readonly Pool[] {
    return [...this.#pools.values()];
  }

  /** What a claim holds, if anything. */
  get(key: string): Allocation | undefined {
    return this.#held.get(key)?.alloc;
  }

  /** Claim keys holding an address. */
  holders(ip: string): string[] {
    return [...(this.#users.get(ip) ?? [])];
  }

  /** Addresses in use and usable in a pool (MetalLB's addresses_in_use_total / addresses_total). */
  counters(pool: string): { inUse: number; total: bigint } {
    return { inUse: this.#poolIPs.get(pool)?.size ?? 0, total: this.#sizes.get(pool) ?? 0n };
  }

  /** Frees what a claim holds. Returns false when it held nothing. */
  release(key: string): boolean {
    const h = this.#held.get(key);
    if (!h) return false;
    this.#drop(key);
    return true;
  }

  /** Gives a claim exactly these addresses (desired IPs, or what its status says after a restart). */
  assign(claim: Claim, ips: readonly string[]): Result {
    const pools: string[] = [];
    for (const ip of ips) {
      const p = this.#eligibleHolding(claim, ip);
      if (!p) return { ok: false, failure: this.#outside(claim, ip) };
      const clash = this.#sharingProblem(claim, ip);
      if (clash) return { ok: false, failure: clash };
      pools.push(p.name);
    }
    const before = this.#held.get(claim.key)?.alloc;
    const changed = !before || !sameIps(before.ips, ips);
    this.#drop(claim.key);
    return { ok: true, allocation: this.#take(claim, ips, pools), changed };
  }

  /**
   * Gives a claim addresses: its desired ones, else what it already holds while valid, else new ones.
   * On failure the claim holds nothing afterwards: what it held no longer fits what it asks for.
   */
  allocate(claim: Claim): Result {
    if (claim.desired.length) {
      const r = this.assign(claim, claim.desired);
      if (!r.ok) this.release(claim.key);
      return r;
    }
    const held = this.#held.get(claim.key);
    if (held && this.#stillValid(claim, held.alloc)) {
      if (held.claim.sharingKey === claim.sharingKey) {
        // Same address, same sharing index: only the claim's ports and labels may have changed.
        held.claim = claim;
        return { ok: true, allocation: held.alloc, changed: false };
      }
      const r = this.assign(claim, held.alloc.ips);
      if (r.ok) return { ...r, changed: false };
    }
    const candidates = this.#autoPools(claim);
    if (!Array.isArray(candidates)) {
      this.release(claim.key);
      return { ok: false, failure: candidates };
    }
    let failure: Failure | undefined;
    const exhausted: string[] = [];
    for (const pool of candidates) {
      const fams = wantedFamilies(claim, pool);
      if (!Array.isArray(fams)) {
        failure ??= fams;
        continue;
      }
      const got = this.#pickFrom(claim, pool, fams);
      if (!got) {
        exhausted.push(pool.name);
        continue;
      }
      // Picked addresses are free (or validly shared) and inside the pool: take them without re-checking.
      const ips = got.map((g) => g.ip);
      this.#drop(claim.key);
      const allocation = this.#take(claim, ips, ips.map(() => pool.name));
      for (const g of got) if (g.hint) this.#hint.set(g.hint.key, g.hint.next);
      return { ok: true, allocation, changed: !held || !sameIps(held.alloc.ips, ips) };
    }
    if (exhausted.length) failure = { kind: 'PoolExhausted', pools: exhausted };
    this.release(claim.key);
    return { ok: false, failure: failure ?? { kind: 'PoolExhausted', pools: candidates.map((p) => p.name) } };
  }

  /** Eligible pools for automatic allocation, best first, or why there are none. */
  #autoPools(claim: Claim): Pool[] | Failure {
    if (claim.pool !== undefined) {
      const p = this.#pools.get(claim.pool);
      if (!p) return { kind: 'UnknownPool', pool: claim.pool };
      const why = refusal(p, claim);
      return why ? { kind: 'PoolNotAllowed', pool: p.name, detail: why } : [p];
    }
    const out = [...this.#pools.values()].filter((p) => p.autoAssign && refusal(p, claim) === undefined);
    if (!out.length) return { kind: 'NoMatchingPool', detail: `no auto-assign pool for ${claim.scope === 'l2' ? 'L2 instances' : 'BGP Services'} matches namespace "${claim.namespace}" and its labels` };
    const rank = (p: Pool): number => (p.allocation && p.allocation.priority > 0 ? p.allocation.priority : Number.POSITIVE_INFINITY);
    return out.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** One address per wanted family from the pool, or undefined when the pool is full. */
  #pickFrom(claim: Claim, pool: Pool, fams: readonly IpFamily[]): Pick[] | undefined {
    const out: Pick[] = [];
    for (const f of fams) {
      const shared = this.#sharedCandidate(claim, pool, f);
      const p = shared === undefined ? this.#freeAddress(pool, f) : { ip: shared };
      if (p === undefined) return undefined;
      out.push(p);
    }
    return out;
  }

  #sharedCandidate(claim: Claim, pool: Pool, family: IpFamily): string | undefined {
    if (!claim.sharingKey) return undefined;
    for (const ip of this.#shared.get(claim.sharingKey) ?? []) {
      if (poolContains(pool, ip) && parseIp(ip).family === family && !this.#sharingProblem(claim, ip)) return ip;
    }
    return undefined;
  }

  /** The lowest free address of a family; the hint moves past it only once it is taken. */
  #freeAddress(pool: Pool, family: IpFamily): Pick | undefined {
    for (let i = 0; i < pool.ranges.length; i++) {
      const r = pool.ranges[i];
      if (!r || r.family !== family) continue;
      const key = `${pool.name}#${i}`;
      for (let n = this.#hint.get(key) ?? r.first; n <= r.last; n++) {
        if (pool.avoidBuggyIPs && isBuggy(n, family)) continue;
        const ip = formatIpNumber(n, family);
        if (this.#users.has(ip)) continue;
        this.#hint.set(key, n);
        return { ip, hint: { key, next: n + 1n } };
      }
      this.#hint.set(key, r.last + 1n);
    }
    return undefined;
  }

  #stillValid(claim: Claim, alloc: Allocation): boolean {
    const fams = alloc.ips.map((ip) => parseIp(ip).family);
    if (claim.families.length && fams[0] !== claim.families[0] && claim.familyPolicy !== 'PreferDualStack') return false;
    if (claim.familyPolicy === 'RequireDualStack' && new Set(fams).size < 2) return false;
    if (claim.familyPolicy === 'SingleStack' && fams.length > 1) return false;
    // PreferDualStack keeps a single address even when its pool gains the other family: stability first.
    return alloc.ips.every((ip) => this.#eligibleHolding(claim, ip) !== undefined && !this.#sharingProblem(claim, ip));
  }

  /** The first pool that holds the address and may serve the claim (autoAssign does not matter here). */
  #eligibleHolding(claim: Claim, ip: string): Pool | undefined {
    for (const p of this.#pools.values()) {
      if (claim.pool !== undefined && p.name !== claim.pool) continue;
      if (refusal(p, claim) === undefined && poolContains(p, ip)) return p;
    }
    return undefined;
  }

  #outside(claim: Claim, ip: string): Failure {
    const holder = [...this.#pools.values()].find((p) => poolContains(p, ip));
    if (holder && (claim.pool === undefined || claim.pool === holder.name)) {
      const why = refusal(holder, claim);
      if (why) return { kind: 'PoolNotAllowed', pool: holder.name, detail: why };
    }
    if (claim.pool !== undefined && !this.#pools.has(claim.pool)) return { kind: 'UnknownPool', pool: claim.pool };
    return { kind: 'DesiredIPOutsidePools', ip };
  }

  /** Why the claim may not hold this address next to its current holders, or undefined when it may. */
  #sharingProblem(claim: Claim, ip: string): Failure | undefined {
    const others = [...(this.#users.get(ip) ?? [])].filter((k) => k !== claim.key);
    if (!others.length) return undefined;
    for (const k of others) {
      const o = this.#held.get(k)?.claim;
      if (!o) continue;
      if (!claim.sharingKey || !o.sharingKey) return { kind: 'AlreadyInUse', ip, by: others.map(display) };
      if (o.sharingKey !== claim.sharingKey) return { kind: 'SharingConflict', ip, detail: `sharing key "${claim.sharingKey}" differs from "${o.sharingKey}" of ${display(k)}` };
      if (o.backendKey !== claim.backendKey) return { kind: 'SharingConflict', ip, detail: `externalTrafficPolicy or selector differs from ${display(k)}` };
      const clash = claim.ports.find((p) => o.ports.some((q) => samePort(p, q)));
      if (clash) return { kind: 'SharingConflict', ip, detail: `port ${portText(clash)} is already used by ${display(k)}` };
    }
    return undefined;
  }

  #take(claim: Claim, ips: readonly string[], pools: readonly string[]): Allocation {
    const alloc: Allocation = { ips: [...ips], pools: [...pools] };
    this.#held.set(claim.key, { claim, alloc });
    ips.forEach((ip, i) => {
      let u = this.#users.get(ip);
      if (!u) this.#users.set(ip, (u = new Set()));
      u.add(claim.key);
      if (claim.sharingKey) {
        let s = this.#shared.get(claim.sharingKey);
        if (!s) this.#shared.set(claim.sharingKey, (s = new Set()));
        s.add(ip);
      }
      const pool = pools[i] ?? '';
      let m = this.#poolIPs.get(pool);
      if (!m) this.#poolIPs.set(pool, (m = new Map()));
      m.set(ip, (m.get(ip) ?? 0) + 1);
    });
    return alloc;
  }

  #drop(key: string): void {
    const h = this.#held.get(key);
    if (!h) return;
    this.#held.delete(key);
    h.alloc.ips.forEach((ip, i) => {
      const u = this.#users.get(ip);
      u?.delete(key);
      const free = !u || u.size === 0;
      if (free) this.#users.delete(ip);
      const sk = h.claim.sharingKey;
      if (sk && ![...(u ?? [])].some((k) => this.#held.get(k)?.claim.sharingKey === sk)) {
        this.#shared.get(sk)?.delete(ip);
        if (this.#shared.get(sk)?.size === 0) this.#shared.delete(sk);
      }
      const poolName = h.alloc.pools[i] ?? '';
      const m = this.#poolIPs.get(poolName);
      const c = (m?.get(ip) ?? 1) - 1;
      if (c <= 0) m?.delete(ip);
      else m?.set(ip, c);
      if (free) this.#lowerHint(poolName, ip);
    });
  }

  #lowerHint(poolName: string, ip: string): void {
    const p = this.#pools.get(poolName);
    if (!p) return;
    const a = parseIp(ip);
    const n = ipToBigInt(a);
    p.ranges.forEach((r, i) => {
      const hk = `${poolName}#${i}`;
      const h = this.#hint.get(hk);
      if (r.family === a.family && n >= r.first && n <= r.last && h !== undefined && n < h) this.#hint.set(hk, n);
    });
  }
}

/** Why a pool may not serve a claim, or undefined when it may (autoAssign aside). */
export function refusal(p: Pool, c: Claim): string | undefined {
  if (!p.scope[c.scope]) return c.scope === 'l2' ? 'it is not an L2 class pool' : 'it is not a pool for BGP Services';
  const a = p.allocation;
  if (!a) return undefined;
  if (a.namespaces.length || a.namespaceSelectors.length) {
    const ok = a.namespaces.includes(c.namespace) || a.namespaceSelectors.some((s) => matches(s, c.namespaceLabels));
    if (!ok) return `namespace "${c.namespace}" is not in its serviceAllocation`;
  }
  if (a.serviceSelectors.length && !a.serviceSelectors.some((s) => matches(s, c.labels))) return 'the labels match none of its serviceSelectors';
  return undefined;
}

/** The families to take from a pool, in order, or why the pool cannot do it. */
export function wantedFamilies(c: Claim, p: Pool): IpFamily[] | Failure {
  const has = poolFamilies(p);
  const first: IpFamily = c.families[0] ?? (has.has(4) ? 4 : 6);
  const other: IpFamily = first === 4 ? 6 : 4;
  const order: IpFamily[] = [first, other];
  switch (c.familyPolicy) {
    case 'SingleStack':
      return has.has(first) ? [first] : { kind: 'FamilyUnavailable', family: first, pool: p.name };
    case 'RequireDualStack': {
      const missing = order.find((f) => !has.has(f));
      return missing ? { kind: 'FamilyUnavailable', family: missing, pool: p.name } : order;
    }
    case 'PreferDualStack': {
      const got = order.filter((f) => has.has(f));
      return got.length ? got : { kind: 'FamilyUnavailable', family: first, pool: p.name };
    }
  }
}

function samePort(a: Port, b: Port): boolean {
  return a.port === b.port && a.protocol === b.protocol;
}

function sameIps(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A claim key as users read it: "ns/name" without the scope prefix. */
export function display(key: string): string {
  const i = key.indexOf('/');
  return i < 0 ? key : key.slice(i + 1);
}

export { describeFailure };
