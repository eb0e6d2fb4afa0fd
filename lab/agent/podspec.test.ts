// SPDX-License-Identifier: Apache-2.0
import fc from 'fast-check';
import type { V1PodSpec } from '@kubernetes/client-node';
import { expand, mapAppPath, podProcesses, type Lookups, type PodContext } from './podspec.js';

const ctx: PodContext = { name: 'speaker-node-2', namespace: 'd8-metallb', nodeName: 'node-2', podIP: '192.0.2.12', hostIP: '192.0.2.12', labels: { app: 'speaker' }, annotations: {} };
const look: Lookups = {
  secret: (ns, name) => (ns === 'd8-metallb' && name === 'speaker-heartbeat-key' ? { key: 's3cret' } : undefined),
  configMap: (_ns, name) => (name === 'cfg' ? { A: '1', B: '2' } : undefined),
};

const speaker: V1PodSpec = {
  containers: [{
    name: 'speaker',
    command: ['node', '/app/dist/images/speaker/src/main.js'],
    args: ['--node=$(NODE_NAME)', '--config=/app/etc/x'],
    env: [
      { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'GREETING', value: 'on $(NODE_NAME) $$(NODE_NAME)' },
      { name: 'METALLB_HEARTBEAT_KEY', valueFrom: { secretKeyRef: { name: 'speaker-heartbeat-key', key: 'key', optional: true } } },
      { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
    ],
    livenessProbe: { httpGet: { host: '127.0.0.1', path: '/healthz', port: 7472 }, periodSeconds: 10 },
  }],
};

describe('podProcesses', () => {
  test('builds argv and env as the kubelet would, with /app mapped to the repository', () => {
    const r = podProcesses(speaker, ctx, look, '/repo');
    expect(r).toMatchObject({
      ok: true,
      processes: [{
        container: 'speaker',
        argv: ['node', '/repo/dist/images/speaker/src/main.js', '--node=node-2', '--config=/repo/etc/x'],
        env: { NODE_NAME: 'node-2', POD_NAMESPACE: 'd8-metallb', LOG_LEVEL: 'info', GREETING: 'on node-2 $(NODE_NAME)', METALLB_HEARTBEAT_KEY: 's3cret', APP: 'speaker' },
        probes: { liveness: { action: { kind: 'http', url: 'http://127.0.0.1:7472/healthz' }, initialDelayMs: 0, periodMs: 10_000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 } },
      }],
    });
  });

  test('for an image, command and args stay the image\'s own paths, apart, and may be missing', () => {
    const r = podProcesses(speaker, ctx, look);
    expect(r.ok && r.processes[0]).toMatchObject({ command: ['node', '/app/dist/images/speaker/src/main.js'], args: ['--node=node-2', '--config=/app/etc/x'] });
    const bare = podProcesses({ containers: [{ name: 'c', image: 'x', args: ['-v'] }] }, ctx, look);
    expect(bare.ok && bare.processes[0]).toMatchObject({ argv: ['-v'], args: ['-v'] });
    expect(bare.ok && bare.processes[0]?.command).toBeUndefined();
  });

  test('an optional secret that is missing leaves the variable out', () => {
    const r = podProcesses(speaker, ctx, { ...look, secret: () => undefined }, '/repo');
    expect(r.ok && r.processes[0]?.env.METALLB_HEARTBEAT_KEY).toBeUndefined();
    expect(r.ok).toBe(true);
  });

  test('a required secret that is missing is a CreateContainerConfigError naming it', () => {
    const spec: V1PodSpec = { containers: [{ name: 'c', command: ['x'], env: [{ name: 'K', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] }] };
    expect(podProcesses(spec, ctx, look, '/repo')).toEqual({ ok: false, reason: 'CreateContainerConfigError', message: 'secret "nope" not found' });
  });

  test('a missing key names the key and the object', () => {
    const spec: V1PodSpec = { containers: [{ name: 'c', command: ['x'], env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'Z' } } }] }] };
    expect(podProcesses(spec, ctx, look, '/repo')).toEqual({ ok: false, reason: 'CreateContainerConfigError', message: "couldn't find key Z in configmap d8-metallb/cfg" });
  });

  test('envFrom adds every key with the prefix', () => {
    const spec: V1PodSpec = { containers: [{ name: 'c', command: ['x'], envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'P_' }] }] };
    const r = podProcesses(spec, ctx, look, '/repo');
    expect(r.ok && r.processes[0]?.env).toEqual({ P_A: '1', P_B: '2' });
  });

  test('a container without a command cannot run and says why', () => {
    const r = podProcesses({ containers: [{ name: 'c', image: 'x' }] }, ctx, look, '/repo');
    expect(r).toMatchObject({ ok: false, message: expect.stringContaining('container c has no command') });
  });

  test('an unsupported fieldPath is reported, not guessed', () => {
    const spec: V1PodSpec = { containers: [{ name: 'c', command: ['x'], env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.unknown' } } }] }] };
    expect(podProcesses(spec, ctx, look, '/repo')).toMatchObject({ ok: false, message: 'env X: unsupported fieldPath "spec.unknown"' });
  });
});

describe('expand', () => {
  test('text without references is unchanged', () => {
    fc.assert(fc.property(fc.string().filter((s) => !s.includes('$')), (s) => expand(s, { A: 'x' }) === s));
  });
  test('defined references are replaced, undefined ones kept', () => {
    fc.assert(fc.property(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.string(), (name, val) => {
      expect(expand(`<$(${name})>`, { [name]: val })).toBe(`<${val}>`);
      expect(expand(`<$(${name})>`, {})).toBe(`<$(${name})>`);
    }));
  });
});

describe('mapAppPath', () => {
  test('maps /app paths and leaves others', () => {
    expect(mapAppPath('/app', '/r')).toBe('/r');
    expect(mapAppPath('/app/dist/x.js', '/r')).toBe('/r/dist/x.js');
    expect(mapAppPath('--f=/app/a', '/r')).toBe('--f=/r/a');
    expect(mapAppPath('/application/x', '/r')).toBe('/application/x');
    expect(mapAppPath('/opt/app/x', '/r')).toBe('/opt/app/x');
  });
});
