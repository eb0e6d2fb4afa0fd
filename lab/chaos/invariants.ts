// SPDX-License-Identifier: Apache-2.0
/**
 * The chaos invariants, checked over a stream of observations. Pure: times are passed in.
 * - every Service converges to its requested IP count (within `convergeMs` of the last fault, and at the end);
 * - no IP is answered by two MACs for longer than `failoverMs`;
 * - no IP moves to another Service while its first owner still exists;
 * - nothing leaks (checked by the caller, reported here).
 */

export interface ServiceState {
  readonly key: string;
  readonly wanted: number;
  readonly ips: readonly string[];
}

export interface ChaosSample {
  readonly at: number;
  readonly services: readonly ServiceState[];
  /** IP -> MACs that answered the last ARP probe. */
  readonly macs: Readonly<Record<string, readonly string[]>>;
}

export interface Violation {
  readonly at: number;
  readonly invariant: 'converge' | 'dual-announce' | 'owner-change' | 'leak';
  readonly detail: string;
}

export interface ChaosSummary {
  readonly faults: Record<string, number>;
  /** Time from each fault to the next sample where every Service had its IPs, ms. */
  readonly convergence: number[];
  readonly violations: Violation[];
  readonly samples: number;
}

export class InvariantChecker {
  readonly #faults: Record<string, number> = {};
  readonly #waiting: number[] = [];
  readonly #convergence: number[] = [];
  readonly #violations: Violation[] = [];
  // ip -> owning Service key
  readonly #owner = new Map<string, string>();
  // ip -> time two MACs were first seen (this episode)
  readonly #dupSince = new Map<string, number>();
  readonly #dupReported = new Set<string>();
  #samples = 0;
  #unconvergedSince: number | undefined;

  constructor(readonly failoverMs: number, readonly convergeMs: number) {}

  fault(at: number, kind: string): void {
    this.#faults[kind] = (this.#faults[kind] ?? 0) + 1;
    this.#waiting.push(at);
  }

  add(s: ChaosSample): void {
    this.#samples++;
    const converged = s.services.every((x) => x.ips.length === x.wanted);
    if (converged) {
      for (const f of this.#waiting.splice(0)) if (s.at >= f) this.#convergence.push(s.at - f);
      this.#unconvergedSince = undefined;
    } else {
      this.#unconvergedSince ??= s.at;
      if (s.at - this.#unconvergedSince > this.convergeMs) {
        const lagging = s.services.filter((x) => x.ips.length !== x.wanted).map((x) => `${x.key} ${x.ips.length}/${x.wanted}`);
        this.#violations.push({ at: s.at, invariant: 'converge', detail: `not converged for ${s.at - this.#unconvergedSince} ms: ${lagging.join(', ')}` });
        this.#unconvergedSince = s.at;
      }
    }
    const present = new Set(s.services.map((x) => x.key));
    for (const svc of s.services) {
      for (const ip of svc.ips) {
        const prev = this.#owner.get(ip);
        if (prev !== undefined && prev !== svc.key && present.has(prev)) {
          this.#violations.push({ at: s.at, invariant: 'owner-change', detail: `${ip} moved from ${prev} to ${svc.key}` });
        }
        this.#owner.set(ip, svc.key);
      }
    }
    for (const [ip, macs] of Object.entries(s.macs)) {
      if (new Set(macs).size < 2) {
        this.#dupSince.delete(ip);
        this.#dupReported.delete(ip);
        continue;
      }
      const since = this.#dupSince.get(ip) ?? s.at;
      this.#dupSince.set(ip, since);
      if (s.at - since > this.failoverMs && !this.#dupReported.has(ip)) {
        this.#dupReported.add(ip);
        this.#violations.push({ at: s.at, invariant: 'dual-announce', detail: `${ip} answered by ${[...new Set(macs)].sort().join(' and ')} for over ${this.failoverMs} ms` });
      }
    }
  }

  /** The final check after the quiet period: every Service converged; plus leaks the caller found. */
  finish(last: ChaosSample, leaks: readonly string[]): ChaosSummary {
    for (const x of last.services) {
      if (x.ips.length !== x.wanted) this.#violations.push({ at: last.at, invariant: 'converge', detail: `${x.key} has ${x.ips.length}/${x.wanted} IPs at the end` });
    }
    for (const l of leaks) this.#violations.push({ at: last.at, invariant: 'leak', detail: l });
    return { faults: { ...this.#faults }, convergence: [...this.#convergence], violations: [...this.#violations], samples: this.#samples };
  }
}
