// SPDX-License-Identifier: Apache-2.0
/** `metallb-lab status [--json] [--dir DIR]`: the lab's topology, processes and Services. */
import * as path from 'node:path';
import { snapshot } from '../observe.js';
import { DEFAULT_DIR, requireState, type LabState } from '../state.js';
import { alive } from '../sys.js';
import { observeIfaces } from '../topology/netns.js';
import { renderTable, rows } from '../view/table.js';
import { parseArgs } from './args.js';

const USAGE = 'usage: metallb-lab status [--json] [--dir DIR]';

/** What `status --json` prints: enough for scripts and tests to drive the lab. */
export async function statusDocument(state: LabState): Promise<Record<string, unknown>> {
  const snap = await snapshot(state);
  return {
    dir: state.dir,
    kubeconfig: state.api.kubeconfig,
    router: { kind: state.plan.router, asn: state.plan.routerAsn, nodeAsn: state.plan.nodeAsn },
    topology: {
      namespaces: state.plan.hosts.map((h) => ({ name: h.ns, role: h.role, ...(h.nodeName ? { node: h.nodeName } : {}), interfaces: observeIfaces(h.ns) })),
      podNamespaces: snap.agent?.podNamespaces ?? [],
    },
    processes: [
      ...Object.entries(state.processes).flatMap(([role, ps]) => ps.map((p) => ({ role, pid: p.pid, running: alive(p) }))),
      ...(snap.agent?.units ?? []).map((u) => ({ role: u.pod ? `${u.pod.namespace}/${u.pod.name}/${u.pod.container}` : u.key, kind: u.kind, netns: u.netns, pid: u.proc?.pid ?? null, running: u.state === 'running', restarts: u.restarts, ...(u.lastExit ? { lastExit: u.lastExit } : {}) })),
    ],
    problems: snap.agent?.problems ?? [],
    services: snap.observation.services,
    rows: rows(snap.observation),
    nextHops: snap.observation.nextHops,
    ...(snap.apiError ? { apiError: snap.apiError } : {}),
  };
}

export async function main(args: string[]): Promise<void> {
  const p = parseArgs(args, ['dir'], ['json'], USAGE);
  const state = requireState(path.resolve(p.flags.get('dir') ?? DEFAULT_DIR));
  if (p.flags.has('json')) {
    console.log(JSON.stringify(await statusDocument(state), null, 2));
    return;
  }
  const snap = await snapshot(state);
  const units = snap.agent?.units ?? [];
  console.log(`lab in ${state.dir}: ${state.plan.hosts.length} namespaces, router ${state.plan.router}, ${units.filter((u) => u.state === 'running').length}/${units.length} processes running`);
  for (const pr of snap.agent?.problems ?? []) console.log(`  ${pr.pod}: ${pr.reason}: ${pr.message}`);
  if (snap.apiError) console.log(`  API: ${snap.apiError}`);
  console.log(`\n${renderTable(rows(snap.observation))}\n\nexport KUBECONFIG=${state.api.kubeconfig}`);
}
