// SPDX-License-Identifier: Apache-2.0
/** BGP peers from metallb.io BGPPeer objects (v1beta1 and v1beta2), with their password and BFD profile resolved. Pure. */
import { GRACEFUL_RESTART_TIME_ANNOTATION, TTL_SECURITY_ANNOTATION } from '../api/index.js';
import { DEFAULT_GRACEFUL_RESTART_TIME, MAX_GRACEFUL_RESTART_SECONDS } from '../graceful-restart.js';
import type { BFDProfile, BGPPeer, BGPPeerV1beta1 } from '../schemas/types.generated.js';
import { parseSelector, type Selector } from '../selector.js';
import type { ConfigProblem } from './problem.js';

export type PeerObject = BGPPeer | BGPPeerV1beta1;

/** A BFD profile as a session runs it. */
export interface BfdSettings {
  readonly receiveIntervalMs: number;
  readonly transmitIntervalMs: number;
  readonly detectMultiplier: number;
  readonly passive: boolean;
  readonly echoMode: boolean;
}

/** A BGPPeer as the object alone decides it. */
export interface Peer {
  readonly name: string;
  readonly address: string;
  readonly port: number;
  readonly localAs: number;
  /** 0 with dynamicASN external: any AS the peer says. */
  readonly peerAs: number;
  /** Unset: the node's own. */
  readonly routerId: string | undefined;
  /** Seconds; 0 or at least 3. */
  readonly holdTime: number;
  readonly keepaliveTime: number | undefined;
  readonly connectTimeMs: number;
  readonly families: ReadonlyArray<'ipv4' | 'ipv6'>;
  readonly sourceAddress: string | undefined;
  /** TTL of what we send: 255 for multihop or GTSM. */
  readonly ttl: number | undefined;
  /** Lowest TTL accepted (GTSM). */
  readonly minTtl: number | undefined;
  /** Restart time in seconds, when graceful restart is on. */
  readonly gracefulRestart: { readonly restartTime: number } | undefined;
  /** Nodes that run this peer: any selector matches (none: every node). */
  readonly nodeSelectors: readonly Selector[];
  /** Where the TCP-MD5 password is: a Secret ("namespace/name", the namespace empty for the module's) or the object itself. */
  readonly password: { readonly secret: { readonly namespace: string | undefined; readonly name: string } } | { readonly plain: string } | undefined;
  readonly bfdProfile: string | undefined;
  /** Caveats: the object is used, with these. */
  readonly problems: readonly ConfigProblem[];
}

/** A peer with its references resolved against the other objects. */
export interface ResolvedPeer {
  readonly peer: Peer;
  /** The TCP-MD5 password, when it has one and it was found. */
  readonly password: string | undefined;
  readonly bfd: BfdSettings | undefined;
  /** Why the peer stays down (its password Secret is missing); its other problems do not matter then. */
  readonly down: string | undefined;
  /** Its caveats and unresolved references, in the order the user reads them. */
  readonly problems: readonly ConfigProblem[];
}

/** Go duration ("90s", "1m30s", "500ms") to seconds. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;
  let total = 0;
  let m: RegExpExecArray | null;
  let seen = 0;
  while ((m = re.exec(text))) {
    const n = Number(m[1]);
    total += m[2] === 'h' ? n * 3600 : m[2] === 'm' ? n * 60 : m[2] === 'ms' ? n / 1000 : n;
    seen = re.lastIndex;
  }
  if (!text || seen !== text.length) throw new Error(`invalid duration "${text}" (want e.g. "90s" or "1m30s")`);
  return total;
}

/** The restart time a peer with graceful restart advertises: its annotation, else the default (and a caveat). */
function restartTimeOf(p: PeerObject, problems: ConfigProblem[]): number {
  const text = p.metadata.annotations?.[GRACEFUL_RESTART_TIME_ANNOTATION] ?? DEFAULT_GRACEFUL_RESTART_TIME;
  try {
    const s = Math.round(parseDuration(text));
    if (s >= 1 && s <= MAX_GRACEFUL_RESTART_SECONDS) return s;
    throw new Error(`${text} is not between 1s and ${MAX_GRACEFUL_RESTART_SECONDS}s`);
  } catch (e) {
    problems.push({ kind: 'BGPPeer', name: p.metadata.name ?? '', message: `annotation ${GRACEFUL_RESTART_TIME_ANNOTATION}: ${(e as Error).message}; using ${DEFAULT_GRACEFUL_RESTART_TIME}` });
    return parseDuration(DEFAULT_GRACEFUL_RESTART_TIME);
  }
}

