// SPDX-License-Identifier: Apache-2.0
/** Hook metrics (METRICS_PATH operations) and the runtime's own, served in Prometheus format with prom-client. */
import * as http from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricOperation } from '../../lib/hook-sdk/index.js';

interface Series {
  labels: Record<string, string>;
  value: number;
  group: string | undefined;
}

interface Family {
  type: 'gauge' | 'counter';
  labelNames: string[];
  series: Map<string, Series>;
  metric: Gauge | Counter;
}

const labelKey = (l: Record<string, string>) => JSON.stringify(Object.entries(l).sort(([a], [b]) => (a < b ? -1 : 1)));

/** Metrics of all hooks of one module: `hook` and `module` labels added, groups expired as addon-operator does. */
export class HookMetrics {
  readonly registry = new Registry();
  #module: string;
  #families = new Map<string, Family>();
  #histograms = new Map<string, Histogram>();
  readonly runs: Counter<'hook' | 'binding' | 'result'>;
  readonly runSeconds: Histogram<'hook'>;
  readonly renders: Counter<'result'>;

  constructor(module: string) {
    this.#module = module;
    this.runs = new Counter({ name: 'metallb_runtime_hook_runs_total', help: 'Hook runs by hook, first binding and result.', labelNames: ['hook', 'binding', 'result'], registers: [this.registry] });
    this.runSeconds = new Histogram({ name: 'metallb_runtime_hook_run_seconds', help: 'Hook run time: process start to outputs read.', labelNames: ['hook'], buckets: [0.05, 0.1, 0.2, 0.5, 1, 2, 5], registers: [this.registry] });
    this.renders = new Counter({ name: 'metallb_runtime_helm_renders_total', help: 'Chart renders and applies by result.', labelNames: ['result'], registers: [this.registry] });
  }

  #family(name: string, type: Family['type'], keys: string[]): Family {
    let f = this.#families.get(name);
    const names = [...new Set([...(f?.labelNames ?? []), ...keys, 'hook', 'module'])].sort();
    if (f && f.type === type && names.length === f.labelNames.length) return f;
    if (f) this.registry.removeSingleMetric(name);
    const series: Map<string, Series> = f && f.type === type ? f.series : new Map();
    const collect = function (this: Gauge | Counter) {
      this.reset();
      for (const s of series.values()) {
        if (type === 'gauge') (this as Gauge).set(s.labels, s.value);
        else (this as Counter).inc(s.labels, s.value);
      }
    };
    const cfg = { name, help: `Hook metric ${name}.`, labelNames: names, registers: [this.registry], collect };
    f = { type, labelNames: names, series, metric: type === 'gauge' ? new Gauge(cfg) : new Counter(cfg) };
    this.#families.set(name, f);
    return f;
  }

  /** Applies one hook run's operations. Throws on an operation that cannot be kept (the run is then a failure). */
  apply(hook: string, ops: readonly MetricOperation[]): void {
    for (const op of ops) {
      if (op.action === 'expire') {
        for (const f of this.#families.values()) for (const [k, s] of f.series) if (s.group === op.group && s.labels.hook === hook) f.series.delete(k);
        continue;
      }
      const labels = { ...op.labels, hook, module: this.#module };
      if (op.action === 'observe') {
        let h = this.#histograms.get(op.name);
        if (!h) {
          h = new Histogram({ name: op.name, help: `Hook metric ${op.name}.`, labelNames: Object.keys(labels).sort(), buckets: op.buckets, registers: [this.registry] });
          this.#histograms.set(op.name, h);
        }
        h.observe(labels, op.value);
        continue;
      }
      const f = this.#family(op.name, op.action === 'set' ? 'gauge' : 'counter', Object.keys(labels));
      const key = labelKey(labels);
      const prev = f.series.get(key);
      const value = op.action === 'set' ? op.value : (prev?.value ?? 0) + op.value;
      f.series.set(key, { labels, value, group: op.group });
    }
  }

  /** Serves `/metrics` on 127.0.0.1:`port` (0 = any free port); resolves to the bound port. */
  serve(port: number, host = '127.0.0.1'): Promise<{ port: number; close(): Promise<void> }> {
    const server = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end('not found\n');
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': this.registry.contentType }).end(text),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const addr = server.address();
        resolve({ port: typeof addr === 'object' && addr ? addr.port : port, close: () => new Promise((r) => server.close(() => r())) });
      });
    });
  }
}
