// SPDX-License-Identifier: Apache-2.0
/**
 * Placement of a class's instances on its eligible nodes.
 *
 * Guarantees, for any input:
 * - each Service's instances are spread as evenly as possible: on distinct nodes when count <= nodes,
 *   otherwise every node holds floor or ceil of count/nodes of them;
 * - the instances each node holds differ by at most one across the class's nodes;
 * - an instance stays where it is (current placement read back from the cluster) unless its node left,
 *   its Service is over quota there, or balance needs it elsewhere; so placing a placement again is a no-op;
 * - the result depends only on the input, not on its order.
 */

/** A Service's share of a class: `count` instances, indexed 0..count-1. */
export interface ServiceDemand {
  /** Unique within the class, e.g. `namespace/name`. */
  key: string;
  count: number;
}

export interface PlacementInput {
  nodes: readonly string[];
  services: readonly ServiceDemand[];
  /** Current node of each instance by Service key, indexed like the instances. */
  current?: ReadonlyMap<string, readonly (string | undefined)[]>;
}

/** Node of each instance, by Service key. Empty when there are no nodes. */
export type Placement = Map<string, string[]>;

interface Slot {
  key: string;
  index: number;
  kept: boolean;
}

/** FNV-1a, 32 bit: a cheap, stable tie-breaker that differs per Service. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

class Book {
  readonly load = new Map<string, number>();
  // node -> slots on it
  readonly slots = new Map<string, Slot[]>();
  // service key -> node -> instances of the service on the node
  readonly per = new Map<string, Map<string, number>>();
  // service key -> how many nodes hold ceil(count / nodes) of it
  readonly atCeil = new Map<string, number>();

  constructor(
    readonly nodes: readonly string[],
    readonly counts: ReadonlyMap<string, number>,
  ) {
    for (const n of nodes) {
      this.load.set(n, 0);
      this.slots.set(n, []);
    }
  }

  count(key: string, node: string): number {
    return this.per.get(key)?.get(node) ?? 0;
  }

  /** May the Service put one more instance on this node without breaking its even spread? */
  allowed(key: string, node: string): boolean {
    const total = this.counts.get(key) ?? 0;
    const floor = Math.floor(total / this.nodes.length);
    const extra = total % this.nodes.length;
    const c = this.count(key, node);
    return c < floor || (c === floor && (this.atCeil.get(key) ?? 0) < extra);
  }

  add(slot: Slot, node: string): void {
    const floor = Math.floor((this.counts.get(slot.key) ?? 0) / this.nodes.length);
    let m = this.per.get(slot.key);
    if (!m) this.per.set(slot.key, (m = new Map()));
    const c = (m.get(node) ?? 0) + 1;
    m.set(node, c);
    if (c === floor + 1) this.atCeil.set(slot.key, (this.atCeil.get(slot.key) ?? 0) + 1);
    this.load.set(node, (this.load.get(node) ?? 0) + 1);
    this.slots.get(node)?.push(slot);
  }

  /** Moves a slot between nodes with equal standing for its Service (counts swap, so the spread is kept). */
  move(slot: Slot, from: string, to: string): void {
    const m = this.per.get(slot.key);
    if (!m) return;
    m.set(from, (m.get(from) ?? 0) - 1);
    m.set(to, (m.get(to) ?? 0) + 1);
    this.load.set(from, (this.load.get(from) ?? 0) - 1);
    this.load.set(to, (this.load.get(to) ?? 0) + 1);
    const list = this.slots.get(from) ?? [];
    list.splice(list.indexOf(slot), 1);
    this.slots.get(to)?.push(slot);
  }
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Places every instance; see the module comment for the guarantees. */
export function place(input: PlacementInput): Placement {
  const nodes = [...new Set(input.nodes)].sort(byName);
  const services = [...new Map(input.services.map((s) => [s.key, Math.max(0, Math.floor(s.count))])).entries()].sort((a, b) => byName(a[0], b[0]));
  const out: Placement = new Map();
  if (nodes.length === 0) return out;
  const book = new Book(nodes, new Map(services));
  const known = new Set(nodes);
  const pending: Slot[] = [];

  // 1. keep what is still valid, in a fixed order
  for (const [key, count] of services) {
    const cur = input.current?.get(key) ?? [];
    for (let i = 0; i < count; i++) {
      const node = cur[i];
      const slot: Slot = { key, index: i, kept: true };
      if (node !== undefined && known.has(node) && book.allowed(key, node)) book.add(slot, node);
      else pending.push({ key, index: i, kept: false });
    }
  }

  // 2. the rest go to the least loaded node the Service may use, most constrained Services first; ties broken per Service
  const size = (k: string): number => book.counts.get(k) ?? 0;
  pending.sort((a, b) => size(b.key) - size(a.key) || byName(a.key, b.key) || a.index - b.index);
  for (const slot of pending) {
    let best: string | undefined;
    let bestLoad = Infinity;
    let bestTie = 0;
    for (const n of nodes) {
      if (!book.allowed(slot.key, n)) continue;
      const l = book.load.get(n) ?? 0;
      const tie = fnv1a(`${slot.key}#${n}`);
      if (l < bestLoad || (l === bestLoad && tie < bestTie)) [best, bestLoad, bestTie] = [n, l, tie];
    }
    if (best !== undefined) book.add(slot, best);
  }

  // 3. level the loads: move from a fullest node to an emptiest one, newly placed instances first
  for (;;) {
    let hi = nodes[0] as string;
    let lo = hi;
    for (const n of nodes) {
      if ((book.load.get(n) ?? 0) > (book.load.get(hi) ?? 0)) hi = n;
      if ((book.load.get(n) ?? 0) < (book.load.get(lo) ?? 0)) lo = n;
    }
    if ((book.load.get(hi) ?? 0) - (book.load.get(lo) ?? 0) <= 1) break;
    const path = chainOfNew(book, hi);
    if (path) {
      for (const [slot, from, to] of path) book.move(slot, from, to);
      continue;
    }
    const movable = (book.slots.get(hi) ?? []).filter((s) => book.count(s.key, hi) > book.count(s.key, lo));
    movable.sort((a, b) => Number(a.kept) - Number(b.kept) || byName(a.key, b.key) || b.index - a.index);
    const slot = movable[0];
    // cannot happen: a fuller node always holds a Service the emptier one has fewer of
    if (!slot) break;
    slot.kept = false;
    book.move(slot, hi, lo);
  }

  for (const [key, count] of services) out.set(key, new Array<string>(count).fill(''));
  for (const [node, slots] of book.slots) {
    for (const s of slots) {
      const arr = out.get(s.key);
      if (arr) arr[s.index] = node;
    }
  }
  return out;
}

