// SPDX-License-Identifier: Apache-2.0
/**
 * The L2 speaker for one node: from instances, peers' liveness and the host's links, decide which
 * addresses this node announces, answer ARP/NDP for exactly those, and announce takeovers.
 * No Kubernetes here: the agent (API server) or a static description feeds it.
 */
import type { Clock, Timer } from '../../../../../lib/clock.js';
import type { Logger } from '../../../../../lib/log.js';
import { MAX_KEPT, addressId, nodeId, type HeldKept, type PeerEntry, type SpeakerState } from '../../health/heartbeat.js';
import type { Liveness } from '../../health/liveness.js';
import { StallWatch } from '../../health/stall.js';
import { Announcer, type AnnouncerEvent, type AnnouncerOptions } from './announcer.js';
import { EXCLUDED_INTERFACES, interfaceAllowed, usableLinks, type LinkState } from './interfaces.js';
import type { L2Metrics } from '../metrics.js';
import { accusations, agreedBy, candidates, electOwner, type Election, type NodeReport } from './owner.js';
import type { OpenLink, RawLink } from '../link/raw-link.js';
import { respond, type LinkView } from './responder.js';
import { buildTopology, type L2Topology } from './topology.js';

/** One requested address of a Service (an SDNInternalL2LBService with its IP). */
export interface L2Instance {
  /** namespace/name of the instance object. */
  readonly key: string;
  readonly service: { readonly namespace: string; readonly name: string };
  readonly ip: string;
  readonly preferred?: string | undefined;
  /** Nodes allowed to announce it (class node selector; ETP Local: nodes with ready endpoints). Instances of one class may share the array. */
  readonly eligible: readonly string[];
  /** The class's interfaces (`spec.l2.interfaces`); empty = all not excluded. */
  readonly interfaces: readonly string[];
}

/** What the speaker reports for status objects and events. */
export type SpeakerEvent =
  | { readonly type: 'announced'; readonly ip: string; readonly instances: readonly L2Instance[]; readonly links: readonly string[] }
  | { readonly type: 'released'; readonly ip: string; readonly instances: readonly L2Instance[] }
  | { readonly type: 'conflict'; readonly ip: string; readonly instances: readonly L2Instance[]; readonly mac: string; readonly phase: 'probe' | 'announce'; readonly stale: boolean; readonly yielded: boolean };

export interface L2SpeakerDeps {
  readonly node: string;
  readonly clock: Clock;
  readonly log: Logger;
  readonly metrics: L2Metrics;
  readonly liveness: Liveness;
  readonly announcer: AnnouncerOptions;
  readonly openLink: OpenLink;
  /** Interfaces never used (the metallb-excludel2 list); the module's defaults when absent. */
  readonly excluded?: readonly RegExp[];
  readonly onEvent?: (e: SpeakerEvent) => void;
  /** What our heartbeats report changed (holding, links): send one now. */
  readonly onReportChange?: () => void;
  /** How long a placed node must have been a candidate before an address we took over from it goes back (ms). */
  readonly returnDelayMs?: number;
}

/** A node that failed and came back is trusted with its addresses again after this long. */
export const DEFAULT_RETURN_DELAY_MS = 30_000;

