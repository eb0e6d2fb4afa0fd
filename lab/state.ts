// SPDX-License-Identifier: Apache-2.0
/** The lab's state file (lab/out/state.json): what `up` made, so `down`, `status`, `failover` and `chaos` find it by exact names and PIDs. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from './paths.js';
import type { Plan } from './topology/plan.js';
import type { ProcRef } from './sys.js';

export interface LabState {
  readonly version: 1;
  readonly createdAt: string;
  readonly dir: string;
  readonly appRoot: string;
  readonly plan: Plan;
  /** The API server: its TCP port on 127.0.0.1 (also the forwarder port in every namespace), Unix socket, kubeconfig, snapshot. */
  readonly api: { readonly port: number; readonly socket: string; readonly kubeconfig: string; readonly data: string };
  /** Processes started directly by `up`, by role. */
  processes: Record<string, ProcRef[]>;
  /** How pods run: from the image archives under runc (the default), or as processes on the host. */
  readonly runtime?: 'runc' | 'processes';
}

export const DEFAULT_DIR = path.join(REPO_ROOT, 'lab/out');

export function stateFile(dir: string): string {
  return path.join(dir, 'state.json');
}

/** The report of the control plane's agent, or of a node's agent. */
export function agentFile(dir: string, node?: string): string {
  return path.join(dir, node === undefined ? 'agent.json' : `agent-${node}.json`);
}

/** Every agent report in the lab directory (the control plane's and each node's). */
export function agentFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /^agent(-.+)?\.json$/.test(f)).sort().map((f) => path.join(dir, f));
}

/** The release the lab runs: a symlink to its image archives (out/images at `up`; `upgrade` points it at the next). */
export function releaseDir(dir: string): string {
  return path.join(dir, 'release');
}

/** Where `upgrade` builds each release's archives: <dir>/releases/<version>. */
export function releasesDir(dir: string): string {
  return path.join(dir, 'releases');
}

/**
 * Every directory of image archives the lab's nodes pull from: the current release, each release built since
 * (pods of the previous one keep running during a rollout) and the repository's out/images.
 */
export function imageDirs(dir: string, appRoot: string): string[] {
  const built = fs.existsSync(releasesDir(dir)) ? fs.readdirSync(releasesDir(dir)).filter((n) => !n.startsWith('.')).sort().map((n) => path.join(releasesDir(dir), n)) : [];
  return [releaseDir(dir), ...built, path.join(appRoot, 'out/images')].filter((d) => fs.existsSync(d));
}

export function proberFile(dir: string): string {
  return path.join(dir, 'prober.json');
}

export function readState(dir: string): LabState | undefined {
  const f = stateFile(dir);
  if (!fs.existsSync(f)) return undefined;
  return JSON.parse(fs.readFileSync(f, 'utf8')) as LabState;
}

/** The state, or a clear error telling the user to run `up`. */
export function requireState(dir: string): LabState {
  const s = readState(dir);
  if (!s) throw new Error(`no lab is running (no ${stateFile(dir)}); start one with "make lab"`);
  return s;
}

export function writeState(s: LabState): void {
  fs.mkdirSync(s.dir, { recursive: true });
  const tmp = `${stateFile(s.dir)}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(s, null, 2));
  fs.renameSync(tmp, stateFile(s.dir));
}

/** Reads a JSON file another lab process writes atomically, or undefined. */
export function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
