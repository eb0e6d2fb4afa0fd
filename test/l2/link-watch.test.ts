// SPDX-License-Identifier: Apache-2.0
/** The speaker's `ip monitor link` child dies with the speaker, even when the speaker is SIGKILLed. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { until } from '../helpers/until.js';

const WATCH = path.resolve(__dirname, '../../dist/images/speaker/src/l2/link/link-watch.js');
const reason = fs.existsSync(WATCH) ? (fs.existsSync('/usr/bin/setpriv') || fs.existsSync('/bin/setpriv') ? undefined : 'needs setpriv (util-linux)') : 'needs `make build`';

/** Child PIDs of a process, from /proc. */
function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number): boolean => {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

(reason ? test.skip : test)(`${reason ? `[skipped: ${reason}] ` : ''}a SIGKILLed speaker leaves no link monitor behind`, async () => {
  const code = `new (require(${JSON.stringify(WATCH)}).LinkWatch)(() => undefined).start(); setInterval(() => undefined, 1000);`;
  const speaker = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  const pid = speaker.pid ?? 0;
  let monitor = 0;
  try {
    await until('the link monitor to start', () => {
      monitor = children(pid).find((c) => fs.readFileSync(`/proc/${c}/cmdline`, 'utf8').includes('monitor')) ?? 0;
      return monitor > 0;
    }, 10_000);
    process.kill(pid, 'SIGKILL');
    await until('the link monitor to exit', () => !alive(monitor), 5000);
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (monitor && alive(monitor)) process.kill(monitor, 'SIGKILL');
  }
}, 20_000);
