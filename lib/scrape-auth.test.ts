// SPDX-License-Identifier: Apache-2.0
import { ScrapeAuthorizer, type Identity, type Reviews, type ScrapeAttributes } from './scrape-auth.js';

const ATTRS: ScrapeAttributes = { namespace: 'd8-metallb', group: 'apps', version: 'v1', resource: 'daemonsets', subresource: 'prometheus-metrics', name: 'speaker' };
const PROMETHEUS: Identity = { user: 'system:serviceaccount:d8-monitoring:prometheus', groups: ['system:serviceaccounts'] };

function reviews(over: Partial<Reviews> = {}): Reviews & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    authenticate: async (token) => {
      calls.push(`token ${token}`);
      return token === 'good' || token === 'nosy' ? { ...PROMETHEUS, user: token === 'good' ? PROMETHEUS.user : 'nosy' } : { rejected: 'token expired' };
    },
    authorize: async (who, a) => {
      calls.push(`sar ${who.user} ${a.resource}/${a.subresource} ${a.name}`);
      return who.user === PROMETHEUS.user || who.user === 'd8-monitoring:scraper' ? { allowed: true } : { allowed: false, reason: 'no RBAC policy matched' };
    },
    ...over,
  };
}

describe('who may read the metrics', () => {
  let now = 0;
  const clock = () => now;

  test('no credentials: 401; a token the API server rejects: 401 with its reason', async () => {
    const a = new ScrapeAuthorizer(reviews(), ATTRS, clock);
    expect(await a.check({})).toEqual({ code: 401, reason: 'no client certificate and no bearer token' });
    expect(await a.check({ token: 'old' })).toEqual({ code: 401, reason: 'token not accepted: token expired' });
  });

  test("Prometheus's token is allowed; another identity is refused with what it may not do", async () => {
    const a = new ScrapeAuthorizer(reviews(), ATTRS, clock);
    expect(await a.check({ token: 'good' })).toEqual({ code: 200, reason: 'allowed', user: PROMETHEUS.user });
    expect(await a.check({ token: 'nosy' })).toEqual({ code: 403, reason: 'nosy may not get daemonsets/prometheus-metrics speaker in d8-metallb: no RBAC policy matched', user: 'nosy' });
  });

  test("a verified client certificate (the platform's scraper) needs no TokenReview, only the SubjectAccessReview", async () => {
    const r = reviews();
    const a = new ScrapeAuthorizer(r, ATTRS, clock);
    expect((await a.check({ certificate: { user: 'd8-monitoring:scraper', groups: [] } })).code).toBe(200);
    expect(r.calls).toEqual(['sar d8-monitoring:scraper daemonsets/prometheus-metrics speaker']);
  });

  test('decisions are reused for the cache period, then asked again', async () => {
    const r = reviews();
    const a = new ScrapeAuthorizer(r, ATTRS, clock, 60_000);
    now = 1000;
    await a.check({ token: 'good' });
    now = 30_000;
    await a.check({ token: 'good' });
    expect(r.calls).toHaveLength(2);
    now = 62_000;
    await a.check({ token: 'good' });
    expect(r.calls).toHaveLength(4);
  });

  test('the API server away: 503 with the cause, and not remembered', async () => {
    let down = true;
    const r = reviews({ authenticate: async () => { if (down) throw new Error('connect ECONNREFUSED'); return PROMETHEUS; } });
    const a = new ScrapeAuthorizer(r, ATTRS, clock);
    expect(await a.check({ token: 'good' })).toEqual({ code: 503, reason: 'TokenReview failed: connect ECONNREFUSED' });
    down = false;
    expect((await a.check({ token: 'good' })).code).toBe(200);
  });

  test('the cache holds a bounded number of callers', async () => {
    const r = reviews({ authenticate: async (t) => ({ user: t, groups: [] }) });
    const a = new ScrapeAuthorizer(r, ATTRS, clock, 60_000, 3);
    for (const t of ['a', 'b', 'c', 'd']) await a.check({ token: t });
    r.calls.length = 0;
    await a.check({ token: 'a' });
    expect(r.calls).toEqual(['sar a daemonsets/prometheus-metrics speaker']);
  });
});
