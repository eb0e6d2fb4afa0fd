// SPDX-License-Identifier: Apache-2.0
/** `metallb-lab down [--dir DIR]`: removes every namespace, link and process `up` made, by exact names and PIDs. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { labAgentReport } from '../agent/agent.js';
import { agentFiles, DEFAULT_DIR, readState, stateFile, type LabState } from '../state.js';
import { alive, stop, type ProcRef } from '../sys.js';
import { destroyNamespaces, namespacesOf } from '../topology/netns.js';
import { parseArgs } from './args.js';

const USAGE = 'usage: metallb-lab down [--dir DIR]';

/** Takes the lab in `state` down; returns what it removed. */
export async function takeDown(state: LabState): Promise<{ processes: number; namespaces: string[] }> {
  let processes = 0;
  const kill = async (p: ProcRef): Promise<void> => {
    if (!alive(p)) return;
    await stop(p, 3000);
    processes++;
  };
  // The agents first (the nodes', then the control plane's): on SIGTERM each stops its pods and removes the
  // pod namespaces it made. Pods whose agent had died are stopped from its report.
  const agents = Object.keys(state.processes).filter((r) => r.startsWith('agent')).sort().reverse();
  await Promise.all(agents.map(async (role) => {
    for (const p of state.processes[role] ?? []) if (alive(p)) await stop(p, 15_000);
  }));
  const report = labAgentReport(state.dir);
  for (const u of report?.units ?? []) {
    if (u.proc) await kill(u.proc);
    if (u.containerId) spawnSync('runc', ['delete', '--force', u.containerId], { stdio: 'ignore' });
  }
  for (const [role, procs] of Object.entries(state.processes)) if (!role.startsWith('agent')) for (const p of procs) await kill(p);
  const names = [...namespacesOf(state.plan), ...(report?.podNamespaces ?? [])];
  const gone = destroyNamespaces(names);
  fs.rmSync(stateFile(state.dir), { force: true });
  for (const f of ['targets.json', 'prober.json', 'api.sock']) fs.rmSync(path.join(state.dir, f), { force: true });
  for (const f of agentFiles(state.dir)) fs.rmSync(f, { force: true });
  return { processes, namespaces: gone };
}

export async function main(args: string[]): Promise<void> {
  const p = parseArgs(args, ['dir'], [], USAGE);
  const dir = path.resolve(p.flags.get('dir') ?? DEFAULT_DIR);
  const state = readState(dir);
  if (!state) {
    console.log('lab: nothing to take down');
    return;
  }
  const r = await takeDown(state);
  console.log(`lab: removed ${r.namespaces.length} namespaces (${r.namespaces.join(', ') || 'none left'}) and stopped ${r.processes} leftover processes; logs and report stay in ${dir}`);
}
