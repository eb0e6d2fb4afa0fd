// SPDX-License-Identifier: Apache-2.0
/**
 * hooks/batch from the unpacked bundle, run the way addon-operator runs module hooks (chrooted, nothing but a few
 * system libraries): in a bubblewrap sandbox holding only the shared libraries the executable needs, the module
 * files, /tmp and /dev/null. No node, no shell. It answers hook list, hook config and hook run as the
 * node-run hooks/batch of the repository does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sharedLibraries } from '../../scripts/images/rootfs.js';
import { ensureImages, extractLayout, missingTools, outDir, repoRoot } from '../helpers/images.js';

const why = missingTools('bwrap');
const PROTOCOL_OUT = ['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH'];

(why ? describe.skip : describe)(`hooks/batch of the bundle in a sandbox${why ? ` (skipped: ${why}; scripts/setup.sh installs bubblewrap)` : ''}`, () => {
  jest.setTimeout(600_000);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mlb-hooks-'));
  const moduleDir = path.join(tmp, 'module');
  const sandboxTmp = path.join(tmp, 'tmp');
  let sandbox: string[] = [];

  beforeAll(() => {
    ensureImages();
    const l = extractLayout(path.join(outDir, 'bundle.tar'), path.join(tmp, 'layout'));
    fs.mkdirSync(moduleDir);
    execFileSync('tar', ['xzf', l.blob(l.manifest.layers[0]!.digest), '-C', moduleDir]);
    fs.mkdirSync(sandboxTmp);
    const libs = sharedLibraries(path.join(moduleDir, 'hooks/batch'));
    sandbox = [
      '--unshare-all', '--die-with-parent', '--clearenv', '--setenv', 'PATH', '/usr/bin:/bin',
      '--ro-bind', moduleDir, '/module', '--bind', sandboxTmp, '/tmp', '--dev-bind', '/dev/null', '/dev/null', '--chdir', '/module',
      ...libs.flatMap((lib) => ['--ro-bind', fs.realpathSync(lib), lib]),
    ];
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const inSandbox = (args: string[], env: Record<string, string> = {}) =>
    spawnSync('bwrap', [...sandbox, ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]), ...args], { encoding: 'utf8', timeout: 60_000 });
  const repoBatch = path.join(repoRoot, 'hooks/batch');

  test('hooks/ of the bundle holds exactly one extensionless executable: hooks/batch', () => {
    const entries = fs.readdirSync(path.join(moduleDir, 'hooks'));
    expect(entries).toEqual(['batch']);
    expect(fs.statSync(path.join(moduleDir, 'hooks/batch')).mode & 0o111).toBe(0o111);
  });

  test('the sandbox has no node and no shell: only the libraries the executable loads', () => {
    expect(inSandbox(['/usr/bin/node', '-v']).status).not.toBe(0);
    expect(inSandbox(['/bin/sh', '-c', 'true']).status).not.toBe(0);
    expect(sandbox.filter((a) => /^\/(usr\/)?lib/.test(a)).every((a) => /\.so(\.\d+)*$/.test(a))).toBe(true);
  });

  test('hook list and hook config: what addon-operator reads, the same as the repository executable', () => {
    const list = inSandbox(['/module/hooks/batch', 'hook', 'list']);
    expect(list.stderr).toBe('');
    expect(list.stdout).toMatch(/^Found [1-9]\d* items:\n/);
    expect(list.stdout).toBe(execFileSync(repoBatch, ['hook', 'list'], { encoding: 'utf8' }));
    const config = inSandbox(['/module/hooks/batch', 'hook', 'config']);
    expect(config.status).toBe(0);
    const doc = JSON.parse(config.stdout) as unknown[];
    expect(Array.isArray(doc)).toBe(true);
    expect(doc).toEqual(JSON.parse(execFileSync(repoBatch, ['hook', 'config'], { encoding: 'utf8' })));
  });

  test('hook run: protocol files in /tmp, the same patches as the repository executable', () => {
    const cfg = JSON.parse(execFileSync(repoBatch, ['hook', 'config'], { encoding: 'utf8' })) as { metadata: { name: string }; kubernetes?: { name: string }[] }[];
    const i = cfg.findIndex((h) => h.metadata.name === 'discovery-l2-load-balancers');
    expect(i).toBeGreaterThanOrEqual(0);
    const contexts = [{ binding: 'beforeHelm', snapshots: Object.fromEntries((cfg[i]!.kubernetes ?? []).map((k) => [k.name, []])) }];
    const inputs: Record<string, string> = {
      BINDING_CONTEXT_PATH: JSON.stringify(contexts),
      VALUES_PATH: JSON.stringify({ global: {}, metallb: { internal: {} } }),
      CONFIG_VALUES_PATH: JSON.stringify({ global: {}, metallb: {} }),
    };
    const runIn = (dir: string, mount: string, exec: (env: Record<string, string>) => number | null) => {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(inputs)) {
        fs.writeFileSync(path.join(dir, k), v);
        env[k] = path.join(mount, k);
      }
      for (const k of PROTOCOL_OUT) {
        fs.writeFileSync(path.join(dir, k), '');
        env[k] = path.join(mount, k);
      }
      const status = exec(env);
      return { status, out: Object.fromEntries(PROTOCOL_OUT.map((k) => [k, fs.readFileSync(path.join(dir, k), 'utf8')])) };
    };
    const sandboxed = runIn(sandboxTmp, '/tmp', (env) => inSandbox(['/module/hooks/batch', 'hook', 'run', String(i)], env).status);
    const hostDir = fs.mkdtempSync(path.join(tmp, 'host-'));
    const host = runIn(hostDir, hostDir, (env) => spawnSync(repoBatch, ['hook', 'run', String(i)], { env: { ...process.env, ...env } }).status);
    expect(sandboxed.status).toBe(0);
    expect(sandboxed.out.VALUES_JSON_PATCH_PATH).toMatch(/"path":"\/metallb\/internal\//);
    expect(sandboxed).toEqual(host);
  });
});
