// SPDX-License-Identifier: Apache-2.0
/**
 * The module's hooks through the real batch executable, as addon-operator drives it: a child process,
 * binding contexts and values in files, patches read back from the output files.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildHooksTree } from '../helpers/hooks-tree.js';
import * as discoveryL2 from '../../hooks/src/discovery-l2-load-balancers.js';
import { fixture, snapshotOf } from './harness.js';

const tree = buildHooksTree('hooks-batch', ['lib', 'hooks/src'], 'hooks/src/index');
afterAll(() => tree.remove());

const OUT = ['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH'] as const;

function run(args: string[], files: Record<string, string>): { status: number | null; stdout: string; stderr: string; out: Record<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-hooks-'));
  try {
    const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
    for (const [k, body] of Object.entries(files)) {
      env[k] = path.join(dir, k.toLowerCase());
      fs.writeFileSync(env[k] as string, body);
    }
    for (const k of OUT) {
      env[k] = path.join(dir, k.toLowerCase());
      fs.writeFileSync(env[k] as string, '');
    }
    const r = spawnSync(tree.batch, args, { env, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, out: Object.fromEntries(OUT.map((k) => [k, fs.readFileSync(env[k] as string, 'utf8')])) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const names = (): string[] => execFileSync(tree.batch, ['hook', 'list'], { encoding: 'utf8' }).split('\n').slice(1).filter(Boolean).map((l) => l.replace(/^\d+ - /, ''));

describe('hooks/batch', () => {
  test('lists every hook of the module and a valid config with the settings check', () => {
    expect(names()).toEqual(expect.arrayContaining(['discovery-l2-load-balancers', 'discovery-bgp', 'node-membership', 'update-service-status', 'migration-l2-classes', 'migration-adopt-l2-services', 'migration-bgp', 'delete-deprecated-crd', 'alert-deprecated-annotations', 'check-requirements-for-upgrade']));
    const cfg = JSON.parse(execFileSync(tree.batch, ['hook', 'config'], { encoding: 'utf8', env: { ...process.env, HOOK_CONFIG_FORMAT: 'v1' } })) as { hooks: { metadata: { name: string }; beforeHelm?: number; onStartup?: number }[]; has_settings_check: boolean };
    expect(cfg.has_settings_check).toBe(true);
    const order = Object.fromEntries(cfg.hooks.map((h) => [h.metadata.name, h.beforeHelm ?? h.onStartup]));
    expect(order).toMatchObject({ 'migration-l2-classes': 5, 'migration-adopt-l2-services': 10, 'node-membership': 15, 'discovery-l2-load-balancers': 20, 'delete-deprecated-crd': 10 });
  });

  test('hook run: L2 discovery on the docs example writes 3 instances on 3 distinct nodes and binds the Service', () => {
    const objs = fixture('l2-docs-example');
    const snap = (kind: string) => objs.filter((o) => o.kind === kind).map((object) => ({ object }));
    const contexts = [{ binding: 'beforeHelm', snapshots: { mlbc: snap('MetalLoadBalancerClass'), nodes: snap('Node'), services: snapshotOf(discoveryL2.services, objs), l2lbservices: [] } }];
    const r = run(['hook', 'run', String(names().indexOf('discovery-l2-load-balancers'))], {
      BINDING_CONTEXT_PATH: JSON.stringify(contexts),
      VALUES_PATH: JSON.stringify({ global: {}, metallb: { internal: {} } }),
      CONFIG_VALUES_PATH: JSON.stringify({ global: {}, metallb: {} }),
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const patch = JSON.parse(r.out.VALUES_JSON_PATCH_PATH as string) as { op: string; path: string; value: unknown }[];
    const inst = patch.find((p) => p.path === '/metallb/internal/l2lbservices')?.value as { name: string; preferredNode: string }[];
    expect(inst.map((i) => i.name)).toEqual(['nginx-ingress-0', 'nginx-ingress-1', 'nginx-ingress-2']);
    expect(new Set(inst.map((i) => i.preferredNode)).size).toBe(3);
    const ops = (r.out.KUBERNETES_PATCH_PATH as string).trim().split('\n').map((l) => JSON.parse(l) as { operation: string; kind: string; subresource?: string });
    // the class records the version in force in its status; the Service gets its bound class
    expect(ops).toEqual([
      expect.objectContaining({ operation: 'MergePatch', kind: 'MetalLoadBalancerClass', subresource: 'status' }),
      expect.objectContaining({ operation: 'MergePatch', kind: 'Service', subresource: 'status' }),
    ]);
  });

  test('hook run: a bad binding context fails with a message on stderr and writes nothing', () => {
    const r = run(['hook', 'run', String(names().indexOf('discovery-l2-load-balancers'))], { BINDING_CONTEXT_PATH: '{"not":"an array"}' });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stderr) as { message: string }).toEqual({ message: expect.stringContaining('binding context must be a JSON array') });
    expect(r.out.VALUES_JSON_PATCH_PATH).toBe('');
  });

  test('hook check: settings that cannot be migrated are rejected with what to change; a password is migrated', () => {
    const bad = run(['hook', 'check'], { SETTINGS_PATH: JSON.stringify({ addressPools: [{ name: 'p', protocol: 'bgp', addresses: ['203.0.113.0/28'], 'bgp-advertisements': [{ communities: ['nope'] }] }] }) });
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as { valid: boolean; message: string }).message).toContain('community "nope" is neither a value like 65535:65282 nor a key of bgpCommunities');
    const migrated = run(['hook', 'check'], { SETTINGS_PATH: JSON.stringify({ bgpPeers: [{ 'peer-address': '192.0.2.1', 'peer-asn': 64512, 'my-asn': 64500, password: 'x' }] }) });
    expect(migrated.status).toBe(0);
    const good = run(['hook', 'check'], { SETTINGS_PATH: JSON.stringify({ nodeSelector: { a: 'b' } }) });
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ valid: true });
  });
});
