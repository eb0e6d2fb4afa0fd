// SPDX-License-Identifier: Apache-2.0
/**
 * Who may read a component's metrics, decided as kube-rbac-proxy decides it: the caller is a client certificate
 * of the platform's scrape CA or a bearer token the API server accepts (TokenReview), and the API server must
 * allow that identity `get` on `<resource>/prometheus-metrics` of the component (SubjectAccessReview). Decisions
 * are cached for a while, so a Prometheus scraping every 30 s costs one review per cache period. Pure: the
 * reviews and the clock are injected.
 */
import { createHash } from 'node:crypto';

export interface Identity {
  readonly user: string;
  readonly groups: readonly string[];
  readonly uid?: string;
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** The `resourceAttributes` of the SubjectAccessReview, as kube-rbac-proxy's `authorization.resourceAttributes`. */
export interface ScrapeAttributes {
  readonly namespace: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  readonly name: string;
}

/** The API server's two reviews. */
export interface Reviews {
  /** TokenReview: the token's identity, or a reason it is not accepted. */
  authenticate(token: string): Promise<Identity | { rejected: string }>;
  /** SubjectAccessReview of `get` on the attributes. */
  authorize(who: Identity, attrs: ScrapeAttributes): Promise<{ allowed: boolean; reason?: string }>;
}

/** What the caller presented: a verified client certificate's identity, a bearer token, or nothing. */
export type Credentials = { readonly certificate: Identity } | { readonly token: string } | Record<string, never>;

export interface Verdict {
  readonly code: 200 | 401 | 403 | 503;
  /** For the log and the response body. */
  readonly reason: string;
  readonly user?: string;
}

export class ScrapeAuthorizer {
  readonly #cache = new Map<string, { verdict: Verdict; until: number }>();

  constructor(
    private readonly reviews: Reviews,
    private readonly attrs: ScrapeAttributes,
    private readonly now: () => number,
    private readonly ttlMs = 60_000,
    private readonly maxEntries = 256,
  ) {}

  async check(c: Credentials): Promise<Verdict> {
    const key = 'certificate' in c ? `cert:${c.certificate.user}\u0000${c.certificate.groups.join(',')}` : 'token' in c ? `token:${createHash('sha256').update(c.token).digest('hex')}` : undefined;
    if (key === undefined) return { code: 401, reason: 'no client certificate and no bearer token' };
    const hit = this.#cache.get(key);
    if (hit && hit.until > this.now()) return hit.verdict;
    const verdict = await this.#decide(c as { certificate: Identity } | { token: string });
    // a failed review (the API server away) is not remembered: the next scrape asks again
    if (verdict.code !== 503) {
      if (this.#cache.size >= this.maxEntries) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(key, { verdict, until: this.now() + this.ttlMs });
    }
    return verdict;
  }

  async #decide(c: { certificate: Identity } | { token: string }): Promise<Verdict> {
    let who: Identity;
    if ('certificate' in c) who = c.certificate;
    else {
      let r: Identity | { rejected: string };
      try {
        r = await this.reviews.authenticate(c.token);
      } catch (e) {
        return { code: 503, reason: `TokenReview failed: ${(e as Error).message}` };
      }
      if ('rejected' in r) return { code: 401, reason: `token not accepted: ${r.rejected}` };
      who = r;
    }
    const a = this.attrs;
    const what = `get ${a.resource}/${a.subresource} ${a.name} in ${a.namespace}`;
    try {
      const d = await this.reviews.authorize(who, a);
      return d.allowed ? { code: 200, reason: 'allowed', user: who.user } : { code: 403, reason: `${who.user} may not ${what}${d.reason ? `: ${d.reason}` : ''}`, user: who.user };
    } catch (e) {
      return { code: 503, reason: `SubjectAccessReview failed: ${(e as Error).message}`, user: who.user };
    }
  }
}
