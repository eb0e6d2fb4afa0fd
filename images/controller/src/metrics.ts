// SPDX-License-Identifier: Apache-2.0
/** The controller's Prometheus metrics, with MetalLB's names where MetalLB has one. */
import { Counter, Gauge, type Registry } from 'prom-client';
import { configMetrics } from '../../../lib/config-metrics.js';
import type { Allocator } from './ipam/allocator.js';

export interface ControllerMetrics {
  /** `stale`: some pool's current version is invalid (its last valid one, or nothing, is in force). */
  configLoaded(stale: boolean): void;
  leader(v: boolean): void;
  statusWritten(kind: 'instance' | 'service'): void;
  allocationFailed(reason: string): void;
}

/** Registers the metrics; pool counters are read from the allocator at scrape time. */
export function controllerMetrics(reg: Registry, allocator: () => Allocator | undefined): ControllerMetrics {
  const perPool = (name: string, help: string, pick: (a: Allocator, pool: string) => number) =>
    new Gauge({
      name, help, labelNames: ['pool'], registers: [reg],
      collect() {
        this.reset();
        const a = allocator();
        if (!a) return;
        for (const p of a.pools()) this.set({ pool: p.name }, pick(a, p.name));
      },
    });
  perPool('metallb_allocator_addresses_in_use_total', 'Number of IP addresses in use, per pool', (a, p) => a.counters(p).inUse);
  perPool('metallb_allocator_addresses_total', 'Number of usable IP addresses, per pool', (a, p) => Number(a.counters(p).total));
  const config = configMetrics(reg);
  const leader = new Gauge({ name: 'metallb_controller_leader', help: '1 while this replica is the leader and allocates', registers: [reg] });
  const writes = new Counter({ name: 'metallb_controller_status_writes_total', help: 'Status writes, by object kind', labelNames: ['kind'], registers: [reg] });
  const failures = new Counter({ name: 'metallb_controller_allocation_failures_total', help: 'Allocation failures, by reason', labelNames: ['reason'], registers: [reg] });
  return {
    configLoaded: (stale) => config.loaded(stale),
    leader: (v) => leader.set(v ? 1 : 0),
    statusWritten: (kind) => writes.inc({ kind }),
    allocationFailed: (reason) => failures.inc({ reason }),
  };
}
