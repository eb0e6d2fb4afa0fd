// SPDX-License-Identifier: Apache-2.0
/**
 * Container probes as the kubelet runs them: the spec read from a container (kubelet defaults filled in),
 * the command that performs one check, and the counting of consecutive results. Pure: time is passed in.
 */
import type { V1Container, V1Probe } from '@kubernetes/client-node';

export type ProbeAction =
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'exec'; readonly command: readonly string[] };

export interface ProbeSpec {
  readonly action: ProbeAction;
  readonly initialDelayMs: number;
  readonly periodMs: number;
  readonly timeoutMs: number;
  readonly successThreshold: number;
  readonly failureThreshold: number;
}

export interface ContainerProbes {
  readonly liveness?: ProbeSpec;
  readonly readiness?: ProbeSpec;
}

function port(p: number | string | undefined, c: V1Container): number | undefined {
  if (typeof p === 'number') return p;
  if (p === undefined) return undefined;
  if (/^\d+$/.test(p)) return Number(p);
  return c.ports?.find((cp) => cp.name === p)?.containerPort;
}

function action(p: V1Probe, c: V1Container, podIP: string): ProbeAction | undefined {
  if (p.httpGet) {
    const n = port(p.httpGet.port, c);
    if (n === undefined) return undefined;
    const host = p.httpGet.host || podIP;
    const scheme = (p.httpGet.scheme ?? 'HTTP').toLowerCase();
    const path = p.httpGet.path ?? '/';
    return { kind: 'http', url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${n}${path.startsWith('/') ? path : `/${path}`}` };
  }
  if (p.tcpSocket) {
    const n = port(p.tcpSocket.port, c);
    return n === undefined ? undefined : { kind: 'tcp', host: p.tcpSocket.host || podIP, port: n };
  }
  if (p.exec?.command?.length) return { kind: 'exec', command: p.exec.command };
  return undefined;
}

/** A probe with the kubelet's defaults (period 10 s, timeout 1 s, success 1, failure 3); undefined when it has no usable action. */
export function probeSpec(p: V1Probe | undefined, c: V1Container, podIP: string): ProbeSpec | undefined {
  const a = p && action(p, c, podIP);
  if (!p || !a) return undefined;
  return {
    action: a,
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds ?? 10) * 1000,
    timeoutMs: (p.timeoutSeconds ?? 1) * 1000,
    successThreshold: p.successThreshold ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
  };
}

/** The liveness and readiness probes of a container. */
export function containerProbes(c: V1Container, podIP: string): ContainerProbes {
  const liveness = probeSpec(c.livenessProbe, c, podIP);
  const readiness = probeSpec(c.readinessProbe, c, podIP);
  return { ...(liveness ? { liveness } : {}), ...(readiness ? { readiness } : {}) };
}

/** The argv of one check: exit 0 is success. HTTP counts 200–399 as success, as the kubelet does. */
export function probeArgv(a: ProbeAction, timeoutMs: number): string[] {
  const secs = String(Math.max(1, timeoutMs / 1000));
  switch (a.kind) {
    case 'http':
      return ['curl', '-sS', '-o', '/dev/null', '-k', '--max-time', secs, '-w', '%{http_code}', '--fail', a.url];
    case 'tcp':
      return ['timeout', secs, 'bash', '-c', `exec 3<>/dev/tcp/${a.host}/${a.port}`];
    case 'exec':
      return ['timeout', secs, ...a.command];
  }
}

export type ProbeVerdict = 'unknown' | 'success' | 'failure';

/** Consecutive results of one probe since its container started. */
export class ProbeTracker {
  #successes = 0;
  #failures = 0;
  #last = -Infinity;
  #verdict: ProbeVerdict = 'unknown';
  /** The detail of the latest failed check (what `kubectl describe` would show). */
  lastFailure = '';

  constructor(readonly spec: ProbeSpec, readonly startedAt: number) {}

  /** Whether a check is due at `now`. */
  due(now: number): boolean {
    return now >= this.startedAt + this.spec.initialDelayMs && now >= this.#last + this.spec.periodMs;
  }

  /** Marks a check as started at `now`. */
  started(now: number): void {
    this.#last = now;
  }

  record(ok: boolean, detail = ''): ProbeVerdict {
    if (ok) {
      this.#failures = 0;
      if (++this.#successes >= this.spec.successThreshold) this.#verdict = 'success';
    } else {
      this.#successes = 0;
      this.lastFailure = detail;
      if (++this.#failures >= this.spec.failureThreshold) this.#verdict = 'failure';
    }
    return this.#verdict;
  }

  get verdict(): ProbeVerdict {
    return this.#verdict;
  }
}
