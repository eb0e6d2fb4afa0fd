import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

const root = path.resolve(__dirname, '../..');

function run(cmd: string, args: string[]): { code: number; output: string } {
  try {
    const output = execFileSync(cmd, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
    return { code: 0, output };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? 1, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

describe('toolchain', () => {
  test('tsc --noEmit (strict) reports no errors', () => {
    const r = run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
    expect(r.output).toBe('');
    expect(r.code).toBe(0);
  }, 300_000);

  test('eslint reports no errors and no warnings', () => {
    const r = run('npx', ['eslint', '--max-warnings', '0', '.']);
    expect(r.output.trim()).toBe('');
    expect(r.code).toBe(0);
  }, 300_000);
});
