// SPDX-License-Identifier: Apache-2.0
/** One benchmark figure, always against a reference measured in the same run. */
export interface BenchResult {
  /** Self-explaining, e.g. "l2 failover p99" or "bgp 10k prefixes vs gobgp". */
  name: string;
  value: number;
  unit: string;
  /** The reference figure, in the same unit, measured in the same run. */
  reference: number;
  /** value / reference. */
  ratio: number;
  /** What the reference is, e.g. "keepalived VRRP 1s advert". */
  referenceName?: string;
  /** min / median / max of the samples behind `value`, when there are several. */
  samples?: { min: number; median: number; max: number; n: number };
}

export function result(name: string, value: number, unit: string, reference: number, extra: Partial<BenchResult> = {}): BenchResult {
  return { name, value, unit, reference, ratio: reference === 0 ? NaN : value / reference, ...extra };
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

export function summarize(values: number[]): { min: number; median: number; max: number; n: number } {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0] ?? NaN, median: quantile(s, 0.5), max: s[s.length - 1] ?? NaN, n: s.length };
}

/** A benchmark module: bench/<area>.bench.ts exports `run`. */
export type Bench = () => Promise<BenchResult[]>;
