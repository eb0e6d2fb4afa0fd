// SPDX-License-Identifier: Apache-2.0
/**
 * The batch executable as addon-operator drives it: a child process, binding contexts in files,
 * patch files checked byte for byte.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { OLDEST_DECKHOUSE } from '../../hooks/src/index.js';
import { buildHooksTree, repoRoot } from '../helpers/hooks-tree.js';

const tree = buildHooksTree('hook-sdk-protocol', ['lib/hook-sdk', 'test/fixtures/hooks/src'], 'test/fixtures/hooks/src/index');
afterAll(() => tree.remove());

const OUT = ['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH'] as const;

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  files: Record<(typeof OUT)[number], string>;
}

/** Runs `batch <args>` the way addon-operator does: inputs written, outputs created empty, paths in env. */
function run(args: string[], contexts: unknown, values: unknown = { global: {}, metallb: { internal: {} } }, configValues: unknown = { global: {}, metallb: {} }, bin = tree.batch): Run {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hook-run-'));
  try {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    const put = (k: string, name: string, body: string) => {
      env[k] = path.join(dir, name);
      fs.writeFileSync(env[k] as string, body);
    };
    put('BINDING_CONTEXT_PATH', 'bc.json', JSON.stringify(contexts));
    put('VALUES_PATH', 'values.json', JSON.stringify(values));
    put('CONFIG_VALUES_PATH', 'config-values.json', JSON.stringify(configValues));
    for (const k of OUT) put(k, k.toLowerCase(), '');
    const r = spawnSync(bin, args, { env, encoding: 'utf8' });
    const files = Object.fromEntries(OUT.map((k) => [k, fs.readFileSync(env[k] as string, 'utf8')])) as Run['files'];
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, files };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const mlbc = (name: string, pool: string[]) => ({ apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', metadata: { name }, spec: { addressPool: pool } });
const svc = (ns: string, name: string, cls: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: ns, name, annotations },
  spec: { type: 'LoadBalancer', loadBalancerClass: cls },
});

describe('batch hook executable', () => {
  test('hook list and hook config describe every hook', () => {
    expect(execFileSync(tree.batch, ['hook', 'list'], { encoding: 'utf8' })).toBe('Found 3 items:\n0 - services\n1 - schedule\n2 - status\n');
    const cfg = JSON.parse(execFileSync(tree.batch, ['hook', 'config'], { encoding: 'utf8' })) as { version: string; hooks: Record<string, unknown>[]; has_settings_check: boolean };
    expect(cfg.version).toBe('v1');
    expect(cfg.has_settings_check).toBe(true);
    expect(cfg.hooks.map((h) => h.metadata)).toEqual([
      { name: 'services', path: 'hooks/src/services.ts' },
      { name: 'schedule', path: 'hooks/src/schedule.ts' },
      { name: 'status', path: 'hooks/src/status.ts' },
    ]);
    expect(cfg.hooks[0]).toEqual({
      configVersion: 'v1',
      metadata: { name: 'services', path: 'hooks/src/services.ts' },
      beforeHelm: 10,
      kubernetes: [
        { name: 'classes', apiVersion: 'network.deckhouse.io/v1alpha1', kind: 'MetalLoadBalancerClass', keepFullObjectsInMemory: true },
        { name: 'services', apiVersion: 'v1', kind: 'Service', keepFullObjectsInMemory: true },
      ],
    });
    const arr = JSON.parse(execFileSync(tree.batch, ['hook', 'config'], { encoding: 'utf8', env: { ...process.env, HOOK_CONFIG_FORMAT: 'array' } })) as unknown[];
    expect(arr).toEqual(cfg.hooks);
  });

  test('Synchronization with objects: values patch and metrics, byte for byte', () => {
    const r = run(['hook', 'run', '0'], [
      { binding: 'classes', type: 'Synchronization', objects: [{ object: mlbc('b', ['192.0.2.200-192.0.2.210']) }, { object: mlbc('a', []) }] },
      { binding: 'services', type: 'Synchronization', objects: [{ object: svc('default', 'web', 'b') }, { object: { apiVersion: 'v1', kind: 'Service', metadata: { name: 'c', namespace: 'x' }, spec: { type: 'ClusterIP' } } }] },
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.files).toEqual({
      VALUES_JSON_PATCH_PATH:
        '[{"op":"add","path":"/metallb/internal/fixture","value":{"classes":[{"name":"a","addresses":[]},{"name":"b","addresses":["192.0.2.200-192.0.2.210"]}],"services":[{"namespace":"default","name":"web","class":"b"}]}}]\n',
      CONFIG_VALUES_JSON_PATCH_PATH: '',
      KUBERNETES_PATCH_PATH: '',
      METRICS_PATH:
        '{"group":"fixture_services","action":"expire"}\n' +
        '{"name":"d8_metallb_fixture_services","action":"set","value":0,"labels":{"class":"a"},"group":"fixture_services"}\n' +
        '{"name":"d8_metallb_fixture_services","action":"set","value":1,"labels":{"class":"b"},"group":"fixture_services"}\n',
    });
  });

  test('Event with watchEvent and snapshots: the latest snapshot wins over earlier contexts', () => {
    const r = run(['hook', 'run', '0'], [
      { binding: 'services', type: 'Event', watchEvent: 'Added', object: svc('n', 'first', 'a'), snapshots: { classes: [{ object: mlbc('a', []) }], services: [{ object: svc('n', 'first', 'a') }] } },
      { binding: 'services', type: 'Event', watchEvent: 'Deleted', object: svc('n', 'first', 'a'), snapshots: { classes: [{ object: mlbc('a', []) }], services: [] } },
    ]);
    expect(r.status).toBe(0);
    expect(r.files.VALUES_JSON_PATCH_PATH).toBe('[{"op":"add","path":"/metallb/internal/fixture","value":{"classes":[{"name":"a","addresses":[]}],"services":[]}}]\n');
  });

  test('Schedule with includeSnapshotsFrom (filterResult only): config values patch and a counter', () => {
    const r = run(['hook', 'run', '1'], [{ binding: 'every-15s', type: 'Schedule', snapshots: { nodes: [{ filterResult: 'node-b' }, { filterResult: 'node-a' }] } }]);
    expect(r.status).toBe(0);
    expect(r.files).toEqual({
      VALUES_JSON_PATCH_PATH: '',
      CONFIG_VALUES_JSON_PATCH_PATH: '[{"op":"add","path":"/metallb/fixtureNodes","value":["node-a","node-b"]}]\n',
      KUBERNETES_PATCH_PATH: '',
      METRICS_PATH: '{"name":"d8_metallb_fixture_schedule_runs_total","action":"add","value":1,"labels":{}}\n',
    });
  });

  test('Group context: kubernetes operations, one JSON object per line', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one', namespace: 'd8-metallb', labels: { fixture: 'yes' } }, data: {} };
    const r = run(['hook', 'run', '2'], [{ binding: 'cms', type: 'Group', groupName: 'g', snapshots: { cms: [{ object: cm }], secrets: [{ filterResult: { name: 's1' } }] } }]);
    expect(r.status).toBe(0);
    expect(r.files.KUBERNETES_PATCH_PATH).toBe(
      '{"operation":"MergePatch","kind":"ConfigMap","name":"one","apiVersion":"v1","namespace":"d8-metallb","mergePatch":{"metadata":{"annotations":{"seen":"yes"}}}}\n' +
        '{"operation":"JSONPatch","kind":"ConfigMap","name":"one","apiVersion":"v1","namespace":"d8-metallb","jsonPatch":[{"op":"add","path":"/data/x","value":"1"}],"ignoreMissingObject":true}\n' +
        '{"operation":"JQPatch","kind":"ConfigMap","name":"one","apiVersion":"v1","namespace":"d8-metallb","jqFilter":".data.y = \\"2\\""}\n' +
        '{"operation":"DeleteInBackground","kind":"Secret","name":"s1","apiVersion":"v1","namespace":"d8-metallb"}\n' +
        '{"operation":"CreateIfNotExists","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"fixture-status","namespace":"d8-metallb"},"data":{"hooks":"ran"}}}\n',
    );
    expect(r.files.VALUES_JSON_PATCH_PATH).toBe('');
  });

  test('lifecycle context (beforeHelm, no type) with all snapshots', () => {
    const r = run(['hook', 'run', '0'], [{ binding: 'beforeHelm', snapshots: { classes: [], services: [] } }]);
    expect(r.status).toBe(0);
    expect(r.files.VALUES_JSON_PATCH_PATH).toBe('[{"op":"add","path":"/metallb/internal/fixture","value":{"classes":[],"services":[]}}]\n');
    expect(r.files.METRICS_PATH).toBe('{"group":"fixture_services","action":"expire"}\n');
  });

  test('a failing hook exits 1 with {"message"} on stderr and writes no output at all', () => {
    const r = run(['hook', 'run', '0'], [{ binding: 'services', type: 'Synchronization', objects: [{ object: svc('n', 'bad', 'a', { 'fixture/fail': 'true' }) }] }]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stderr)).toEqual({ message: 'service asked to fail: bad' });
    expect(r.files).toEqual({ VALUES_JSON_PATCH_PATH: '', CONFIG_VALUES_JSON_PATCH_PATH: '', KUBERNETES_PATCH_PATH: '', METRICS_PATH: '' });
  });

  test.each([
    [['hook', 'run', '7'], [], 'no hook with index 7 (there are 3)'],
    [['hook', 'run'], [], 'hook run needs an index, got undefined'],
    [['hook', 'run', '0'], { not: 'an array' }, 'binding context must be a JSON array'],
    [['hook', 'bogus'], [], 'usage: batch hook list'],
  ])('bad use %j exits 1 with a clear message', (args, contexts, msg) => {
    const r = run(args, contexts);
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stderr) as { message: string }).message).toContain(msg);
  });

  test('shell-operator form: --config prints one v1 config, a plain run reads the same files', () => {
    const wrapper = path.join(tree.root, 'schedule-hook');
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec "$(dirname "$0")/batch" --hook schedule "$@"\n`, { mode: 0o755 });
    const cfg = JSON.parse(execFileSync(wrapper, ['--config'], { encoding: 'utf8' })) as Record<string, unknown>;
    expect(cfg).toEqual({
      configVersion: 'v1',
      schedule: [{ name: 'every-15s', crontab: '*/15 * * * * *', includeSnapshotsFrom: ['nodes'], queue: 'slow' }],
      kubernetes: [{ name: 'nodes', apiVersion: 'v1', kind: 'Node', jqFilter: '.metadata.name', keepFullObjectsInMemory: false, executeHookOnEvent: [] }],
    });
    const r = run([], [{ binding: 'every-15s', type: 'Schedule', snapshots: { nodes: [{ filterResult: 'n1' }] } }], undefined, undefined, wrapper);
    expect(r.status).toBe(0);
    expect(r.files.CONFIG_VALUES_JSON_PATCH_PATH).toBe('[{"op":"add","path":"/metallb/fixtureNodes","value":["n1"]}]\n');
  });

  test('hook check reads SETTINGS_PATH and reports validity; hook ready; hook dump', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hook-check-'));
    try {
      const p = path.join(dir, 'settings.json');
      fs.writeFileSync(p, '{"pools":"nope"}');
      const bad = spawnSync(tree.batch, ['hook', 'check'], { env: { ...process.env, SETTINGS_PATH: p }, encoding: 'utf8' });
      expect(bad.status).toBe(1);
      expect(JSON.parse(bad.stdout)).toEqual({ valid: false, message: 'pools must be a list' });
      fs.writeFileSync(p, '{"pools":[]}');
      const good = spawnSync(tree.batch, ['hook', 'check'], { env: { ...process.env, SETTINGS_PATH: p }, encoding: 'utf8' });
      expect(good.status).toBe(0);
      expect(JSON.parse(good.stdout)).toEqual({ valid: true, warnings: [] });
      expect(spawnSync(tree.batch, ['hook', 'ready']).status).toBe(0);
      const dump = path.join(dir, 'dump.json');
      expect(spawnSync(tree.batch, ['hook', 'dump'], { env: { ...process.env, HOOK_CONFIG_PATH: dump } }).status).toBe(0);
      expect(JSON.parse(fs.readFileSync(dump, 'utf8'))).toEqual(JSON.parse(execFileSync(tree.batch, ['hook', 'config'], { encoding: 'utf8' })));
      const noPath = spawnSync(tree.batch, ['hook', 'dump'], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
      expect(noPath.status).toBe(1);
      expect(JSON.parse(noPath.stderr)).toEqual({ message: 'hook dump needs HOOK_CONFIG_PATH' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The module's own executable over dist/: present after `make build`.
const built = fs.existsSync(path.join(repoRoot, 'dist/hooks/src/index.js')) && fs.existsSync(path.join(repoRoot, 'dist/lib/hook-sdk/batch.js'));
(built ? describe : describe.skip)(built ? 'hooks/batch (the module executable)' : 'hooks/batch (skipped: dist/ not built, run make build)', () => {
  test('lists the registered hooks and emits a config addon-operator accepts', () => {
    const bin = path.join(repoRoot, 'hooks/batch');
    const list = execFileSync(bin, ['hook', 'list'], { encoding: 'utf8' });
    const n = Number(/^Found (\d+) items:\n/.exec(list)?.[1]);
    const cfg = JSON.parse(execFileSync(bin, ['hook', 'config'], { encoding: 'utf8', env: { ...process.env, HOOK_CONFIG_FORMAT: 'v1' } })) as { version: string; hooks: { configVersion: string; metadata: { name: string } }[] };
    expect(cfg.version).toBe('v1');
    expect(cfg.hooks).toHaveLength(n);
    expect(list).toBe(`Found ${n} items:\n` + cfg.hooks.map((h, i) => `${i} - ${h.metadata.name}\n`).join(''));
    for (const h of cfg.hooks) expect(h.configVersion).toBe('v1');
  });

  test('hook config is pinned to the form the oldest Deckhouse in module.yaml decodes: a bare array for 1.68', () => {
    const required = /deckhouse:\s*">=\s*([\d.]+)"/.exec(fs.readFileSync(path.join(repoRoot, 'module.yaml'), 'utf8'))?.[1];
    expect(required).toBe(OLDEST_DECKHOUSE);
    // addon-operator of Deckhouse < 1.71 decodes []HookConfig; 1.71 brought the {version, hooks} object.
    const [major, minor] = (required ?? '').split('.').map(Number);
    const wantArray = major === 1 && (minor ?? 0) < 71;
    const bin = path.join(repoRoot, 'hooks/batch');
    const env = { ...process.env };
    delete env.HOOK_CONFIG_FORMAT;
    const doc = JSON.parse(execFileSync(bin, ['hook', 'config'], { encoding: 'utf8', env })) as unknown;
    expect(Array.isArray(doc)).toBe(wantArray);
    const v1 = JSON.parse(execFileSync(bin, ['hook', 'config'], { encoding: 'utf8', env: { ...env, HOOK_CONFIG_FORMAT: 'v1' } })) as { hooks: unknown[] };
    expect(wantArray ? doc : (doc as { hooks: unknown[] }).hooks).toEqual(v1.hooks);
  });
});
