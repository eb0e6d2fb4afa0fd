// SPDX-License-Identifier: Apache-2.0
/** Metric operations a hook emits, in shell-operator's METRICS_PATH format (one JSON object per line). */
import { parseJsonStream } from './json-stream.js';

export type Labels = Record<string, string>;

export type MetricOperation =
  | { name: string; action: 'set' | 'add'; value: number; labels: Labels; group?: string }
  | { name: string; action: 'observe'; value: number; buckets: number[]; labels: Labels }
  | { group: string; action: 'expire' };

/** Records metric operations in call order. */
export class Metrics {
  #ops: MetricOperation[] = [];

  /** Gauge: set to `value`. */
  set(name: string, value: number, labels: Labels = {}, group?: string): void {
    this.#ops.push({ name, action: 'set', value, labels: { ...labels }, ...(group !== undefined ? { group } : {}) });
  }

  /** Counter: add `value`. */
  add(name: string, value: number, labels: Labels = {}, group?: string): void {
    this.#ops.push({ name, action: 'add', value, labels: { ...labels }, ...(group !== undefined ? { group } : {}) });
  }

  inc(name: string, labels: Labels = {}, group?: string): void {
    this.add(name, 1, labels, group);
  }

  /** Histogram observation (no group, as in shell-operator). */
  observe(name: string, value: number, buckets: number[], labels: Labels = {}): void {
    this.#ops.push({ name, action: 'observe', value, buckets: [...buckets], labels: { ...labels } });
  }

  /** Drops every metric of `group`; the usual pattern is expire, then set each current value. */
  expire(group: string): void {
    this.#ops.push({ group, action: 'expire' });
  }

  operations(): MetricOperation[] {
    return structuredClone(this.#ops);
  }
}

export function encodeMetricOperations(ops: readonly MetricOperation[]): string {
  return ops.map((o) => JSON.stringify(o) + '\n').join('');
}

/** Parses a METRICS_PATH stream (JSON objects one after another), including the legacy `{"name","set"}` / `{"name","add"}` forms. */
export function parseMetricOperations(text: string): MetricOperation[] {
  const out: MetricOperation[] = [];
  for (const raw of parseJsonStream(text)) {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('metric operation is not an object');
    const o = raw as Record<string, unknown>;
    const labels = (o.labels ?? {}) as Labels;
    if (o.action === 'expire') {
      if (typeof o.group !== 'string') throw new Error('metric expire needs "group"');
      out.push({ group: o.group, action: 'expire' });
      continue;
    }
    if (typeof o.name !== 'string' || o.name === '') throw new Error('metric operation needs "name"');
    let action = o.action;
    let value = o.value;
    if (action === undefined && typeof o.set === 'number') [action, value] = ['set', o.set];
    if (action === undefined && typeof o.add === 'number') [action, value] = ['add', o.add];
    if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`metric "${o.name}" needs a numeric value`);
    if (action === 'set' || action === 'add') {
      out.push({ name: o.name, action, value, labels, ...(typeof o.group === 'string' ? { group: o.group } : {}) });
    } else if (action === 'observe') {
      if (!Array.isArray(o.buckets)) throw new Error(`metric "${o.name}" observe needs "buckets"`);
      out.push({ name: o.name, action, value, buckets: o.buckets as number[], labels });
    } else {
      throw new Error(`metric "${o.name}" has unknown action ${JSON.stringify(action)}`);
    }
  }
  return out;
}
