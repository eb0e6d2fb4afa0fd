// SPDX-License-Identifier: Apache-2.0
/**
 * A node agent process, until SIGTERM (then it stops what it runs):
 *   node dist/lab/agent/main.js STATE_DIR               the control plane: the static pods (API server, module runtime)
 *   node dist/lab/agent/main.js STATE_DIR --node NAME   the kubelet and kube-proxy of one node: its pods, each with
 *                                                       its own service-account token, its heartbeats, its service IPs
 * A node's pods outlive its agent, as containers outlive a kubelet; an agent that starts again first stops
 * what its previous run left (by exact PID and start time, from its report).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kube, readKubeconfig } from '../kube.js';
import { agentFile, imageDirs, readJson, releaseDir, requireState } from '../state.js';
import { alive, stop } from '../sys.js';
import { nodesOf } from '../topology/plan.js';
import { NodeAgent, type AgentReport } from './agent.js';
import { LAB_BACKOFF } from './backoff.js';
import { LAB_LEASE_SECONDS, NodeHeartbeat } from './heartbeat.js';
import { ImageStore } from './images.js';
import type { SeccompProfileFile } from './oci-spec.js';
import { PodSync } from './publish.js';
import { apiSource } from './source.js';
import { Supervisor, type StaticUnit } from './supervisor.js';

async function main(): Promise<void> {
  const dir = path.resolve(process.argv[2] ?? '');
  const flag = process.argv.indexOf('--node');
  const node = flag > 0 ? process.argv[flag + 1] : undefined;
  const s = requireState(dir);
  const nodes = nodesOf(s.plan);
  const host = node === undefined ? undefined : nodes.find((h) => h.nodeName === node);
  if (node !== undefined && !host) throw new Error(`no node "${node}" in the lab plan`);
  const reportFile = agentFile(dir, node);
  // What a previous run of this agent left running goes first.
  for (const u of readJson<AgentReport>(reportFile)?.units ?? []) if (u.proc && alive(u.proc)) await stop(u.proc, 3000);

  const cli = path.join(s.appRoot, 'dist/lab/cli/main.js');
  const env = { LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', PATH: `${path.join(s.appRoot, '.cache/helm')}:${process.env.PATH ?? ''}` };
  const statics: StaticUnit[] = node !== undefined ? [] : [
    { key: 'static:apiserver', kind: 'static', netns: '', argv: [process.execPath, cli, 'apiserver', '--port', String(s.api.port), '--kubeconfig', s.api.kubeconfig, '--data', s.api.data, '--socket', s.api.socket, '--node-grace', String(LAB_LEASE_SECONDS), '--pod-logs', path.join(dir, 'pods')], env },
    { key: 'static:module', kind: 'static', netns: '', argv: [process.execPath, cli, 'module', '--kubeconfig', s.api.kubeconfig, ...(fs.existsSync(releaseDir(dir)) ? ['--images', releaseDir(dir)] : [])], env },
  ];
  const images = s.runtime !== 'processes';
  const seccompFile = '/usr/share/containers/seccomp.json';
  const containers = images ? {
    store: new ImageStore(() => imageDirs(dir, s.appRoot), path.join(dir, 'images')),
    seccomp: fs.existsSync(seccompFile) ? JSON.parse(fs.readFileSync(seccompFile, 'utf8')) as SeccompProfileFile : undefined,
    apiPort: s.api.port,
    idPrefix: s.plan.prefix,
  } : undefined;
  const supervisor = new Supervisor(path.join(dir, 'logs'), LAB_BACKOFF, (ns) => ns.startsWith(s.plan.prefix));
  // The control plane's agent writes the kubeconfig when its API server first starts: read it lazily.
  let kube: Kube | undefined;
  let pods: PodSync | undefined;
  let heartbeat: NodeHeartbeat | undefined;
  const client = (): Kube | undefined => {
    if (!kube && fs.existsSync(s.api.kubeconfig)) kube = Kube.fromKubeconfig(s.api.kubeconfig);
    return kube;
  };
  const agent = new NodeAgent({
    source: () => {
      const k = client();
      if (!k || node === undefined) return Promise.reject(new Error(node === undefined ? 'the control plane runs no pods' : 'no kubeconfig yet'));
      return apiSource(k)();
    },
    layout: {
      appRoot: s.appRoot,
      nodeNs: (n) => nodes.find((h) => h.nodeName === n)?.ns,
      podNs: (w, slot) => `${s.plan.prefix}${w}-${slot}`,
      apiPort: s.api.port,
      apiSocket: s.api.socket,
      kubeconfig: s.api.kubeconfig,
      node: process.execPath,
      ...(node !== undefined ? { serves: node } : {}),
      images,
    },
    supervisor,
    statics,
    nodeNamespaces: host ? [host.ns] : [],
    reportFile,
    admit: (units, view, keep) => {
      const k = client();
      if (!k || node === undefined) return Promise.reject(new Error('no API yet'));
      pods ??= new PodSync({ kube: k, node, podsDir: path.join(dir, 'pods'), apiPort: s.api.port, caPem: readKubeconfig(s.api.kubeconfig).ca, ...(containers ? { containers } : {}) });
      return pods.admit(units, view, keep);
    },
    publish: (units) => pods?.publish(units) ?? Promise.resolve(),
    heartbeats: () => {
      const k = client();
      if (!k || node === undefined) return [];
      heartbeat ??= new NodeHeartbeat(k, node, LAB_LEASE_SECONDS);
      return [heartbeat];
    },
  });
  agent.start(500);
  const quit = (): void => {
    void agent.stop().then(() => process.exit(0));
  };
  process.once('SIGTERM', quit);
  process.once('SIGINT', quit);
}

main().catch((e: unknown) => {
  console.error(`agent: ${(e as Error).message}`);
  process.exit(1);
});