/** A BGPPeer as the object alone decides it; throws an Error saying the first thing that keeps it from being used. */
export function parsePeer(p: PeerObject): Peer {
  const s = p.spec;
  if (!s) throw new Error('spec is missing');
  const name = p.metadata.name ?? '';
  let nodeSelectors: Selector[];
  try {
    nodeSelectors = (s.nodeSelectors ?? []).map((x) => parseSelector(x));
  } catch (e) {
    throw new Error(`nodeSelectors: ${(e as Error).message}`);
  }
  const v2 = p.apiVersion === 'metallb.io/v1beta2' ? (s as NonNullable<BGPPeer['spec']>) : undefined;
  const holdTime = s.holdTime ? parseDuration(s.holdTime) : 90;
  if (holdTime !== 0 && holdTime < 3) throw new Error(`holdTime ${s.holdTime} must be 0 or at least 3s`);
  const keepaliveTime = s.keepaliveTime ? parseDuration(s.keepaliveTime) : undefined;
  if (keepaliveTime !== undefined && keepaliveTime > holdTime) throw new Error(`keepaliveTime ${s.keepaliveTime} exceeds holdTime`);
  const peerAs = v2?.dynamicASN ? 0 : (s.peerASN ?? 0);
  if (!v2?.dynamicASN && !peerAs) throw new Error('peerASN is required');
  const connectTimeMs = v2?.connectTime ? parseDuration(v2.connectTime) * 1000 : 10_000;
  const gtsm = p.metadata.annotations?.[TTL_SECURITY_ANNOTATION];
  const hops = gtsm === undefined ? undefined : Number(gtsm);
  if (hops !== undefined && !(Number.isInteger(hops) && hops >= 1 && hops <= 254)) throw new Error(`annotation ${TTL_SECURITY_ANNOTATION} "${gtsm}" must be a number of hops from 1 to 254`);
  const problems: ConfigProblem[] = [];
  let password: Peer['password'];
  if (v2?.passwordSecret?.name) password = { secret: { namespace: v2.passwordSecret.namespace, name: v2.passwordSecret.name } };
  else if (s.password) {
    // MetalLB accepts the password in the object; keep such objects working, and say where it belongs.
    password = { plain: s.password };
    problems.push({ kind: 'BGPPeer', name, message: 'spec.password is kept in plain text in the object; move it to a Secret and set spec.passwordSecret' });
  }
  const fam = s.peerAddress.includes(':') ? 6 : 4;
  return {
    name,
    address: s.peerAddress,
    port: s.peerPort ?? 179,
    localAs: s.myASN,
    peerAs: v2?.dynamicASN === 'internal' ? s.myASN : peerAs,
    routerId: s.routerID,
    holdTime,
    keepaliveTime,
    connectTimeMs,
    families: v2?.disableMP ? [fam === 4 ? 'ipv4' : 'ipv6'] : ['ipv4', 'ipv6'],
    sourceAddress: s.sourceAddress || undefined,
    ttl: s.ebgpMultiHop || hops ? 255 : undefined,
    minTtl: hops ? 256 - hops : undefined,
    gracefulRestart: v2?.enableGracefulRestart ? { restartTime: restartTimeOf(p, problems) } : undefined,
    nodeSelectors,
    password,
    bfdProfile: s.bfdProfile || undefined,
    problems,
  };
}

/**
 * A peer's password Secret and BFD profile, looked up. Never kept from an earlier version: a peer whose password is
 * gone goes down, it never keeps its old key. `secrets` maps "namespace/name" to a Secret's decoded data.
 */
export function resolvePeer(peer: Peer, secrets: ReadonlyMap<string, Readonly<Record<string, string>>>, bfdProfiles: ReadonlyMap<string, BFDProfile>, namespace: string): ResolvedPeer {
  let password: string | undefined;
  if (peer.password && 'secret' in peer.password) {
    const key = `${peer.password.secret.namespace ?? namespace}/${peer.password.secret.name}`;
    password = secrets.get(key)?.password;
    // Fail closed: without its key the peer stays down; it never comes up without TCP-MD5.
    if (!password) return { peer, password: undefined, bfd: undefined, down: `password Secret ${key} is missing or its "password" key is empty; the peer stays down`, problems: [] };
  } else if (peer.password) password = peer.password.plain;
  const problems = [...peer.problems];
  let bfd: BfdSettings | undefined;
  if (peer.bfdProfile) {
    const prof = bfdProfiles.get(peer.bfdProfile)?.spec;
    if (!bfdProfiles.has(peer.bfdProfile)) problems.push({ kind: 'BGPPeer', name: peer.name, message: `BFDProfile ${peer.bfdProfile} not found; the session runs without BFD` });
    else {
      if (prof?.echoMode) problems.push({ kind: 'BFDProfile', name: peer.bfdProfile, message: 'echo mode is not supported; BFD runs in asynchronous mode only' });
      bfd = { receiveIntervalMs: prof?.receiveInterval ?? 300, transmitIntervalMs: prof?.transmitInterval ?? 300, detectMultiplier: prof?.detectMultiplier ?? 3, passive: prof?.passiveMode ?? false, echoMode: prof?.echoMode ?? false };
    }
  }
  return { peer, password, bfd, down: undefined, problems };
}
