// SPDX-License-Identifier: Apache-2.0
/** The lab's thin I/O shell over commands, namespaces and processes (exact names and PIDs only). */
import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';

/** Runs a command and returns stdout; throws with the command line and stderr on failure. */
export function run(cmd: string, args: readonly string[], opts: { allowFail?: boolean; input?: string } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], input: opts.input ?? '', maxBuffer: 64 << 20 });
  } catch (e) {
    if (opts.allowFail) return '';
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(err.stderr ?? err.message).trim()}`);
  }
}

/** Runs a command without blocking the event loop. */
export function runAsync(cmd: string, args: readonly string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${(stderr || err.message).trim()}`));
      else resolve(stdout);
    });
  });
}

/** Runs a command inside a network namespace. */
export function runNs(ns: string, cmd: string, args: readonly string[], opts: { allowFail?: boolean } = {}): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** The argv that runs `argv` inside network namespace `ns`, or on the host when `ns` is empty. */
export function inNamespace(ns: string, argv: readonly string[]): string[] {
  return ns ? ['ip', 'netns', 'exec', ns, ...argv] : [...argv];
}

/** Names of the network namespaces that exist now. */
export function listNamespaces(): string[] {
  const out = run('ip', ['-j', 'netns', 'list'], { allowFail: true }).trim();
  if (!out) return [];
  return (JSON.parse(out) as Array<{ name: string }>).map((n) => n.name);
}

/** A process identified by PID and kernel start time, so a reused PID is never mistaken for ours. */
export interface ProcRef {
  readonly pid: number;
  readonly start: number;
}

/** The start time (clock ticks since boot) of a PID, or undefined when it is gone. */
export function procStart(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the parenthesised command name.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = Number(rest[19]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function procRef(pid: number): ProcRef | undefined {
  const start = procStart(pid);
  return start === undefined ? undefined : { pid, start };
}

/** Whether the exact process is still running (and not a zombie). */
export function alive(p: ProcRef): boolean {
  if (procStart(p.pid) !== p.start) return false;
  try {
    const stat = fs.readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Sends a signal to the exact process; false when it is gone already. */
export function signal(p: ProcRef, sig: NodeJS.Signals): boolean {
  if (!alive(p)) return false;
  try {
    process.kill(p.pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Kills the exact process (TERM, then KILL after `graceMs`) and waits until it is gone. */
export async function stop(p: ProcRef, graceMs = 2000): Promise<void> {
  if (!signal(p, 'SIGTERM')) return;
  const end = Date.now() + graceMs;
  while (alive(p) && Date.now() < end) await sleep(50);
  if (signal(p, 'SIGKILL')) {
    const hard = Date.now() + 5000;
    while (alive(p) && Date.now() < hard) await sleep(20);
  }
}

/** Starts a process that outlives its parent, logging to `logFile`; returns its reference. */
export function spawnDetached(cmd: string, args: readonly string[], opts: { logFile: string; env?: NodeJS.ProcessEnv; cwd?: string }): ProcRef {
  const fd = fs.openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', fd, fd], env: opts.env ?? process.env, cwd: opts.cwd ?? process.cwd() });
  fs.closeSync(fd);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  // The kernel start time is readable as soon as the PID exists.
  return procRef(child.pid) ?? { pid: child.pid, start: -1 };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns a value other than undefined, or throws `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await sleep(everyMs);
  }
}