/**
 * A chain of moves of instances placed in this run, from `hi` to a node at least two emptier, each move keeping its
 * Service's spread: intermediate nodes give one and take one, so no kept instance has to move. Breadth first.
 */
function chainOfNew(book: Book, hi: string): [Slot, string, string][] | undefined {
  const limit = (book.load.get(hi) ?? 0) - 2;
  // node -> the move that reached it
  const via = new Map<string, [Slot, string] | null>([[hi, null]]);
  const queue = [hi];
  while (queue.length) {
    const u = queue.shift() as string;
    for (const slot of book.slots.get(u) ?? []) {
      if (slot.kept) continue;
      for (const v of book.nodes) {
        if (via.has(v) || book.count(slot.key, u) <= book.count(slot.key, v)) continue;
        via.set(v, [slot, u]);
        if ((book.load.get(v) ?? 0) <= limit) {
          const path: [Slot, string, string][] = [];
          for (let at = v, step = via.get(at); step; at = step[1], step = via.get(at)) path.unshift([step[0], step[1], at]);
          return path;
        }
        queue.push(v);
      }
    }
  }
  return undefined;
}

/** How many instances changed node between two placements (instances present in both only). */
export function movedBetween(before: ReadonlyMap<string, readonly (string | undefined)[]>, after: ReadonlyMap<string, readonly string[]>): number {
  let moved = 0;
  for (const [key, nodes] of after) {
    const prev = before.get(key) ?? [];
    nodes.forEach((n, i) => {
      const p = prev[i];
      if (p !== undefined && p !== n) moved++;
    });
  }
  return moved;
}
