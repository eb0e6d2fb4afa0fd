// SPDX-License-Identifier: Apache-2.0
/** Chaos faults and how to pick them: seeded, weighted, only faults that make sense in the current state. Pure. */

export type Fault =
  | { kind: 'kill-speaker'; node: string }
  | { kind: 'kill-controller' }
  | { kind: 'kill-module' }
  | { kind: 'restart-apiserver' }
  | { kind: 'link-down'; node: string }
  | { kind: 'link-up'; node: string }
  | { kind: 'service-create'; name: string; cls: string; count: number }
  | { kind: 'service-edit'; name: string; count: number }
  | { kind: 'service-delete'; name: string }
  | { kind: 'class-create' }
  | { kind: 'class-edit'; allNodes: boolean }
  | { kind: 'class-delete' };

/** What the picker needs to know. */
export interface ChaosWorld {
  readonly nodes: readonly string[];
  readonly linksDown: readonly string[];
  /** Services the chaos created, with their class. */
  readonly services: ReadonlyArray<{ readonly name: string; readonly cls: string }>;
  readonly chaosClass: boolean;
  readonly serial: number;
}

export const CHAOS_CLASS = 'chaos';
export const MAX_SERVICES = 4;

/** mulberry32: a small seeded PRNG in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(r: () => number, xs: readonly T[]): T | undefined {
  return xs[Math.floor(r() * xs.length)];
}

/** The faults possible now, with weights. At most one link is down at a time so the class keeps a node. */
export function candidates(w: ChaosWorld, r: () => number): Array<[Fault, number]> {
  const out: Array<[Fault, number]> = [];
  const up = w.nodes.filter((n) => !w.linksDown.includes(n));
  const node = pick(r, up);
  if (node) out.push([{ kind: 'kill-speaker', node }, 3]);
  out.push([{ kind: 'kill-controller' }, 2], [{ kind: 'kill-module' }, 1], [{ kind: 'restart-apiserver' }, 1]);
  if (w.linksDown.length === 0 && node) out.push([{ kind: 'link-down', node }, 2]);
  const down = pick(r, w.linksDown);
  if (down) out.push([{ kind: 'link-up', node: down }, 4]);
  const count = 1 + Math.floor(r() * 3);
  if (w.services.length < MAX_SERVICES) out.push([{ kind: 'service-create', name: `chaos-${w.serial}`, cls: w.chaosClass && r() < 0.5 ? CHAOS_CLASS : 'ingress', count }, 3]);
  const svc = pick(r, w.services);
  if (svc) out.push([{ kind: 'service-edit', name: svc.name, count }, 2], [{ kind: 'service-delete', name: svc.name }, 2]);
  if (!w.chaosClass) out.push([{ kind: 'class-create' }, 1]);
  else {
    out.push([{ kind: 'class-edit', allNodes: r() < 0.5 }, 1]);
    if (!w.services.some((s) => s.cls === CHAOS_CLASS)) out.push([{ kind: 'class-delete' }, 1]);
  }
  return out;
}

/** One weighted pick among the possible faults. */
export function pickFault(w: ChaosWorld, r: () => number): Fault {
  const c = candidates(w, r);
  const total = c.reduce((s, [, x]) => s + x, 0);
  let at = r() * total;
  for (const [f, x] of c) {
    at -= x;
    if (at < 0) return f;
  }
  return c[c.length - 1]?.[0] ?? { kind: 'kill-controller' };
}

/** The world after a fault, as far as the picker cares. */
export function applyToWorld(w: ChaosWorld, f: Fault): ChaosWorld {
  switch (f.kind) {
    case 'link-down': return { ...w, linksDown: [...w.linksDown, f.node] };
    case 'link-up': return { ...w, linksDown: w.linksDown.filter((n) => n !== f.node) };
    case 'service-create': return { ...w, services: [...w.services, { name: f.name, cls: f.cls }], serial: w.serial + 1 };
    case 'service-delete': return { ...w, services: w.services.filter((s) => s.name !== f.name) };
    case 'class-create': return { ...w, chaosClass: true };
    case 'class-delete': return { ...w, chaosClass: false };
    default: return w;
  }
}

export function describeFault(f: Fault): string {
  const rest = Object.entries(f).filter(([k]) => k !== 'kind').map(([k, v]) => `${k}=${String(v)}`).join(' ');
  return rest ? `${f.kind} ${rest}` : f.kind;
}