export class L2Speaker {
  // ip -> instances with that address (several when shared)
  #byIp = new Map<string, L2Instance[]>();
  // ip -> its chain (see topology.ts), for the addresses whose chain we are in
  #chains = new Map<string, readonly string[]>();
  // interface name -> open raw link
  readonly #links = new Map<string, RawLink>();
  // ip -> the owner we computed last time (to tell a takeover from a new address)
  readonly #lastOwner = new Map<string, string | undefined>();
  #apiOk = true;
  #holding = true;
  #holdTimer: Timer | undefined;
  // set while we stand back after our own event loop stalled: clock time the stall was noticed
  #pausedAt: number | undefined;
  #pauseTimer: Timer | undefined;
  readonly #stalls: StallWatch;
  // the interval our heartbeats last asked peers to size our detection time by
  #asked: number;
  #isolated = false;
  // stopping to restart: our heartbeats say so, and we decide nothing more
  #leaving = false;
  #handingOff = false;
  // until when our addresses count as resumed after a restart peers held them for (acquired without a probe)
  #resumeUntil = -Infinity;
  // link -> the addresses it answers by itself (what RawLink.answerChange told it)
  readonly #delegated = new Map<RawLink, Set<string>>();
  // addresses whose delegation may have changed; every address when `#allDirty`
  readonly #dirty = new Set<string>();
  #allDirty = false;
  // ip -> the head of its chain when we took it over: we keep it (our heartbeats list it) while that node is back
  readonly #kept = new Map<string, string>();
  // what our previous process kept, as its peers pass it on, until we announce it again (ip -> chain head)
  readonly #inherited = new Map<string, string>();
  // node -> since when it has been one of our candidates, without a break
  readonly #candidateSince = new Map<string, number>();
  #returnTimer: Timer | undefined;
  // log lines and events in order; a release waits until no link answers the address any more
  readonly #outbox: { run: () => void; ready: boolean }[] = [];
  readonly #announcer: Announcer;
  readonly #excluded: readonly RegExp[];

