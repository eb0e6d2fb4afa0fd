import { Registry } from 'prom-client';
import { Allocator } from './ipam/allocator.js';
import { poolFromSpec } from '../../../lib/config/pool.js';
import { controllerMetrics } from './metrics.js';
import { serve } from './server.js';
import { timingFrom } from './main.js';

describe('metrics and probes', () => {
  test('/healthz follows the controller\'s own health, /readyz the caches, /metrics has MetalLB names per pool', async () => {
    const reg = new Registry();
    const a = new Allocator();
    a.setPools([poolFromSpec('ingress', { addresses: ['192.0.2.200-192.0.2.250'] }, { l2: true, bgp: false })]);
    const m = controllerMetrics(reg, () => a);
    m.configLoaded(false);
    let ready = false;
    let healthy: true | string = true;
    const s = await serve(reg, { ready: () => ready, healthy: () => healthy }, 0, '127.0.0.1');
    try {
      const get = async (p: string) => {
        const r = await fetch(`http://127.0.0.1:${s.port}${p}`);
        return { code: r.status, text: await r.text() };
      };
      expect((await get('/healthz')).code).toBe(200);
      healthy = 'services: cannot list or watch for 120 s';
      expect(await get('/healthz')).toEqual({ code: 503, text: 'services: cannot list or watch for 120 s\n' });
      expect(await get('/readyz')).toEqual({ code: 503, text: 'caches not filled yet\n' });
      ready = true;
      expect((await get('/readyz')).code).toBe(200);
      a.allocate({ key: 'l2/ns/x', scope: 'l2', namespace: 'ns', namespaceLabels: {}, labels: {}, familyPolicy: 'SingleStack', families: [], desired: [], backendKey: '', ports: [] });
      const text = (await get('/metrics')).text;
      expect(text).toContain('metallb_allocator_addresses_in_use_total{pool="ingress"} 1');
      expect(text).toContain('metallb_allocator_addresses_total{pool="ingress"} 51');
      expect(text).toContain('metallb_k8s_client_config_stale_bool 0');
      expect((await get('/nope')).code).toBe(404);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });

  test.each([
    [undefined, 15_000, 10_000, 2_000],
    ['3', 3_000, 2_000, 400],
    ['zero', 15_000, 10_000, 2_000],
  ])('LEASE_DURATION_SECONDS=%s gives %d/%d/%d ms', (v, lease, renew, retry) => {
    expect(timingFrom(v === undefined ? {} : { LEASE_DURATION_SECONDS: v })).toEqual({ leaseDurationMs: lease, renewDeadlineMs: renew, retryPeriodMs: retry });
  });
});
