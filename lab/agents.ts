// SPDX-License-Identifier: Apache-2.0
/** Starting the lab's agents: the control plane's (no node) and each node's; each recorded in the state by role. */
import * as path from 'node:path';
import { writeState, type LabState } from './state.js';
import { spawnDetached, type ProcRef } from './sys.js';

/** The state's role name of an agent. */
export function agentRole(node?: string): string {
  return node === undefined ? 'agent' : `agent:${node}`;
}

/** Starts an agent detached, records it in the state file, and returns it. */
export function startAgent(state: LabState, node?: string): ProcRef {
  const args = [path.join(state.appRoot, 'dist/lab/agent/main.js'), state.dir, ...(node === undefined ? [] : ['--node', node])];
  const p = spawnDetached(process.execPath, args, { logFile: path.join(state.dir, `logs/${node === undefined ? 'agent' : `agent-${node}`}.log`) });
  state.processes[agentRole(node)] = [p];
  writeState(state);
  return p;
}
