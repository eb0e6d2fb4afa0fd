// SPDX-License-Identifier: Apache-2.0
/**
 * The single-executable build of hooks/batch (scripts/build-hooks-sea.sh) runs with no node on PATH and
 * answers exactly as the node-run executable does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/hooks-tree.js';

const built = fs.existsSync(path.join(repoRoot, 'dist/hooks/src/index.js')) && fs.existsSync(path.join(repoRoot, 'dist/lib/hook-sdk/batch.js'));
const seaDir = path.join(repoRoot, 'test/out/sea');
const sea = path.join(seaDir, 'batch-sea');
const batch = path.join(repoRoot, 'hooks/batch');
const noNode = { PATH: '/nonexistent' };

(built ? describe : describe.skip)(built ? 'hooks/batch as a single executable' : 'hooks/batch as a single executable (skipped: dist/ not built, run make build)', () => {
  jest.setTimeout(400000);

  beforeAll(() => {
    fs.mkdirSync(seaDir, { recursive: true });
    execFileSync('bash', [path.join(repoRoot, 'scripts/build-hooks-sea.sh'), sea], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  });

  afterAll(() => fs.rmSync(seaDir, { recursive: true, force: true }));

  test('hook list and hook config: same bytes as the node-run executable, with no node on PATH', () => {
    expect(() => execFileSync('node', ['-e', '0'], { env: noNode })).toThrow();
    for (const args of [['hook', 'list'], ['hook', 'config']]) {
      const a = execFileSync(sea, args, { env: noNode, encoding: 'utf8' });
      expect(a).toBe(execFileSync(batch, args, { encoding: 'utf8' }));
    }
  });

  test('hook run: the same patch files from the same binding context', () => {
    const cfg = JSON.parse(execFileSync(batch, ['hook', 'config'], { encoding: 'utf8', env: { ...process.env, HOOK_CONFIG_FORMAT: 'v1' } })) as { hooks: { metadata: { name: string }; kubernetes?: { name: string }[] }[] };
    const i = cfg.hooks.findIndex((h) => (h.kubernetes ?? []).length > 0);
    expect(i).toBeGreaterThanOrEqual(0);
    const hook = cfg.hooks[i] as { kubernetes: { name: string }[] };
    const contexts = [{ binding: 'beforeHelm', snapshots: Object.fromEntries(hook.kubernetes.map((k) => [k.name, []])) }];
    const runIn = (bin: string, env: NodeJS.ProcessEnv) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sea-run-'));
      try {
        const files: Record<string, string> = {};
        const put = (k: string, body: string) => {
          files[k] = path.join(dir, k);
          fs.writeFileSync(files[k] as string, body);
        };
        put('BINDING_CONTEXT_PATH', JSON.stringify(contexts));
        put('VALUES_PATH', JSON.stringify({ global: {}, metallb: { internal: {} } }));
        put('CONFIG_VALUES_PATH', JSON.stringify({ global: {}, metallb: {} }));
        for (const k of ['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH']) put(k, '');
        const r = spawnSync(bin, ['hook', 'run', String(i)], { env: { ...env, ...files }, encoding: 'utf8' });
        const out = Object.fromEntries(['VALUES_JSON_PATCH_PATH', 'CONFIG_VALUES_JSON_PATCH_PATH', 'KUBERNETES_PATCH_PATH', 'METRICS_PATH'].map((k) => [k, fs.readFileSync(files[k] as string, 'utf8')]));
        return { status: r.status, stderr: r.stderr, out };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    const a = runIn(sea, noNode);
    const b = runIn(batch, process.env);
    expect(a.status).toBe(b.status);
    expect(a.out).toEqual(b.out);
  });

  test('a bad command fails the same way: exit 1 and {"message"} on stderr', () => {
    const r = spawnSync(sea, ['hook', 'run', '999'], { env: noNode, encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect((JSON.parse(r.stderr) as { message: string }).message).toMatch(/^no hook with index 999/);
  });
});
