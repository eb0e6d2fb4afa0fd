import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HookRunError, loadHookConfigs, runHookProcess, runSettingsCheck } from './hook-exec.js';

describe('hook process', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hook-exec-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A stand-in executable written in shell: enough to exercise the runner's side of the protocol. */
  function script(name: string, body: string): string {
    const p = path.join(dir, name);
    fs.writeFileSync(p, `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    return p;
  }

  test('outputs are read from the files, values patch streams included; temp files are removed', async () => {
    const bin = script('ok', [
      'cat "$BINDING_CONTEXT_PATH" > ' + path.join(dir, 'seen.json'),
      `echo '[{"op":"add","path":"/m/a","value":1}]' > "$VALUES_JSON_PATCH_PATH"`,
      `echo '{"op":"remove","path":"/m/b"}' >> "$VALUES_JSON_PATCH_PATH"`,
      `echo '{"operation":"DeleteInBackground","kind":"Pod","name":"p"}' > "$KUBERNETES_PATCH_PATH"`,
      `echo '{"name":"x","set":2}' > "$METRICS_PATH"`,
      'echo "$BINDING_CONTEXT_PATH" > ' + path.join(dir, 'path.txt'),
      'echo log line',
    ].join('\n'));
    const r = await runHookProcess(bin, 0, 'ok', [{ binding: 'onStartup' }], { m: {} }, {}, dir);
    expect(r.values).toEqual([{ op: 'add', path: '/m/a', value: 1 }, { op: 'remove', path: '/m/b' }]);
    expect(r.configValues).toEqual([]);
    expect(r.kube).toEqual([{ operation: 'DeleteInBackground', kind: 'Pod', name: 'p' }]);
    expect(r.metrics).toEqual([{ name: 'x', action: 'set', value: 2, labels: {} }]);
    expect(r.log).toBe('log line\n');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'seen.json'), 'utf8'))).toEqual([{ binding: 'onStartup' }]);
    expect(fs.existsSync(fs.readFileSync(path.join(dir, 'path.txt'), 'utf8').trim())).toBe(false);
  });

  test('a failure carries the hook message from stderr, or the raw text, or why it did not run', async () => {
    await expect(runHookProcess(script('fail', `echo '{"message":"no pools"}' >&2; exit 1`), 0, 'fail', [], {}, {}, dir)).rejects.toThrow('hook fail: no pools');
    await expect(runHookProcess(script('raw', 'echo oops >&2; exit 3'), 0, 'raw', [], {}, {}, dir)).rejects.toThrow('hook raw: oops');
    await expect(runHookProcess(path.join(dir, 'missing'), 0, 'missing', [], {}, {}, dir)).rejects.toThrow(/hook missing: .*ENOENT/);
    await expect(runHookProcess(script('bad', `echo '{"op":' > "$VALUES_JSON_PATCH_PATH"`), 0, 'bad', [], {}, {}, dir)).rejects.toBeInstanceOf(HookRunError);
  });

  test('hook config must agree with hook list; hook check results are parsed', async () => {
    const bin = script('batch', [
      'case "$2" in',
      `  list) printf 'Found 1 items:\\n0 - a\\n' ;;`,
      `  config) echo '{"version":"v1","hooks":[{"configVersion":"v1","onStartup":1}],"has_settings_check":true}' ;;`,
      `  check) cat "$SETTINGS_PATH" | grep -q bad && echo '{"valid":false,"message":"bad"}' || echo '{"valid":true}' ;;`,
      'esac',
    ].join('\n'));
    expect(await loadHookConfigs(bin)).toEqual({ hooks: [{ configVersion: 'v1', onStartup: 1 }], settingsCheck: true });
    expect(await runSettingsCheck(bin, { x: 'bad' }, dir)).toEqual({ valid: false, message: 'bad' });
    expect(await runSettingsCheck(bin, { x: 'good' }, dir)).toEqual({ valid: true });
    const liar = script('liar', `case "$2" in list) echo 'Found 2 items:' ;; config) echo '[]' ;; esac`);
    await expect(loadHookConfigs(liar)).rejects.toThrow('hook list says 2 hooks, hook config gives 0');
  });
});