  constructor(private readonly d: L2SpeakerDeps) {
    this.#excluded = d.excluded ?? EXCLUDED_INTERFACES;
    const every = d.liveness.intervalMs();
    this.#asked = every;
    d.metrics.askedInterval(every);
    this.#stalls = new StallWatch(d.clock, every, d.liveness.detectionMs() - every, (late) => this.#pause(late), (late) => this.#ranLate(late));
    this.#announcer = new Announcer(d.clock, d.announcer, {
      links: (ip) => this.#linksFor(ip).map((l) => ({ name: l.name, mac: l.mac })),
      send: (name, frame) => this.#links.get(name)?.send(frame),
      isSpeakerMac: (mac) => this.#isSpeakerMac(mac),
      event: (e) => this.#onAnnouncer(e),
    });
  }

  /** Start deciding after one detection time, so peers that are alive have been heard. Call once the peers are known. */
  start(): void {
    this.#hold();
    this.#stalls.start();
  }

  /**
   * Acquire nothing for one detection time (at start, and when our first link comes back). Our
   * heartbeats say so meanwhile: peers neither elect us nor count our view, which is still filling.
   */
  #hold(): void {
    if (this.#handingOff) return;
    this.#holding = true;
    this.d.onReportChange?.();
    this.#holdTimer?.cancel();
    this.#holdTimer = this.d.clock.setTimeout(() => {
      this.#holding = false;
      this.d.onReportChange?.();
      this.recompute();
    }, this.d.liveness.detectionMs());
  }

  /**
   * We stop to restart (SIGTERM, a rolling update): our heartbeats say so from now on, so peers hold our
   * addresses until our next process decides (for at most their restart hold), and we keep answering
   * for what we announce until we stop. Call stop() once the peers have acknowledged.
   */
  leave(): void {
    this.#leaving = true;
    this.d.log.info({ op: 'restart', addresses: this.announced() }, 'stopping to restart: peers hold our addresses until we are back');
    this.d.onReportChange?.();
  }

  /**
   * We go away for good (our node is drained, cordoned, shutting down or being deleted): we stand back from
   * every address now and our heartbeats say we hold, so no peer elects us and the next in each chain takes
   * over as soon as it reads it (no restart hold, no detection time). Call stop() once the peers acknowledged.
   */
  handOff(): void {
    this.#handingOff = true;
    this.#holdTimer?.cancel();
    this.#holding = true;
    this.d.log.info({ op: 'handOff', addresses: this.announced() }, 'stopping for good: handing our addresses over now');
    this.d.onReportChange?.();
    this.recompute();
  }

  /** Whether we hold (our heartbeats carry it). */
  holding(): boolean {
    return this.#holding;
  }

  /**
   * Our event loop stalled for longer than peers wait minus one interval: what we know of the peers is
   * stale. Take no address we do not hold until every peer we hear has been heard again (their views
   * are fresh), at most one detection time. What we hold we keep: a peer that took it over meanwhile
   * says so in the heartbeats read next, and we release it then. (The links' answering threads answered
   * through the stall anyway, so standing back from everything would only add an outage.)
   */
  #pause(lateMs: number): void {
    this.#pausedAt = this.d.clock.now();
    this.d.metrics.stalled();
    this.d.log.warn({ op: 'stall', lateMs: Math.round(lateMs) }, 'event loop stalled: taking no new address until the peers\' heartbeats are read');
    this.#pauseTimer?.cancel();
    this.#pauseTimer = this.d.clock.setTimeout(() => this.recompute(), this.d.liveness.detectionMs());
    this.recompute();
  }

  /** Every tick of our stall watch: how late our event loop ran decides how long peers wait for us (liveness.ts). */
  #ranLate(lateMs: number): void {
    this.d.liveness.ranLate(lateMs);
    const asked = this.d.liveness.advertisedIntervalMs();
    if (asked === this.#asked) return;
    const base = this.d.liveness.intervalMs();
    if (asked > this.#asked) this.d.log.warn({ op: 'stall', lateMs: Math.round(lateMs), intervalMs: asked }, 'event loop running late: peers asked to wait longer for our heartbeats');
    else if (asked === base) this.d.log.info({ op: 'stall', intervalMs: asked }, 'event loop on time again: peers wait the usual time for our heartbeats');
    this.#asked = asked;
    this.d.metrics.askedInterval(asked);
    this.d.onReportChange?.();
  }

  /** A peer's heartbeat was accepted: recompute when it reports something new, or when it ends our pause. */
  heard(changed: boolean): void {
    if (changed || (this.#pausedAt !== undefined && this.d.liveness.allHeardSince(this.#pausedAt))) this.recompute();
  }

  /** The instances, with the peers and chains of the instances' own eligible nodes (tests and the static speaker). */
  setInstances(list: readonly L2Instance[]): void {
    this.setTopology(buildTopology(list));
  }

  /** What to announce and with whom (the same on every speaker): watch our peers, elect within our chains. */
  setTopology(topology: L2Topology): void {
    const by = new Map<string, L2Instance[]>();
    for (const i of topology.instances) by.set(i.ip, [...(by.get(i.ip) ?? []), i]);
    this.#byIp = by;
    this.#chains = new Map([...topology.chains].filter(([, c]) => c.includes(this.d.node)));
    this.d.liveness.setPeers(topology.peersOf(this.d.node));
    this.recompute();
  }

  /** The host's interfaces, from a scan: opens new usable ones, closes gone or down ones. */
  setLinks(all: readonly LinkState[]): void {
    const usable = new Map(usableLinks(all, this.#excluded).map((l) => [l.name, l]));
    const hadNone = this.#links.size === 0;
    let changed = false;
    for (const [name, link] of this.#links) {
      if (usable.get(name)?.mac === link.mac) continue;
      link.close();
      this.#links.delete(name);
      this.#delegated.delete(link);
      changed = true;
      this.d.log.info({ op: 'link', interface: name }, 'interface gone or down: not answering on it');
    }
    for (const l of usable.values()) {
      if (this.#links.has(l.name)) continue;
      try {
        const link = this.d.openLink(l.name, l.mac);
        link.onFrame((f) => this.#receive(link, f));
        link.onClose((reason) => this.#lost(link, reason));
        link.onAnswered?.((ip) => this.#counted(ip));
        this.#links.set(l.name, link);
        changed = true;
        this.d.log.info({ op: 'link', interface: l.name, mac: l.mac }, 'answering ARP/NDP on interface');
      } catch (e) {
        this.d.log.error({ op: 'link', interface: l.name, err: (e as Error).message }, 'cannot open interface');
      }
    }
    // Back on the network after an outage: peers' heartbeats could not reach us, so hear them first.
    if (hadNone && this.#links.size > 0 && !this.#holding) this.#hold();
    if (changed) {
      this.d.onReportChange?.();
      this.recompute();
      for (const ip of this.#announcer.addresses()) this.#announcer.reannounce(ip);
    }
  }

  /** A link ended by itself: forget it (the next scan opens it again once it is usable). */
  #lost(link: RawLink, reason: string): void {
    if (this.#links.get(link.name) !== link) return;
    this.#links.delete(link.name);
    this.#delegated.delete(link);
    this.d.log.warn({ op: 'link', interface: link.name, reason }, 'stopped answering on interface');
    this.d.onReportChange?.();
    this.recompute();
  }

  /** Interfaces up and open now (names), and their MACs: what our heartbeats tell peers. */
  upLinks(): { links: string[]; macs: string[] } {
    const ls = [...this.#links.values()];
    return { links: ls.map((l) => l.name), macs: ls.map((l) => l.mac) };
  }

  setApiOk(ok: boolean): void {
    if (ok === this.#apiOk) return;
    this.#apiOk = ok;
    this.d.log.warn({ op: 'api', apiOk: ok }, ok ? 'API server reachable again' : 'API server unreachable: announcing from heartbeats alone');
    this.recompute();
  }

  /** Addresses announced now. */
  announced(): string[] {
    return this.#announcer.addresses().filter((ip) => this.#announcer.announcing(ip));
  }

  /** Recomputes ownership of every address; call on any input change (a peer up or down, too). */
  recompute(): void {
    if (this.#leaving) return;
    const c = this.d.liveness.counts();
    const isolated = !this.#apiOk && c.expected > 0 && c.up === 0;
    if (isolated !== this.#isolated) {
      this.#isolated = isolated;
      this.d.metrics.isolated(isolated);
      this.d.log.warn({ op: 'isolation', isolated }, isolated ? 'no peer heartbeats and no API server: stopping all announcements' : 'peers or API server back');
    }
    const paused = this.#paused();
    const { reports, cands } = this.#decide();
    if (this.#holding && this.#heldByPeers()) {
      this.#resumeUntil = this.d.clock.now() + this.d.liveness.detectionMs() + this.d.liveness.graceMs();
      this.#inheritKept();
    }
    const now = this.d.clock.now();
    for (const n of this.#candidateSince.keys()) if (!cands.has(n)) this.#candidateSince.delete(n);
    for (const n of cands) if (!this.#candidateSince.has(n)) this.#candidateSince.set(n, now);
    const keptBefore = [...this.#kept.keys()].join();
    this.#reviewKept(now);
    const want = new Set<string>();
    for (const [ip, chain] of this.#chains) {
      const insts = this.#byIp.get(ip) ?? [];
      const base = this.#election(ip, chain, insts);
      // A peer held for its restart keeps its addresses: nobody else takes them meanwhile.
      const usable = (n: string): boolean => (cands.has(n) || this.d.liveness.held(n) !== undefined) && base.usable(n);
      // A member that took the address over and keeps it comes first, for every member of the chain alike.
      const keeper = chain.find((n) => usable(n) && this.#keeps(n, ip, chain));
      const e = keeper === undefined ? base : { ...base, chain: [keeper, ...chain.filter((n) => n !== keeper)] };
      const owner = electOwner({ ...e, usable });
      const prev = this.#lastOwner.get(ip);
      this.#lastOwner.set(ip, owner);
      if (owner !== this.d.node || this.#holding || isolated || !agreedBy(e, this.d.node, reports)) continue;
      if (paused && !this.#announcer.state(ip)) {
        // Not decided yet: keep what we knew of it, so a new address is still probed first.
        this.#lastOwner.set(ip, prev);
        continue;
      }
      want.add(ip);
      if (this.#inherited.get(ip) === chain[0] && this.#kept.size < MAX_KEPT) this.#kept.set(ip, chain[0] ?? '');
      if (!this.#announcer.state(ip)) {
        // An address some speaker (a failed peer, or we before a pause or a restart) announced is taken at once; one new to the segment is probed first.
        const takeover = prev !== undefined;
        const resumed = !takeover && this.d.clock.now() < this.#resumeUntil;
        this.d.log.info({ op: 'acquire', ip, service: insts.map(svcName).join(','), takeover, resumed, from: prev }, takeover ? 'taking over address' : resumed ? 'resuming address after a restart' : 'acquiring address');
        this.#announcer.acquire(ip, !takeover && !resumed);
        if (takeover && prev !== this.d.node && chain[0] !== this.d.node && this.#kept.size < MAX_KEPT) this.#kept.set(ip, chain[0] ?? '');
      }
    }
    for (const ip of this.#announcer.addresses()) {
      if (want.has(ip)) continue;
      this.#announcer.release(ip);
      this.#kept.delete(ip);
    }
    for (const ip of [...this.#kept.keys()]) if (!want.has(ip)) this.#kept.delete(ip);
    if (!this.#holding && now >= this.#resumeUntil) this.#inherited.clear();
    // What we took or gave up now may make a return worth it (or due): decide again at once, or when due.
    const review = this.#reviewKept(now);
    if ([...this.#kept.keys()].join() !== keptBefore) this.d.onReportChange?.();
    this.#returnTimer?.cancel();
    this.#returnTimer = review.next === Infinity ? undefined : this.d.clock.setTimeout(() => this.recompute(), review.next - now);
    if (review.ended) this.recompute();
    for (const ip of [...this.#lastOwner.keys()]) if (!this.#chains.has(ip)) this.#lastOwner.delete(ip);
    // Instances may have changed the interfaces of an address without a state change.
    this.#allDirty = true;
    this.#delegate();
  }

  /** Whether we take nothing new after a stall; ends once every peer we hear was heard since, or after one detection time. */
  #paused(): boolean {
    if (this.#pausedAt === undefined) return false;
    const since = this.#pausedAt;
    if (this.d.liveness.allHeardSince(since) || this.d.clock.now() - since >= this.d.liveness.detectionMs()) {
      this.#pausedAt = undefined;
      this.#pauseTimer?.cancel();
      this.d.log.debug({ op: 'stall', ms: Math.round(this.d.clock.now() - since) }, 'peers heard again after the stall: deciding again');
      return false;
    }
    return true;
  }

  /**
   * Ends the keeps of addresses that go back to their placed node (the head of their chain) now: only
   * when that is worth a move, that is when it has been a candidate for the return delay (so a node that
   * comes and goes pulls nothing back and forth) and we announce another address of the same Service (its
   * addresses would otherwise share our node). A changed chain head (placed elsewhere) ends a keep too.
   * Returns whether one ended, and when to look again.
   */
  #reviewKept(now: number): { ended: boolean; next: number } {
    const perService = this.#announcedPerService();
    let ended = false;
    let next = Infinity;
    for (const [ip, head] of [...this.#kept]) {
      const chain = this.#chains.get(ip);
      const since = this.#candidateSince.get(head);
      if (chain?.[0] !== head) {
        this.#kept.delete(ip);
        ended = true;
        continue;
      }
      if (since === undefined) continue;
      const due = since + (this.d.returnDelayMs ?? DEFAULT_RETURN_DELAY_MS);
      if (now < due) {
        next = Math.min(next, due);
        continue;
      }
      if (!(this.#byIp.get(ip) ?? []).some((i) => (perService.get(svcName(i)) ?? 0) >= 2)) continue;
      this.#kept.delete(ip);
      ended = true;
      this.d.log.info({ op: 'return', ip, to: head }, 'returning address to its placed node: it is back for the return delay and our node announces another address of the Service');
    }
    return { ended, next };
  }

  /** How many addresses we announce per Service (namespace/name). */
  #announcedPerService(): Map<string, number> {
    const out = new Map<string, number>();
    for (const ip of this.announced()) for (const s of new Set((this.#byIp.get(ip) ?? []).map(svcName))) out.set(s, (out.get(s) ?? 0) + 1);
    return out;
  }

  /** Whether a node keeps `ip` after taking it over: we by our own record, a peer by its latest state (or the one it left with). */
  #keeps(node: string, ip: string, chain: readonly string[]): boolean {
    if (node === this.d.node) return (this.#kept.get(ip) ?? this.#inherited.get(ip)) === chain[0];
    const kept = this.d.liveness.peer(node)?.state?.kept ?? this.d.liveness.held(node)?.kept;
    return kept !== undefined && keptSet(kept).has(addressId(ip));
  }

  /**
   * The next process of a speaker that kept addresses (took them over, their placed node back since) keeps them
   * too: its peers, holding it for its restart, pass on what it kept. Without this a restart moved them home.
   */
  #inheritKept(): void {
    const me = nodeId(this.d.node);
    for (const n of this.d.liveness.names()) {
      const kept = this.d.liveness.peer(n)?.state?.heldKept?.find((h) => h.node === me)?.kept ?? [];
      for (const id of kept) {
        for (const [ip, chain] of this.#chains) {
          if (addressId(ip) !== id || chain[0] === this.d.node || this.#inherited.size >= MAX_KEPT) continue;
          this.#inherited.set(ip, chain[0] ?? '');
        }
      }
    }
  }

  /** Whether a peer reports holding our addresses for our restart: we are the next process of a speaker that left. */
  #heldByPeers(): boolean {
    const me = nodeId(this.d.node);
    return this.d.liveness.names().some((n) => {
      const state = this.d.liveness.peer(n)?.state;
      return state !== undefined && entriesOf(state).get(me)?.held === true;
    });
  }

  /** The peers' latest reports and ours; the nodes we elect among; what we pass on. */
  #decide(): { reports: Map<string, NodeReport>; cands: Set<string>; accuses: Set<string>; accused: boolean } {
    const reports = new Map<string, NodeReport>();
    const peers = this.d.liveness.names();
    for (const n of peers) {
      const state = this.d.liveness.peer(n)?.state;
      const entries = state ? entriesOf(state) : new Map<number, PeerEntry>();
      reports.set(n, {
        holding: state?.holding ?? true,
        accused: state?.accused ?? false,
        candidate: state?.candidate ?? false,
        status: (m) => entries.get(nodeId(m))?.status,
        accuses: (m) => entries.get(nodeId(m))?.accused === true,
        elects: (m) => entries.get(nodeId(m))?.candidate === true,
      });
    }
    const none = (): boolean => false;
    reports.set(this.d.node, { holding: this.#holding, accused: false, candidate: false, status: (m) => this.d.liveness.status(m), accuses: none, elects: none });
    const { accused, accuses } = accusations(this.d.node, peers, reports);
    return { reports, cands: candidates(this.d.node, peers, reports), accuses, accused };
  }

  /** What our heartbeats say of us and of each peer we watch (see owner.ts). */
  report(): { holding: boolean; accused: boolean; candidate: boolean; restarting?: true; peers: PeerEntry[]; kept?: number[]; heldKept?: HeldKept[] } {
    const { cands, accuses, accused } = this.#decide();
    const peers: PeerEntry[] = [];
    const heldKept: HeldKept[] = [];
    for (const n of this.d.liveness.names()) {
      const status = this.d.liveness.status(n);
      const held = this.d.liveness.held(n);
      if (status) peers.push({ id: nodeId(n), status, accused: accuses.has(n), candidate: cands.has(n), ...(held ? { held: true } : {}) });
      if (held?.kept.length) heldKept.push({ node: nodeId(n), kept: [...held.kept] });
    }
    const kept = [...this.#kept.keys()].map(addressId).sort((a, b) => a - b);
    return { holding: this.#holding, accused, candidate: cands.has(this.d.node), ...(this.#leaving ? { restarting: true as const } : {}), peers: peers.sort((a, b) => a.id - b.id), ...(kept.length ? { kept } : {}), ...(heldKept.length ? { heldKept } : {}) };
  }

  /** The election for an address; `usable` says whether a node is alive (to us) with a link allowed for it. */
  #election(ip: string, chain: readonly string[], insts: readonly L2Instance[]): Election {
    const allowed = insts.some((i) => i.interfaces.length === 0) ? [] : insts.flatMap((i) => i.interfaces);
    const usable = (node: string): boolean => {
      const peer = this.d.liveness.peer(node);
      const links = node === this.d.node ? [...this.#links.keys()] : peer?.up && peer.state ? peer.state.links : this.d.liveness.held(node)?.links ?? [];
      return links.some((l) => interfaceAllowed(l, allowed, this.#excluded));
    };
    return { ip, chain, usable };
  }

  #linksFor(ip: string): RawLink[] {
    const insts = this.#byIp.get(ip) ?? [];
    const all = insts.some((i) => i.interfaces.length === 0);
    const allowed = insts.flatMap((i) => i.interfaces);
    return [...this.#links.values()].filter((l) => interfaceAllowed(l.name, all ? [] : allowed, this.#excluded));
  }

  #isSpeakerMac(mac: string): boolean {
    for (const l of this.#links.values()) if (l.mac === mac) return true;
    return this.d.liveness.macs().has(mac);
  }

  #receive(link: RawLink, frame: Uint8Array): void {
    const view: LinkView = {
      mac: link.mac,
      answers: (ip) => (!this.#announcer.announcing(ip) ? 'notAnnounced' : this.#linksFor(ip).includes(link) ? true : 'interfaceNotAllowed'),
      watches: (ip) => this.#announcer.watching(ip),
    };
    const out = respond(frame, view);
    if (out.kind === 'reply') {
      link.send(out.frame);
      this.#counted(out.ip);
    } else if (out.kind === 'claim') {
      this.#announcer.claim(out.ip, out.mac);
    }
  }

  #counted(ip: string): void {
    this.d.metrics.gotRequest(ip);
    this.d.metrics.sentResponse(ip);
  }

  /**
   * Tells every link that answers by itself what changed in the addresses it answers (announced, interface
   * allowed), for the addresses marked dirty; returns the links' confirmations of the change.
   */
  #delegate(): Promise<void>[] {
    const links = [...this.#links.values()].filter((l) => l.answerChange);
    const ips = this.#allDirty ? new Set([...this.#announcer.addresses(), ...[...this.#delegated.values()].flatMap((d) => [...d])]) : this.#dirty;
    this.#allDirty = false;
    if (links.length === 0 || ips.size === 0) {
      this.#dirty.clear();
      return [];
    }
    const changes = new Map<RawLink, { add: string[]; remove: string[] }>();
    for (const ip of ips) {
      const want = this.#announcer.announcing(ip) ? this.#linksFor(ip) : [];
      for (const l of links) {
        let told = this.#delegated.get(l);
        if (!told) this.#delegated.set(l, (told = new Set()));
        const has = told.has(ip);
        if (has === want.includes(l)) continue;
        let c = changes.get(l);
        if (!c) changes.set(l, (c = { add: [], remove: [] }));
        if (has) {
          told.delete(ip);
          c.remove.push(ip);
        } else {
          told.add(ip);
          c.add.push(ip);
        }
      }
    }
    this.#dirty.clear();
    const acks: Promise<void>[] = [];
    for (const [l, c] of changes) if (l.answerChange) acks.push(l.answerChange(c.add, c.remove));
    return acks;
  }

  /** Runs `run` after every earlier report and once `wait` has settled. */
  #post(run: () => void, wait: readonly Promise<void>[] = []): void {
    const r = { run, ready: wait.length === 0 };
    this.#outbox.push(r);
    if (!r.ready) {
      void Promise.all(wait).then(() => {
        r.ready = true;
        this.#flushOutbox();
      });
    }
    this.#flushOutbox();
  }

  #flushOutbox(): void {
    for (let r = this.#outbox[0]; r?.ready; r = this.#outbox[0]) {
      this.#outbox.shift();
      try {
        r.run();
      } catch (e) {
        this.d.log.error({ op: 'report', err: (e as Error).message }, 'reporting an address change failed');
      }
    }
  }

  #onAnnouncer(e: AnnouncerEvent): void {
    const instances = this.#byIp.get(e.ip) ?? [];
    const service = instances.map(svcName).join(',');
    if (e.type === 'gratuitous') {
      this.d.metrics.sentGratuitous(e.ip);
      return;
    }
    if (e.type === 'conflict') {
      if (!e.stale) this.d.metrics.conflict(e.ip, e.mac);
      const msg = e.stale
        ? 'another speaker still answers for the address (stale): re-announcing'
        : e.yielded ? `address conflict: ${e.mac} also claims the address; not announcing it` : `address conflict: ${e.mac} claims the address; defending it`;
      this.#post(() => {
        this.d.log[e.stale ? 'info' : e.yielded ? 'error' : 'warn']({ op: 'conflict', ip: e.ip, service, mac: e.mac, phase: e.phase, yielded: e.yielded }, msg);
        this.d.onEvent?.({ type: 'conflict', ip: e.ip, instances, mac: e.mac, phase: e.phase, stale: e.stale, yielded: e.yielded });
      });
      return;
    }
    // Links that answer by themselves learn of the change first; a release is reported once they stopped.
    this.#dirty.add(e.ip);
    const acks = this.#delegate();
    const on = e.state === 'announcing';
    for (const s of new Set(instances.map(svcName))) this.d.metrics.announced(e.ip, s, on);
    if (on) {
      const links = this.#linksFor(e.ip).map((l) => l.name);
      this.#post(() => {
        this.d.log.info({ op: 'announce', ip: e.ip, service, interfaces: links }, 'announcing address');
        this.d.onEvent?.({ type: 'announced', ip: e.ip, instances, links });
      });
    } else if (e.state === 'released') {
      this.#post(() => {
        this.d.log.info({ op: 'release', ip: e.ip, service }, 'stopped announcing address');
        this.d.onEvent?.({ type: 'released', ip: e.ip, instances });
      }, acks);
    }
  }

  stop(): void {
    this.#holdTimer?.cancel();
    this.#pauseTimer?.cancel();
    this.#returnTimer?.cancel();
    this.#stalls.stop();
    // Closed links answer nothing, so every release can be reported now.
    for (const l of this.#links.values()) l.close();
    this.#links.clear();
    this.#delegated.clear();
    for (const ip of this.#announcer.addresses()) this.#announcer.release(ip);
    this.#announcer.stop();
    for (const r of this.#outbox) r.ready = true;
    this.#flushOutbox();
  }
}

// a state's entries by node id, built once per state received
const entryMaps = new WeakMap<SpeakerState, Map<number, PeerEntry>>();
function entriesOf(state: SpeakerState): Map<number, PeerEntry> {
  let m = entryMaps.get(state);
  if (!m) entryMaps.set(state, (m = new Map(state.peers.map((p) => [p.id, p]))));
  return m;
}

// the kept ids of a state (or a held record) as a set, built once
const keptSets = new WeakMap<readonly number[], Set<number>>();
function keptSet(kept: readonly number[]): Set<number> {
  let s = keptSets.get(kept);
  if (!s) keptSets.set(kept, (s = new Set(kept)));
  return s;
}

function svcName(i: L2Instance): string {
  return `${i.service.namespace}/${i.service.name}`;
}
