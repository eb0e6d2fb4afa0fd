// SPDX-License-Identifier: Apache-2.0
/**
 * The node agent process: `node dist/lab/agent/main.js STATE_DIR`. Runs the lab's static pods (API server,
 * module runtime) and every pod the cluster asks for, until SIGTERM; then stops them all.
 */
import * as path from 'node:path';
import { Kube } from '../kube.js';
import { agentFile, requireState } from '../state.js';
import { nodesOf } from '../topology/plan.js';
import { NodeAgent } from './agent.js';
import { LAB_LEASE_SECONDS, NodeHeartbeat } from './heartbeat.js';
import { LAB_BACKOFF } from './backoff.js';
import { Publisher } from './publish.js';
import { apiSource } from './source.js';
import { Supervisor, type StaticUnit } from './supervisor.js';

function main(): void {
  const dir = path.resolve(process.argv[2] ?? '');
  const s = requireState(dir);
  const cli = path.join(s.appRoot, 'dist/lab/cli/main.js');
  const env = { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', PATH: `${path.join(s.appRoot, '.cache/helm')}:${process.env.PATH ?? ''}` };
  const statics: StaticUnit[] = [
    { key: 'static:apiserver', kind: 'static', netns: '', argv: [process.execPath, cli, 'apiserver', '--port', String(s.api.port), '--kubeconfig', s.api.kubeconfig, '--data', s.api.data, '--socket', s.api.socket, '--node-grace', String(LAB_LEASE_SECONDS)], env },
    { key: 'static:module', kind: 'static', netns: '', argv: [process.execPath, cli, 'module', '--kubeconfig', s.api.kubeconfig], env },
  ];
  const nodes = nodesOf(s.plan);
  const supervisor = new Supervisor(path.join(dir, 'logs'), LAB_BACKOFF, (ns) => ns.startsWith(s.plan.prefix));
  // The API server writes the kubeconfig when it first starts: read it lazily.
  let kube: Kube | undefined;
  let publisher: Publisher | undefined;
  let heartbeats: NodeHeartbeat[] | undefined;
  const source = (): ReturnType<ReturnType<typeof apiSource>> => {
    kube ??= Kube.fromKubeconfig(s.api.kubeconfig);
    return apiSource(kube)();
  };
  const agent = new NodeAgent({
    source,
    layout: {
      appRoot: s.appRoot,
      nodeNs: (n) => nodes.find((h) => h.nodeName === n)?.ns,
      podNs: (w, slot) => `${s.plan.prefix}${w}-${slot}`,
      apiPort: s.api.port,
      apiSocket: s.api.socket,
      kubeconfig: s.api.kubeconfig,
      node: process.execPath,
    },
    supervisor,
    statics,
    nodeNamespaces: nodes.map((n) => n.ns),
    reportFile: agentFile(dir),
    heartbeats: () => {
      if (!kube) return [];
      const k = kube;
      heartbeats ??= nodes.map((n) => new NodeHeartbeat(k, n.nodeName ?? '', LAB_LEASE_SECONDS));
      return heartbeats;
    },
    publish: (view, units) => {
      if (!kube) return Promise.resolve();
      publisher ??= new Publisher(kube);
      return publisher.publish(view, units);
    },
  });
  agent.start(500);
  const stop = (): void => {
    void agent.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main();
