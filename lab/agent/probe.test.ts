// SPDX-License-Identifier: Apache-2.0
import type { V1Container } from '@kubernetes/client-node';
import { containerProbes, probeArgv, probeSpec, ProbeTracker, type ProbeSpec } from './probe.js';

const c: V1Container = { name: 'speaker', ports: [{ name: 'monitoring', containerPort: 7472 }] };

describe('probe specs', () => {
  test.each([
    [{ httpGet: { path: '/healthz', port: 7472 } }, { kind: 'http', url: 'http://192.0.2.11:7472/healthz' }],
    [{ httpGet: { host: '127.0.0.1', path: 'readyz', port: 'monitoring' } }, { kind: 'http', url: 'http://127.0.0.1:7472/readyz' }],
    [{ httpGet: { host: '2001:db8::1', port: '7472', scheme: 'HTTPS' } }, { kind: 'http', url: 'https://[2001:db8::1]:7472/' }],
    [{ tcpSocket: { port: 'monitoring' } }, { kind: 'tcp', host: '192.0.2.11', port: 7472 }],
    [{ exec: { command: ['cat', '/tmp/ok'] } }, { kind: 'exec', command: ['cat', '/tmp/ok'] }],
  ])('%j becomes %j', (probe, action) => {
    expect(probeSpec(probe, c, '192.0.2.11')?.action).toEqual(action);
  });

  test('kubelet defaults fill what the probe leaves out', () => {
    expect(probeSpec({ httpGet: { port: 80 } }, c, '192.0.2.11')).toMatchObject({ initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
  });

  test('a probe without a usable action, or with an unknown named port, is left out', () => {
    expect(probeSpec({ httpGet: { port: 'nope' } }, c, '192.0.2.11')).toBeUndefined();
    expect(probeSpec({ periodSeconds: 5 }, c, '192.0.2.11')).toBeUndefined();
    expect(containerProbes({ ...c, readinessProbe: { tcpSocket: { port: 7472 } } }, '192.0.2.11')).toEqual({ readiness: expect.objectContaining({ action: { kind: 'tcp', host: '192.0.2.11', port: 7472 } }) });
  });

  test('the check command: curl fails on HTTP >= 400, tcp and exec are bounded by the timeout', () => {
    expect(probeArgv({ kind: 'http', url: 'http://192.0.2.11:7472/healthz' }, 1000)).toEqual(expect.arrayContaining(['curl', '--fail', '--max-time', '1', 'http://192.0.2.11:7472/healthz']));
    expect(probeArgv({ kind: 'tcp', host: '192.0.2.11', port: 80 }, 2000)).toEqual(['timeout', '2', 'bash', '-c', 'exec 3<>/dev/tcp/192.0.2.11/80']);
    expect(probeArgv({ kind: 'exec', command: ['true'] }, 1000)).toEqual(['timeout', '1', 'true']);
  });
});

describe('probe tracker', () => {
  const spec: ProbeSpec = { action: { kind: 'exec', command: ['true'] }, initialDelayMs: 5000, periodMs: 10_000, timeoutMs: 1000, successThreshold: 2, failureThreshold: 3 };

  test('not due before the initial delay, then once per period', () => {
    const t = new ProbeTracker(spec, 1000);
    expect(t.due(5999)).toBe(false);
    expect(t.due(6000)).toBe(true);
    t.started(6000);
    expect(t.due(15_999)).toBe(false);
    expect(t.due(16_000)).toBe(true);
  });

  test.each([
    [[true], 'unknown'],
    [[true, true], 'success'],
    [[true, true, false, false], 'success'],
    [[true, true, false, false, false], 'failure'],
    [[false, false, false, true], 'failure'],
    [[false, false, false, true, true], 'success'],
    [[false, false, true, false, false], 'unknown'],
  ])('results %j give %s', (results, verdict) => {
    const t = new ProbeTracker(spec, 0);
    for (const ok of results) t.record(ok, ok ? '' : 'HTTP probe failed with statuscode: 500');
    expect(t.verdict).toBe(verdict);
    if (results.includes(false)) expect(t.lastFailure).toBe('HTTP probe failed with statuscode: 500');
  });
});
